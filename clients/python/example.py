"""Queries a running `wm serve` with the Python client.

  /usr/bin/python3 clients/python/example.py --server 127.0.0.1:50051 \
      [--model NAME] [--token TOKEN] [--batch 4] [--horizon 10]

with wm_client installed (clients/python/README.md).

Lists the served models, prints one model's description, then runs one
Predict on `--batch` states and one Rollout of `--horizon` steps, both from
the model's own StateSpec: zero states with identity quaternions (w = 1)
where the spec has quaternion slots, zero actions.
"""

import argparse
import os
import sys

import numpy as np

from wm_client import WorldModelClient


def main():
    parser = argparse.ArgumentParser(description="Query a wm server.")
    parser.add_argument("--server", default="127.0.0.1:50051", help="HOST:PORT")
    parser.add_argument("--model", help="model name (default: the first listed)")
    parser.add_argument("--token", default=os.environ.get("WM_SERVE_TOKEN"),
                        help="bearer token (default: $WM_SERVE_TOKEN)")
    parser.add_argument("--batch", type=int, default=4, help="Predict rows")
    parser.add_argument("--horizon", type=int, default=10, help="Rollout steps")
    args = parser.parse_args()
    np.set_printoptions(precision=4, suppress=True, linewidth=120)

    with WorldModelClient(args.server, token=args.token, timeout=30) as client:
        models = client.list_models()
        for entry in models:
            print(f"model {entry.name}: versions {entry.versions}, "
                  f"default {entry.default_version}")
        if not models:
            sys.exit("the server serves no models")
        name = args.model or models[0].name

        info = client.model_info(name)
        print(f"\n{info.name} v{info.version}: kind {info.kind}, dt {info.dt} s, "
              f"{info.ensemble_size} members, nq {info.nq} nv {info.nv} nu {info.nu}")
        for joint in info.spec.joints:
            print(f"  joint {joint.name}: qpos[{joint.qpos_offset}] "
                  f"qvel[{joint.qvel_offset}] quaternion {joint.quaternion_offset}")
        for actuator in info.spec.actuators:
            print(f"  actuator {actuator.name}: [{actuator.ctrl_min}, "
                  f"{actuator.ctrl_max}] {actuator.unit}")
        for parameter, unit in info.parameters.items():
            print(f"  parameter {parameter} [{unit}]")
        for metric, value in sorted(info.metrics.items()):
            print(f"  metric {metric} = {value:.4g}")

        states = info.zero_states(args.batch)
        step = client.predict(name, states, np.zeros((args.batch, info.nu)))
        print(f"\nPredict (v{step.version}): mean {step.mean.shape}, "
              f"epistemic {step.epistemic_std.shape}")
        print("  next state of row 0:", step.mean[0])
        print("  epistemic std of row 0:", step.epistemic_std[0])
        print("  aleatoric std of row 0:", step.aleatoric_std[0])

        trajectory = client.rollout(
            name, info.zero_states(1), np.zeros((args.batch, args.horizon, info.nu)))
        print(f"\nRollout (v{trajectory.version}): mean {trajectory.mean.shape}")
        print(f"  final state of rollout 0 after {args.horizon * info.dt:.3g} s:",
              trajectory.mean[0, -1])
        print("  its epistemic std:", trajectory.epistemic_std[0, -1])


if __name__ == "__main__":
    main()
