#!/usr/bin/env bash
# The main job on built-in defaults, end to end: every stage that exists runs,
# then a summary of what it found is printed.
# Usage: tools/quickstart.sh [--smallest] [--no-setup] [--out DIR]
#   --smallest  the same stages at minimum size (what the ctest runs)
#   --no-setup  skip tools/setup.sh (packages already installed)
#   --out DIR   where data and models go (default quickstart_out/)
set -euo pipefail
cd "$(dirname "$0")/.."

SMALLEST=0
SETUP=1
OUT=quickstart_out
while [ $# -gt 0 ]; do
  case "$1" in
    --smallest) SMALLEST=1 ;;
    --no-setup) SETUP=0 ;;
    --out) OUT="$2"; shift ;;
    *) echo "quickstart: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [ "$SETUP" -eq 1 ]; then
  tools/setup.sh
fi
# shellcheck source=tools/lib.sh
source tools/lib.sh
if [ ! -x "$WM" ] || [ "${WM_QUICKSTART_SKIP_BUILD:-0}" != 1 ]; then
  wm_build wm wm_python_client
fi
mkdir -p "$OUT"

# Sizes: built-in defaults, or the smallest that still exercises every stage.
if [ "$SMALLEST" -eq 1 ]; then
  EPISODES=30; STEPS=40; TRAIN_STEPS=30; MEMBERS=2
  PLAN_EPISODES=1; PLAN="--samples 64 --horizon 15 --iterations 1"
  ORACLE_EPISODES=2
else
  EPISODES=300; STEPS=100; TRAIN_STEPS=1500; MEMBERS=5
  PLAN_EPISODES=3; PLAN="--samples 256 --horizon 30 --iterations 1"
  ORACLE_EPISODES=3
fi

echo "== stage 0: toolchain"
"$WM" doctor | tee "$OUT/doctor.txt"

echo
echo "== stage 1: generate MuJoCo data (scene push, randomised mass and friction)"
"$WM" gen --scene push --episodes "$EPISODES" --steps "$STEPS" --seed 1 \
  --out "$OUT/data/push" --overwrite
"$WM" inspect "$OUT/data/push" > "$OUT/inspect_push.txt"

echo
echo "== stage 2: train the physics world model (ensemble of $MEMBERS)"
"$WM" train --data "$OUT/data/push" --out "$OUT/models/push_physics" \
  --max_steps "$TRAIN_STEPS" --ensemble_size "$MEMBERS" --seed 1

echo
echo "== stage 3: evaluate on the held-out test split beside the baselines"
"$WM" eval --model "$OUT/models/push_physics" --data "$OUT/data/push" \
  --json "$OUT/eval_push.json" | tee "$OUT/eval_push.txt"

echo
echo "== stage 4: serve the model over gRPC and query it"
wm_serve_start "$OUT/models" "$OUT" --metrics_port=-1
echo "wm serve listening on $ADDRESS (metrics: $METRICS)"
"$WM" query --server "$ADDRESS" list | tee "$OUT/query_list.json"
"$WM" query --server "$ADDRESS" info --model push_physics > "$OUT/query_info.json"
/usr/bin/python3 tools/quickstart_query.py --server "$ADDRESS" \
  --model push_physics --data "$OUT/data/push" --json "$OUT/served.json" \
  | tee "$OUT/served.txt"
/usr/bin/python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())" \
  "$METRICS" | grep '^wm_calls_total' > "$OUT/metrics.txt"

echo
echo "== stage 5: plan: push boxes of unknown mass and friction to goals in MuJoCo"
# shellcheck disable=SC2086
"$WM" plan --server "$ADDRESS" --scene push --model push_physics \
  --episodes "$PLAN_EPISODES" --oracle --oracle_samples 16 \
  --oracle_episodes "$ORACLE_EPISODES" $PLAN \
  --json "$OUT/plan_push.json" | tee "$OUT/plan_push.txt"
wm_serve_stop
echo "wm serve drained and stopped"

echo
echo "== quickstart summary"
grep BLAS "$OUT/doctor.txt"
sed -n '/== summary/,$p' "$OUT/inspect_push.txt"
echo
cat "$OUT/eval_push.txt"
echo "evaluation JSON: $OUT/eval_push.json"
echo
cat "$OUT/served.txt"
echo "served calls: $(paste -sd' ' "$OUT/metrics.txt")"
echo
cat "$OUT/plan_push.txt"
