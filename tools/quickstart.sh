#!/usr/bin/env bash
# The main job on built-in defaults, end to end: every stage that exists runs,
# then a summary of what it found is printed. The planning stage plans with the
# checked-in pretrained push model (data/pretrained/, made by
# tools/make_pretrained.sh) against the oracle on the same goals, and with the
# small model this run trains; the summary says in plain words how each did.
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
# PLAN_EPISODES: the pretrained model and the oracle (the same seeds, so the
# same goals); TRAINED_PLAN_EPISODES: the model trained here.
if [ "$SMALLEST" -eq 1 ]; then
  EPISODES=30; STEPS=40; TRAIN_STEPS=30; MEMBERS=2
  PLAN="--samples 64 --horizon 15 --iterations 1"; ORACLE_SAMPLES=16
  PLAN_EPISODES=1; ORACLE_EPISODES=2; TRAINED_PLAN_EPISODES=1
else
  EPISODES=300; STEPS=100; TRAIN_STEPS=1500; MEMBERS=5
  PLAN="--samples 256 --horizon 30 --iterations 1"; ORACLE_SAMPLES=16
  PLAN_EPISODES=10; ORACLE_EPISODES=10; TRAINED_PLAN_EPISODES=3
fi
PRETRAINED=data/pretrained/push_physics
if [ ! -f "$PRETRAINED/1/weights.pt" ]; then
  echo "quickstart: the pretrained model $PRETRAINED/1/ is missing (make it with tools/make_pretrained.sh)" >&2
  exit 1
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
echo "== stage 4: serve the trained and the pretrained model over gRPC and query them"
rm -rf "$OUT/models/push_physics_pretrained"
mkdir -p "$OUT/models/push_physics_pretrained"
cp -r "$PRETRAINED/1" "$OUT/models/push_physics_pretrained/"
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
echo "-- the pretrained model ($PLAN_EPISODES episodes) and the oracle (MuJoCo with the true parameters, $ORACLE_EPISODES)"
# shellcheck disable=SC2086
"$WM" plan --server "$ADDRESS" --scene push --model push_physics_pretrained \
  --episodes "$PLAN_EPISODES" --oracle --oracle_samples "$ORACLE_SAMPLES" \
  --oracle_episodes "$ORACLE_EPISODES" $PLAN \
  --json "$OUT/plan_push.json" | tee "$OUT/plan_push.txt"
echo "-- the model trained in stage 2 ($TRAINED_PLAN_EPISODES episodes, the first goals of the same)"
# shellcheck disable=SC2086
"$WM" plan --server "$ADDRESS" --scene push --model push_physics \
  --episodes "$TRAINED_PLAN_EPISODES" $PLAN \
  --json "$OUT/plan_push_trained.json" | tee "$OUT/plan_push_trained.txt"
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
cat "$OUT/plan_push.txt" "$OUT/plan_push_trained.txt"
echo
echo "== in plain words"
/usr/bin/python3 tools/quickstart_summary.py --plan "$OUT/plan_push.json" \
  --eval "$OUT/eval_push.json" \
  --name "the pretrained model" --also "$OUT/plan_push_trained.json" \
  --also_name "the model trained in stage 2 on $EPISODES episodes for $TRAIN_STEPS steps" \
  | tee "$OUT/summary.txt"
if [ "$SMALLEST" -eq 1 ]; then
  echo "(--smallest: a smoke run at minimum size; its planning figures are not a result)" \
    | tee -a "$OUT/summary.txt"
fi
