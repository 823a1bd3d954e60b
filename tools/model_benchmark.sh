#!/usr/bin/env bash
# Issue 4's accuracy measurement in one command. For each scene: simulated
# data, two sets with every randomised parameter beyond its training range
# (below it and above it, for the spread comparison), `physics` and `blackbox` trained with
# `wm train`'s defaults (timed), and `wm eval` of physics beside blackbox,
# constant velocity and MuJoCo-nominal on the test split (again with a
# longer history where the episodes allow one), and MuJoCo with the true
# parameters but the masses; then one summary table (summary.txt). Data and
# models are cached under --out and reused.
# Usage: tools/model_benchmark.sh [--out DIR] [--scenes "slide toss ..."]
#                                 [--seed S] [--quick]
#   --out DIR     work directory (default model_bench/)
#   --scenes S    space-separated built-in scenes (default: all four)
#   --seed S      the training seed (default 1); the data stay the same, so
#                 runs with seeds 1, 2, 3 into one --out share them. Models
#                 and reports of a seed other than 1 carry a _seedS suffix
#                 (summary_seedS.txt).
#   --quick       small data and training (a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=model_bench
SCENES="slide push toss double_pendulum"
SEED=1
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    --scenes) SCENES="$2"; shift ;;
    --seed) SEED="$2"; shift ;;
    --quick) QUICK=1 ;;
    *) echo "model_benchmark: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=tools/lib.sh
source tools/lib.sh
wm_build wm
mkdir -p "$OUT/scenes"
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "model_benchmark: --seed takes an integer" >&2; exit 2; }
SUFFIX=""
[ "$SEED" -ne 1 ] && SUFFIX="_seed$SEED"
OUT="$(cd "$OUT" && pwd)"

# Episodes and steps per scene: each episode covers the evaluation's history
# (1 s, at most 100 steps) and a 50-step horizon. Each episode gives the
# parameter encoder one label, so many shorter episodes beat few long ones:
# with 1000 toss episodes the encoder overfit and early stopping cut the
# dynamics short (the commits that set these sizes give the numbers).
size() {
  case "$1" in
    slide) echo "4000 200" ;;
    push) echo "4000 100" ;;
    toss) echo "4000 250" ;;
    double_pendulum) echo "800 500" ;;
    *) echo "model_benchmark: unknown scene $1" >&2; exit 2 ;;
  esac
}
# Training runs to its step budget, not to wm train's wall-clock budget
# (14 min): on a shared machine that budget cut the double pendulum's
# schedule short and moved its validation error from 0.79x to 1.02x
# MuJoCo-nominal's. 240 min only guards against a hang.
echo "max_minutes: 240" > "$OUT/untimed_training.pbtxt"
TRAIN_FLAGS=(--config "$OUT/untimed_training.pbtxt")
[ "$QUICK" -eq 1 ] && TRAIN_FLAGS+=(--max_steps 30 --ensemble_size 2)

# write_ood_scene SCENE SIDE: the scene with every randomised range [a, b]
# moved beyond it. above: [b, b + (b - a) / 2]. below: [a - (b - a) / 2, a],
# or [a / 2, a] where that would cross zero from a positive a; a range from
# 0 has no below and stays. Both sides count: above, the dissipative scenes'
# boxes are heavier and grip harder (on push the pusher cannot move them);
# below, they are lighter and slide further than any training episode.
write_ood_scene() {
  local scene="$1" side="$2"
  cp "configs/scenes/$scene.xml" "$OUT/scenes/"
  python3 - "configs/scenes/$scene.pbtxt" "$OUT/scenes/${scene}_ood_$side.pbtxt" \
    "$side" <<'EOF'
import re, sys
source, target, side = sys.argv[1:]
text = open(source).read()
def beyond(match):
    low, high = float(match.group(2)), float(match.group(3))
    width = high - low
    if side == "above":
        low, high = high, high + width / 2
    elif low != 0:
        low, high = low - width / 2, low
        if high > 0 and low <= 0:
            low = high / 2
    return f"{match.group(1)}min: {low!r} max: {high!r}"
text = re.sub(r"(randomize \{[^}]*?)min: (\S+) max: (\S+)", beyond, text)
text = re.sub(r'name: "(\w+)"', rf'name: "\1_ood_{side}"', text, count=1)
open(target, "w").write(text)
EOF
}

for scene in $SCENES; do
  read -r EPISODES STEPS <<< "$(size "$scene")"
  [ "$QUICK" -eq 1 ] && { EPISODES=60; STEPS=$((STEPS < 160 ? STEPS : 160)); }
  DATA="$OUT/data/$scene"
  if [ ! -f "$DATA/manifest.pbtxt" ]; then
    wm_stage "$scene: $EPISODES episodes of $STEPS steps"
    "$WM" gen --scene "$scene" --episodes "$EPISODES" --steps "$STEPS" \
      --seed 1 --out "$DATA" --overwrite
  fi
  for side in above below; do
    if [ ! -f "$DATA-ood-$side/manifest.pbtxt" ]; then
      write_ood_scene "$scene" "$side"
      "$WM" gen --scene "$OUT/scenes/${scene}_ood_$side.pbtxt" \
        --episodes $((EPISODES / 5 > 10 ? EPISODES / 5 : 10)) \
        --steps "$STEPS" --seed 2 --out "$DATA-ood-$side" --overwrite
    fi
  done
  for kind in physics blackbox; do
    MODEL="$OUT/models/${scene}_$kind$SUFFIX"
    if [ ! -d "$MODEL/1" ]; then
      wm_stage "$scene: train $kind"
      start=$(date +%s)
      "$WM" train --data "$DATA" --out "$MODEL" --model "$kind" --seed "$SEED" \
        "${TRAIN_FLAGS[@]}"
      echo $(( $(date +%s) - start )) > "$MODEL/train_seconds"
    fi
  done
  wm_stage "$scene: evaluate"
  "$WM" eval --model "$OUT/models/${scene}_physics$SUFFIX" --data "$DATA" \
    --baseline "$OUT/models/${scene}_blackbox$SUFFIX" --ood_data "$DATA-ood-below" \
    --json "$OUT/eval_$scene$SUFFIX.json" | tee "$OUT/eval_$scene$SUFFIX.txt"
  # The same test split against the other side (for its ood block only).
  "$WM" eval --model "$OUT/models/${scene}_physics$SUFFIX" --data "$DATA" \
    --ood_data "$DATA-ood-above" --json "$OUT/eval_${scene}${SUFFIX}_ood_above.json" \
    > "$OUT/eval_${scene}${SUFFIX}_ood_above.txt"
  # Again with the longest history the episodes leave room for beside the
  # 50-step horizon (at most 100 steps), where that is longer than the
  # default 1 s: how much more history buys the physics model.
  LONG_HISTORY=$(python3 - "$DATA/manifest.pbtxt" "$STEPS" <<'EOF2'
import re, sys
dt = float(re.search(r"^dt: (\S+)", open(sys.argv[1]).read(), re.M).group(1))
seconds = min(100, int(sys.argv[2]) - 50) * dt
print(f"{seconds:.6g}" if seconds > 1 else "")
EOF2
)
  rm -f "$OUT/eval_${scene}${SUFFIX}_long_history.json"
  if [ -n "$LONG_HISTORY" ]; then
    echo "history_seconds: $LONG_HISTORY" > "$OUT/long_history_$scene.pbtxt"
    "$WM" eval --model "$OUT/models/${scene}_physics$SUFFIX" --data "$DATA" \
      --baseline "$OUT/models/${scene}_blackbox$SUFFIX" \
      --config "$OUT/long_history_$scene.pbtxt" \
      --json "$OUT/eval_${scene}${SUFFIX}_long_history.json" \
      > "$OUT/eval_${scene}${SUFFIX}_long_history.txt"
  fi
  # MuJoCo given every true parameter but the masses, which stay at their
  # range's midpoint: what a perfect simulator scores without the mass,
  # which the first second often does not reveal (push: before contact).
  MASS_OVERRIDES=$(python3 - "configs/scenes/$scene.pbtxt" <<'EOF3'
import re, sys
text = open(sys.argv[1]).read()
pattern = r'randomize \{ element: "(\w+)" quantity: "mass" min: (\S+) max: (\S+) \}'
for element, low, high in re.findall(pattern, text):
    middle = (float(low) + float(high)) / 2
    print(f'parameter_overrides {{ key: "{element}/mass" value: {middle!r} }}')
EOF3
)
  rm -f "$OUT/eval_${scene}_masses_unknown.json"
  if [ -n "$MASS_OVERRIDES" ]; then
    printf 'use_true_parameters: true\n%s\n' "$MASS_OVERRIDES" \
      > "$OUT/masses_unknown_$scene.pbtxt"
    "$WM" eval --model "mujoco:$DATA" --data "$DATA" \
      --config "$OUT/masses_unknown_$scene.pbtxt" \
      --json "$OUT/eval_${scene}_masses_unknown.json" \
      > "$OUT/eval_${scene}_masses_unknown.txt"
  fi
done
# shellcheck disable=SC2086  # one argument per scene
python3 - "$OUT" "$SUFFIX" $SCENES <<'EOF' | tee "$OUT/summary$SUFFIX.txt"
import json, sys
out, suffix, scenes = sys.argv[1], sys.argv[2], sys.argv[3:]
nan = float("nan")
def median(report, key):
    return report.get("rollout", {}).get("50", {}).get(key, {}).get("median", nan)
print(f"{'scene':16}{'error@50':>10}{'physics':>10}{'blackbox':>10}{'ratio':>7}"
      f"{'nominal':>10}")
def rows(label, report):
    baselines = report.get("baselines", {})
    for key in report.get("rollout", {}).get("50", {}):
        physics = median(report, key)
        blackbox = median(baselines.get("blackbox", {}), key)
        print(f"{label:16}{key:>10}{physics:10.4g}{blackbox:10.4g}"
              f"{physics / blackbox:7.2f}"
              f"{median(baselines.get('mujoco_nominal', {}), key):10.4g}")
for scene in scenes:
    report = json.load(open(f"{out}/eval_{scene}{suffix}.json"))
    rows(scene, report)
    try:  # the longer history's rows, labelled with its length
        long = json.load(open(f"{out}/eval_{scene}{suffix}_long_history.json"))
        seconds = open(f"{out}/long_history_{scene}.pbtxt").read().split()[-1]
        rows(f"{scene} h={seconds}s", long)
    except FileNotFoundError:
        pass
    try:  # MuJoCo without the masses (true values for the rest)
        blind = json.load(open(f"{out}/eval_{scene}_masses_unknown.json"))
        errors = ", ".join(f"{key} {median(blind, key):.4g}"
                           for key in blind.get("rollout", {}).get("50", {}))
        print(f"    MuJoCo with the true parameters but the masses: {errors}")
    except FileNotFoundError:
        pass
    minutes = [int(open(f"{out}/models/{scene}_{kind}{suffix}/train_seconds")
                   .read()) / 60
               for kind in ("physics", "blackbox")]
    above = json.load(open(f"{out}/eval_{scene}{suffix}_ood_above.json"))
    def spread_ratio(r):
        return r.get("ood", {}).get("spread_ratio", nan)
    print(f"    training minutes: physics {minutes[0]:.1f}, blackbox "
          f"{minutes[1]:.1f}; out-of-range spread ratio below "
          f"{spread_ratio(report):.2f}, above {spread_ratio(above):.2f}; "
          f"one-step NMSE {report.get('one_step_nmse', nan):.3g}")
    for name, value in report.get("params", {}).items():
        print(f"    {name:32} median rel err "
              f"{value.get('median_rel_err', nan):.3f}  coverage90 "
              f"{value.get('coverage90', nan):.2f}  "
              f"({value.get('identifiable_episodes', 0)} identifiable episodes)")
print("(SCENE h=Ss: the same test split evaluated after S s of history "
      "instead of 1 s)")
EOF
echo "report: $OUT/summary$SUFFIX.txt and $OUT/eval_<scene>$SUFFIX.{txt,json}"
