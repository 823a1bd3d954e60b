#!/usr/bin/env bash
# The planning measurement of issue 6 in one command: push data, the physics
# and blackbox models at their default sizes, `wm serve`, and `wm plan`'s
# lock-step closed loop for both models (100 episodes each) and the oracle
# (MuJoCo with each episode's true parameters, 30 episodes, fewer samples),
# then a picture of a few episodes' paths. Data and models are cached under
# --out and reused on a second run (delete a directory to redo that step).
# Usage: tools/plan_benchmark.sh [--out DIR] [--quick]
#   --out DIR  work directory (default plan_bench/)
#   --quick    small data, training and episode counts (a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=plan_bench
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    --quick) QUICK=1 ;;
    *) echo "plan_benchmark: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=tools/lib.sh
source tools/lib.sh
wm_build wm
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

if [ "$QUICK" -eq 1 ]; then
  EPISODES=30; STEPS=40; TRAIN_FLAGS=(--max_steps 30); PLAN_EPISODES=2
  ORACLE_EPISODES=1
else
  # Default training (wm train's own defaults: 5 members, 6000 steps).
  EPISODES=2000; STEPS=100; TRAIN_FLAGS=(); PLAN_EPISODES=100
  ORACLE_EPISODES=30
fi
PLANNER="--samples 256 --horizon 30 --iterations 1"
ORACLE_SAMPLES=16

if [ ! -f "$OUT/data/push/manifest.pbtxt" ]; then
  wm_stage "generate push data: $EPISODES episodes of $STEPS steps"
  "$WM" gen --scene push --episodes "$EPISODES" --steps "$STEPS" --seed 1 \
    --out "$OUT/data/push" --overwrite
fi
for kind in physics blackbox; do
  if [ ! -d "$OUT/models/push_$kind/1" ]; then
    wm_stage "train push_$kind"
    "$WM" train --data "$OUT/data/push" --out "$OUT/models/push_$kind" \
      --model "$kind" --seed 1 "${TRAIN_FLAGS[@]}"
  fi
done

wm_stage "evaluate on the test split"
"$WM" eval --model "$OUT/models/push_physics" --data "$OUT/data/push" \
  --baseline "$OUT/models/push_blackbox" --json "$OUT/eval_push.json" \
  | tee "$OUT/eval_push.txt"

wm_stage "serve"
wm_serve_start "$OUT/models" "$OUT"

wm_stage "plan: $PLAN_EPISODES episodes per model, $ORACLE_EPISODES for the oracle"
start=$(date +%s)
# shellcheck disable=SC2086
"$WM" plan --server "$ADDRESS" --scene push --model push_physics \
  --baseline push_blackbox --oracle --oracle_samples "$ORACLE_SAMPLES" \
  --episodes "$PLAN_EPISODES" --oracle_episodes "$ORACLE_EPISODES" $PLANNER \
  --json "$OUT/plan_push.json" | tee "$OUT/plan_push.txt"
echo "planning took $(( $(date +%s) - start )) s" | tee -a "$OUT/plan_push.txt"
wm_serve_stop
/usr/bin/python3 tools/plot_plan.py "$OUT/plan_push.json" \
  --out "$OUT/plan_push.png"
echo "report: $OUT/plan_push.txt, $OUT/plan_push.json, $OUT/plan_push.png"
