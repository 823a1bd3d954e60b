#!/usr/bin/env bash
# Makes the checked-in pretrained push model data/pretrained/push_physics/1/
# that tools/quickstart.sh plans with: push data from `wm gen` (2000 episodes
# of 100 steps, seed 1), `wm train` with configs/train/push_pretrained.pbtxt
# (physics, 5 members, a fixed step count, seed 1), then a copy of the
# version's manifest.pbtxt and weights.pt into data/pretrained/push_physics/1/
# (replaced) and its sizes and the revision that made it printed for
# data/pretrained/README.md. Data and training go to --out (default
# pretrained_out/, not checked in).
# Usage: tools/make_pretrained.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=pretrained_out
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    *) echo "make_pretrained: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
EPISODES=2000; STEPS=100; SEED=1
CONFIG=configs/train/push_pretrained.pbtxt
DEST=data/pretrained/push_physics/1

# shellcheck source=tools/lib.sh
source tools/lib.sh
if [ ! -x "$WM" ] || [ "${WM_SKIP_BUILD:-0}" != 1 ]; then
  wm_build wm
fi
mkdir -p "$OUT"
start=$(date +%s)

wm_stage "generate push data: $EPISODES episodes of $STEPS steps, seed $SEED"
"$WM" gen --scene push --episodes "$EPISODES" --steps "$STEPS" --seed "$SEED" \
  --out "$OUT/data/push" --overwrite

wm_stage "train the physics model ($CONFIG)"
rm -rf "$OUT/models/push_physics"
"$WM" train --data "$OUT/data/push" --out "$OUT/models/push_physics" \
  --config "$CONFIG"

wm_stage "evaluate on the held-out test split"
"$WM" eval --model "$OUT/models/push_physics" --data "$OUT/data/push" \
  --json "$OUT/eval_push.json" | tee "$OUT/eval_push.txt"

mkdir -p "$DEST"
cp "$OUT/models/push_physics/1/manifest.pbtxt" \
  "$OUT/models/push_physics/1/weights.pt" "$DEST/"
wm_stage "made $DEST in $(( $(date +%s) - start )) s"
"$WM" --version
ls -l "$DEST"
du -sh "$DEST"
