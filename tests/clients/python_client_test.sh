#!/usr/bin/env bash
# The Python client (clients/python/wm_client) against a live `wm serve` on an
# ephemeral loopback port: a tiny push dataset and a 2-member blackbox model,
# then list, info, Predict (shapes, finite values, the version that answered,
# per-member outputs), Rollout shapes, diverged rows and samples reported
# under runaway actions, the error codes the client carries
# (NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION), example.py, a graceful
# SIGTERM that exits 0, the bearer token (WM_SERVE_TOKEN) sent as metadata,
# and standard health checking and server reflection.
# Usage: python_client_test.sh WM_BINARY SOURCE_DIR STUB_DIR
set -uo pipefail
WM="$1"
SOURCE="$2"
export WM_PYTHON_STUBS="$3"
source "$SOURCE/tests/tools/cli_test_lib.sh"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures checks failed"
    exit 1
  fi
  echo "all Python client checks passed"
}

# start_server: runs `wm serve` on a free loopback port in the background
# (SERVER_PID) and reads HOST:PORT from its `listening on` line (TARGET).
start_server() {
  "$WM" serve --models "$WORK/models" --port 0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  TARGET=""
  for _ in $(seq 300); do
    TARGET="$(sed -n 's/^listening on \([^ ]*\)$/\1/p' "$WORK/serve.out" | head -1)"
    [ -n "$TARGET" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "wm serve printed no 'listening on' line: $(tail -5 "$WORK/serve.err")"
  finish
}

# stop_server: SIGTERM; the server must exit 0 within 15 s.
stop_server() {
  kill -TERM "$SERVER_PID"
  for _ in $(seq 150); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "wm serve still running 15 s after SIGTERM"
    kill -9 "$SERVER_PID"
  fi
  wait "$SERVER_PID"
  local code=$?
  SERVER_PID=""
  [ "$code" -eq 0 ] || fail "wm serve exited $code on SIGTERM: $(tail -5 "$WORK/serve.err")"
}

"$WM" gen --scene push --episodes 30 --steps 40 --seed 1 --workers 1 \
  --out "$WORK/data" >/dev/null 2>&1 || fail "gen"
# Small and fixed (one learning rate, narrow layers): a few seconds.
printf 'learning_rate: 0.001\nhidden: [64, 64]\nbatch_size: 32\nvalidation_windows: 64\nworkers: 1\n' \
  >"$WORK/train.pbtxt"
"$WM" train --data "$WORK/data" --out "$WORK/models/push_bb" --model blackbox \
  --config "$WORK/train.pbtxt" --max_steps 30 --ensemble_size 2 \
  >/dev/null 2>"$WORK/train.err" || fail "train: $(tail -3 "$WORK/train.err")"
[ -f "$WORK/models/push_bb/1/weights.pt" ] || { fail "no model version 1"; finish; }

start_server
/usr/bin/python3 - "$SOURCE" "$TARGET" "$WORK/data" <<'PY' || fail "client checks"
import glob, sys
import grpc, h5py, numpy as np
source, target, data = sys.argv[1:]
sys.path.insert(0, f"{source}/clients/python")
from wm_client import WorldModelClient, WorldModelError

def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except WorldModelError as error:
        assert error.code == code, (call.__name__, error.code, error.message)
        assert error.message, "the error carries no message"
        return
    raise AssertionError(f"{call.__name__} succeeded, expected {code}")

client = WorldModelClient(target, timeout=30)
models = client.list_models()
assert [(m.name, m.versions, m.default_version) for m in models] == \
    [("push_bb", [1], 1)], models

info = client.model_info("push_bb")
assert (info.name, info.version, info.kind) == ("push_bb", 1, "blackbox"), info
assert (info.nq, info.nv, info.nu, info.nx) == (9, 8, 2, 17), info.spec
assert info.ensemble_size == 2 and abs(info.dt - 0.05) < 1e-9, info
assert info.quaternion_offsets == [3], info.quaternion_offsets
assert info.parameters == {}, info.parameters  # blackbox reads none
assert [a.name for a in info.spec.actuators] == ["vx", "vy"], info.spec

# Three recorded states of the dataset, random actions in the ctrl range.
with h5py.File(sorted(glob.glob(f"{data}/shard_*.h5"))[0], "r") as shard:
    states = np.concatenate([shard["qpos"][:3], shard["qvel"][:3]], 1)
actions = np.random.default_rng(0).uniform(-0.3, 0.3, (3, 2))
step = client.predict("push_bb", states, actions)
assert (step.name, step.version) == ("push_bb", 1), (step.name, step.version)
assert step.mean.shape == (3, 17) and step.mean.dtype == np.float32
assert step.epistemic_std.shape == (3, 16) and step.aleatoric_std.shape == (3, 16)
assert step.member_mean is None
for array in (step.mean, step.epistemic_std, step.aleatoric_std):
    assert np.isfinite(array).all(), array
assert (step.epistemic_std >= 0).all() and (step.aleatoric_std > 0).all()
np.testing.assert_allclose(np.linalg.norm(step.mean[:, 3:7], axis=1), 1, atol=1e-5)

pinned = client.predict("push_bb", states, actions, version=1, per_member=True)
assert pinned.version == 1 and pinned.member_mean.shape == (2, 3, 17)
np.testing.assert_allclose(pinned.mean, step.mean, atol=1e-6)

trajectory = client.rollout("push_bb", states[:1], np.zeros((4, 5, 2)))
assert trajectory.version == 1
assert trajectory.mean.shape == (4, 6, 17), trajectory.mean.shape
assert trajectory.epistemic_std.shape == (4, 6, 16)
assert trajectory.aleatoric_std.shape == (4, 6, 16)
assert np.isfinite(trajectory.mean).all()
np.testing.assert_allclose(trajectory.mean[:, 0], np.repeat(states[:1], 4, 0), atol=1e-6)
assert (trajectory.epistemic_std[:, 0] == 0).all()

assert step.diverged_rows == [] and trajectory.diverged_samples == []

# An action far outside the ctrl range runs the network away: the answer
# stays finite, names the diverged row or sample and saturates its spread.
wild = actions.copy()
wild[1, 0] = 1e6
runaway = client.predict("push_bb", states, wild)
assert runaway.diverged_rows == [1], runaway.diverged_rows
assert np.isfinite(runaway.mean).all()
assert (runaway.epistemic_std[1] == 1e3).all(), runaway.epistemic_std[1]
np.testing.assert_allclose(runaway.mean[[0, 2]], step.mean[[0, 2]], atol=1e-6)
wild_sequences = np.zeros((3, 5, 2))
wild_sequences[2, :, 0] = 1e6
runaway = client.rollout("push_bb", states[:1], wild_sequences)
assert runaway.diverged_samples == [2], runaway.diverged_samples
assert np.isfinite(runaway.mean).all() and (runaway.epistemic_std[2, -1] == 1e3).all()

expect_error(grpc.StatusCode.NOT_FOUND, client.model_info, "no_such_model")
expect_error(grpc.StatusCode.NOT_FOUND, client.predict, "no_such_model", states, actions)
expect_error(grpc.StatusCode.NOT_FOUND, client.predict, "push_bb", states, actions, version=99)
expect_error(grpc.StatusCode.INVALID_ARGUMENT, client.predict, "push_bb",
             states[:, :5], actions)
expect_error(grpc.StatusCode.FAILED_PRECONDITION, client.infer_parameters, "push_bb",
             states[None, :3], actions[None, :2])
client.close()
print("client checks passed")
PY

/usr/bin/python3 "$SOURCE/clients/python/example.py" --server "$TARGET" \
  >"$WORK/example.out" 2>&1 || fail "example.py: $(tail -5 "$WORK/example.out")"
grep -q "^Predict (v1): mean (4, 17)" "$WORK/example.out" \
  || fail "example.py printed no Predict: $(cat "$WORK/example.out")"
grep -q "^Rollout (v1): mean (4, 11, 17)" "$WORK/example.out" \
  || fail "example.py printed no Rollout"

# Standard health checking and server reflection, with stubs generated here
# from grpc-proto's own .proto files (the server side is gRPC's), under a
# module path of their own (the `grpc` package name is the library's).
mkdir -p "$WORK/protos/standard"
cp /usr/share/grpc-proto/grpc/health/v1/health.proto \
  /usr/share/grpc-proto/grpc/reflection/v1alpha/reflection.proto "$WORK/protos/standard/"
/usr/bin/python3 -m grpc_tools.protoc -I "$WORK/protos" \
  --python_out="$WORK" --grpc_python_out="$WORK" \
  standard/health.proto standard/reflection.proto \
  || fail "generating health and reflection stubs"
/usr/bin/python3 - "$WORK" "$TARGET" <<'PY' || fail "health and reflection"
import sys
sys.path.insert(0, sys.argv[1])
import grpc
from standard import health_pb2, health_pb2_grpc
from standard import reflection_pb2, reflection_pb2_grpc
channel = grpc.insecure_channel(sys.argv[2])
health = health_pb2_grpc.HealthStub(channel).Check(
    health_pb2.HealthCheckRequest(service="wm.v1.WorldModelService"), timeout=10)
assert health.status == health_pb2.HealthCheckResponse.SERVING, health
answers = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
    iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10)
services = {s.name for a in answers for s in a.list_services_response.service}
assert "wm.v1.WorldModelService" in services, services
print("health SERVING; reflection lists", sorted(services))
PY

stop_server

# With a bearer token required: UNAUTHENTICATED without it, served with it.
WM_SERVE_TOKEN=s3cret start_server
/usr/bin/python3 - "$SOURCE" "$TARGET" <<'PY' || fail "token checks"
import sys
import grpc
sys.path.insert(0, f"{sys.argv[1]}/clients/python")
from wm_client import WorldModelClient, WorldModelError
for token in (None, "wrong"):
    try:
        WorldModelClient(sys.argv[2], token=token, timeout=30).list_models()
        raise AssertionError(f"token {token!r} was accepted")
    except WorldModelError as error:
        assert error.code == grpc.StatusCode.UNAUTHENTICATED, error
client = WorldModelClient(sys.argv[2], token="s3cret", timeout=30)
assert [m.name for m in client.list_models()] == ["push_bb"]
PY
stop_server
finish
