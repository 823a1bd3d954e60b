#!/usr/bin/env bash
# A soak of `wm serve` (not CI; 10 minutes by default). Serves two slide
# models (a tiny trained `physics` model and the `mujoco` scene itself),
# measures the capacity of 32 closed-loop clients first (printed), then
# drives mixed load at half of it for N minutes (Predict, Rollout, Plan,
# InferParameters, 5% malformed) while a new version of the physics model is
# published every 30 s and a corrupt one dropped in every minute; then an
# overload phase at 10x capacity. Reports calls, p50/p99 per method, failed
# well-formed calls and the server's RSS after warm-up and at the end.
#
#   tools/soak.sh [--minutes N] [--out DIR] [--no-build]
#
# Exits non-zero on a failed well-formed call, a malformed call answered
# with anything but INVALID_ARGUMENT, a server crash, RSS growth over 10%
# after warm-up, or an overload phase that fails otherwise than by
# RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED.
set -uo pipefail
cd "$(dirname "$0")/.."

minutes=10
out=soak_out
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=tools/lib.sh
source tools/lib.sh
[ "$build" -eq 1 ] && wm_build wm wm_python_client >/dev/null
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
PY=/usr/bin/python3
status=0
fail() { echo "FAIL: $*"; status=1; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }

wm_stage "models"
"$WM" gen --scene slide --episodes 40 --steps 80 --seed 2 --out "$out/data" >/dev/null 2>&1
cat >"$out/tiny.pbtxt" <<PBTXT
model: "physics"
ensemble_size: 2
hidden: [32, 32]
history_seconds: 0.4
horizon: 4
batch_size: 32
max_steps: 200
eval_every: 50
seed: 4
workers: 2
PBTXT
"$WM" train --config "$out/tiny.pbtxt" --data "$out/data" --out "$out/models/physics" \
  >/dev/null 2>&1 || { echo "training failed"; exit 1; }
# The mujoco model: the dataset's embedded scene, nominal parameters.
$PY - "$out" <<'PY'
import os, sys
from google.protobuf import text_format
from wm.v1 import dataset_pb2, model_pb2
out = sys.argv[1]
dataset = text_format.Parse(open(f"{out}/data/manifest.pbtxt").read(),
                            dataset_pb2.DatasetManifest())
manifest = model_pb2.CheckpointManifest(name="sim", version=1, kind="mujoco")
manifest.scene.CopyFrom(dataset.scene)
os.makedirs(f"{out}/models/sim/1.tmp")
open(f"{out}/models/sim/1.tmp/manifest.pbtxt", "w").write(
    text_format.MessageToString(manifest))
os.rename(f"{out}/models/sim/1.tmp", f"{out}/models/sim/1")
PY

wm_serve_start "$out/models" "$out"
echo "serving on $ADDRESS (pid $SERVE_PID)"
load() { $PY tools/soak_load.py --server "$ADDRESS" --models physics,sim "$@"; }

wm_stage "capacity (20 s, 32 clients, closed loop)"
load --phase capacity --seconds 20 --json "$out/capacity.json" || fail "capacity phase"
capacity="$($PY -c "import json;print(json.load(open('$out/capacity.json'))['calls_per_s'])")"
rate="$($PY -c "print($capacity * 0.5)")"
echo "capacity: $capacity calls/s; soak rate: $rate calls/s"

wm_stage "soak ($minutes min at $rate calls/s, versions every 30 s, corrupt every 60 s)"
load --phase soak --seconds "$((minutes * 60))" --rate "$rate" \
  --json "$out/soak.json" >"$out/soak.out" 2>&1 &
load_pid=$!
sleep 30
rss_start="$(rss_kb)"
echo "RSS after warm-up: ${rss_start} kB"
elapsed=30
while kill -0 "$load_pid" 2>/dev/null; do
  sleep 30
  elapsed=$((elapsed + 30))
  kill -0 "$SERVE_PID" 2>/dev/null || { fail "the server died"; break; }
  latest="$(ls "$out/models/physics" | grep -E '^[0-9]+$' | sort -n | tail -1)"
  next=$((latest + 1))
  if [ $((elapsed % 60)) -eq 0 ]; then  # a corrupt version
    mkdir -p "$out/models/physics/$next.tmp"
    cp "$out/models/physics/1/manifest.pbtxt" "$out/models/physics/$next.tmp/"
    head -c 4096 /dev/urandom >"$out/models/physics/$next.tmp/weights.pt"
    mv "$out/models/physics/$next.tmp" "$out/models/physics/$next"
    echo "t=${elapsed}s: corrupt version $next"
  else
    cp -r "$out/models/physics/1" "$out/models/physics/$next.tmp"
    mv "$out/models/physics/$next.tmp" "$out/models/physics/$next"
    echo "t=${elapsed}s: new version $next"
  fi
done
wait "$load_pid" || fail "soak load generator"
rss_end="$(rss_kb)"
cat "$out/soak.out"

wm_stage "overload (20 s at 10x capacity)"
overload_rate="$($PY -c "print($capacity * 10)")"
load --phase overload --seconds 20 --rate "$overload_rate" \
  --json "$out/overload.json" || fail "overload phase"
kill -0 "$SERVE_PID" 2>/dev/null || fail "the server died under overload"
rss_overload="$(rss_kb)"

$PY - "$out" "$rss_start" "$rss_end" "$rss_overload" <<'PY' || status=1
import json, sys
out, start, end, overload_rss = sys.argv[1], *map(int, sys.argv[2:])
soak = json.load(open(f"{out}/soak.json"))
over = json.load(open(f"{out}/overload.json"))
print(f"soak: {soak['calls']} calls ({soak['calls_per_s']:.1f}/s)")
for method, m in soak["per_method"].items():
    print(f"  {method:16s} {m['calls']:7d} calls  p50 {m['p50_ms']:8.2f} ms"
          f"  p99 {m['p99_ms']:8.2f} ms")
print(f"failed well-formed calls: {soak['failed_well_formed']}")
for failure in soak["failures"]:
    print(f"  {failure}")
print(f"malformed answered otherwise than INVALID_ARGUMENT: "
      f"{soak['malformed_answered_wrongly']}")
growth = (end - start) / start
print(f"RSS: {start} kB after warm-up, {end} kB at the end ({100 * growth:+.1f}%),"
      f" {overload_rss} kB after overload")
print(f"overload: {over['calls']} calls, codes {over['codes']}, "
      f"unexpected failures {over['failed_well_formed']}")
bad = (soak["failed_well_formed"] > 0 or soak["malformed_answered_wrongly"] > 0
       or growth > 0.10 or over["failed_well_formed"] > 0)
sys.exit(1 if bad else 0)
PY
wm_serve_stop
[ "$status" -eq 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit "$status"
