"""Checks that bench/serving_peer.py computes what the C++ server computes.

  /usr/bin/python3 bench/serving_peer_check.py --model MODELS/NAME[/N]
      [--wm build/bin/wm] [--tolerance 1e-4]

Starts `wm serve --models MODELS --port 0` and `serving_peer.py --model
MODELS/NAME/N --port 0`, sends both the same Predict (batch 1 and 64) and
Rollout (8 x 16 steps) requests, with per-member outputs, through the
Python client (clients/python/wm_client), and prints the largest absolute
difference of every output. States are drawn around the checkpoint's
normalisation statistics (random unit quaternions in quaternion slots),
actions inside the actuators' ctrl ranges. Exits 1 when a Predict output
differs by more than --tolerance (Rollout differences are reported, and
checked against --rollout_tolerance, relative to the output's magnitude).
"""

import argparse
import os
import signal
import subprocess
import sys
import threading

import numpy as np

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(_REPO, "build", "python"))  # wm_python_client
from wm_client import WorldModelClient  # noqa: E402
sys.path.insert(0, os.path.join(_REPO, "bench"))
from serving_peer_model import BlackboxEnsemble, resolve_version_dir  # noqa: E402


def start(command, what, timeout=60.0):
    """Starts a server that prints `listening on HOST:PORT` on stdout (later
    output is drained); returns (process, "HOST:PORT")."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    found, target = threading.Event(), []

    def read():
        for line in process.stdout:
            if not found.is_set() and line.startswith("listening on "):
                target.append(line.split()[-1])
                found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        process.kill()
        sys.exit(f"{what} did not print 'listening on' (exit {process.wait()})")
    return process, target[0]


def sample_inputs(manifest, rng, batch):
    """States [batch, nx] near the training data, actions [batch, nu]."""
    stats, spec = manifest.normalization, manifest.spec
    nx = spec.nq + spec.nv
    mean = np.array(list(stats.state_mean) or [0.0] * nx)
    std = np.array(list(stats.state_std) or [1.0] * nx)
    states = mean + std * rng.standard_normal((batch, nx))
    for joint in spec.joints:
        w = joint.quaternion_offset
        if w >= 0:
            q = rng.standard_normal((batch, 4))
            states[:, w:w + 4] = q / np.linalg.norm(q, axis=1, keepdims=True)
    low = np.array([a.ctrl_min for a in spec.actuators])
    high = np.array([a.ctrl_max for a in spec.actuators])
    unlimited = low == high
    low[unlimited], high[unlimited] = -1.0, 1.0
    actions = rng.uniform(low, high, (batch, spec.nu))
    return states.astype(np.float32), actions.astype(np.float32)


def compare(label, ours, theirs, fields):
    """Largest absolute difference over `fields`; prints one line."""
    worst, scale = 0.0, 0.0
    parts = []
    for field in fields:
        a, b = getattr(ours, field), getattr(theirs, field)
        if a is None or b is None or a.shape != b.shape:
            sys.exit(f"{label}.{field}: shapes differ: "
                     f"{None if a is None else a.shape} vs {None if b is None else b.shape}")
        diff = float(np.abs(a.astype(np.float64) - b).max())
        parts.append(f"{field} {diff:.2e}")
        worst, scale = max(worst, diff), max(scale, float(np.abs(b).max()))
    print(f"{label}: max |peer - wm serve| {worst:.3e} (outputs up to {scale:.3g}): "
          + ", ".join(parts), flush=True)
    return worst, scale


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="MODELS/NAME[/N]")
    parser.add_argument("--wm", default=os.path.join(_REPO, "build", "bin", "wm"))
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--rollout_tolerance", type=float, default=1e-5,
                        help="relative to the largest |output|")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    version_dir = resolve_version_dir(args.model.rstrip("/"))
    version = int(os.path.basename(version_dir))
    models = os.path.dirname(os.path.dirname(version_dir))
    manifest = BlackboxEnsemble(version_dir).manifest
    name = os.path.basename(os.path.dirname(version_dir))

    cpp, cpp_target = start([args.wm, "serve", "--models", models, "--port", "0"],
                            "wm serve")
    peer, peer_target = start([sys.executable, os.path.join(_REPO, "bench", "serving_peer.py"),
                               "--model", version_dir, "--port", "0"], "serving_peer.py")
    failed = False
    try:
        with WorldModelClient(cpp_target, timeout=60) as theirs, \
                WorldModelClient(peer_target, timeout=60) as ours:
            rng = np.random.default_rng(args.seed)
            for batch in (1, 64):
                states, actions = sample_inputs(manifest, rng, batch)
                a = ours.predict(name, states, actions, version=version, per_member=True)
                b = theirs.predict(name, states, actions, version=version, per_member=True)
                if b.version != version:
                    sys.exit(f"wm serve answered version {b.version}, asked {version}")
                worst, _ = compare(f"Predict B={batch}", a, b, (
                    "mean", "epistemic_std", "aleatoric_std", "member_mean"))
                failed |= worst > args.tolerance
            states, _ = sample_inputs(manifest, rng, 1)
            actions = np.stack([sample_inputs(manifest, rng, 16)[1] for _ in range(8)])
            a = ours.rollout(name, states, actions, version=version, per_member=True)
            b = theirs.rollout(name, states, actions, version=version, per_member=True)
            worst, scale = compare("Rollout 8x16", a, b, (
                "mean", "epistemic_std", "aleatoric_std", "member_mean"))
            failed |= worst > args.rollout_tolerance * max(scale, 1.0)
    finally:
        peer.terminate()
        peer.wait()
        cpp.send_signal(signal.SIGTERM)
        code = cpp.wait(timeout=30)
        print(f"wm serve exited {code} on SIGTERM")
    if failed:
        sys.exit("FAIL: the peer differs from wm serve beyond the tolerance")
    print(f"OK: the peer matches wm serve within {args.tolerance:g} (Predict)")


if __name__ == "__main__":
    main()
