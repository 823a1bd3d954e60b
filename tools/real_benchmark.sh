#!/usr/bin/env bash
# The real-data benchmarks of issues 7 and 34, from the repository's
# data/real/ in one command, under a fair protocol: imports, the Acosta
# protocol check, system identification, simulated pretraining and
# fine-tuning on the real logs, hybrids (the identified MuJoCo model plus a
# learned residual), the choice of cube_best and pendulum_best on a
# validation fold, then one test score per final candidate.
# Imports, fits and trained models are cached under --out and reused on a
# second run (delete a directory to redo that step; an import is redone when
# its files differ from the folds below).
# Usage: tools/real_benchmark.sh [--data DIR] [--out DIR] [--quick]
#        tools/real_benchmark.sh --print_folds
#   --data DIR     the real datasets (default $WM_REAL_DATA_DIR, else the
#                  repository's data/real)
#   --out DIR      work directory (default real_bench/); models go to
#                  DIR/models/real/<name>/, the chosen models to
#                  DIR/models/real/cube_best/ and pendulum_best/
#   --quick        small fits and trainings (minutes, for a smoke run)
#   --print_folds  prints the folds (each dataset's files, each role's
#                  dataset) and exits: no build, no run
#                  (tests/tools/real_benchmark_folds_test.sh checks them)
# Relative paths are taken from the repository's root.
set -euo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS

# The folds (issue 34), fixed by toss and run number. The one definition:
# the imports below and --print_folds both read it.
# Cube tosses (data/real/cube_toss/tosses/toss_NNN.csv):
#   tosses_fit    000-239  the fold sysid fits; every learned candidate trains
#   tosses_val    240-299  early stopping and weights of the learned
#                          candidates, and the choice of cube_best
#   tosses_test   300-399  scored once per final candidate, never to choose
#   tosses_train  000-299  the reference toss_sysid (fitted as before)
#   tosses_all    000-399  the protocol check (the paper's parameters)
TOSS_DATASETS=(tosses_fit:0-239 tosses_val:240-299 tosses_test:300-399
  tosses_train:0-299 tosses_all:0-399)
# Double pendulum (data/real/double_pendulum/runs/trajectory_NN.csv); the
# runs marked * are cut into 3 s pieces (1 s of context, then a 2 s
# open-loop rollout) starting every 0.5 s, so each is scored from many
# starts:
#   pendulum_fit    runs 00-02  the fold sysid fit; learned candidates train
#   pendulum_val    run 03*     early stopping, weights, pendulum_best
#   pendulum_04     run 04*     test (held out)
#   pendulum_12     run 12*     test (swing-up, extrapolation)
#   pendulum_train  runs 00-03  the reference pendulum_sysid (as before)
PENDULUM_DATASETS=(pendulum_fit:00,01,02 pendulum_val:03* pendulum_04:04*
  pendulum_12:12* pendulum_train:00,01,02,03)
# What each dataset is used for.
TOSS_FOLD_FIT=tosses_fit    # toss_sysid_fold, toss_sysid_fold_single
TOSS_LEARN=tosses_fit       # toss_physics, toss_hybrid, toss_contact
TOSS_SELECT=tosses_val      # their --validation_data, and cube_best's choice
TOSS_TEST=tosses_test
TOSS_REFERENCE_FIT=tosses_train  # toss_sysid, toss_sysid_single
PENDULUM_FOLD_FIT=pendulum_fit   # pendulum_sysid_fold
PENDULUM_LEARN=pendulum_fit      # pendulum_physics, pendulum_hybrid, ..._contact
PENDULUM_SELECT=pendulum_val     # their --validation_data, pendulum_best
PENDULUM_TESTS=(pendulum_04 pendulum_12)
PENDULUM_REFERENCE_FIT=pendulum_train  # pendulum_sysid

# fold_files NAME:SPEC: the source file names of a dataset, one a line.
fold_files() {
  local spec="${1#*:}" n run
  case "$1" in
    tosses_*)
      for ((n = 10#${spec%-*}; n <= 10#${spec#*-}; n++)); do
        printf 'toss_%03d.csv\n' "$n"
      done ;;
    *)
      spec="${spec%\*}"
      for run in ${spec//,/ }; do echo "trajectory_$run.csv"; done ;;
  esac
}

print_folds() {
  local entry
  for entry in "${TOSS_DATASETS[@]}" "${PENDULUM_DATASETS[@]}"; do
    echo "dataset ${entry%%:*}:" $(fold_files "$entry")
  done
  local role
  for role in TOSS_FOLD_FIT TOSS_LEARN TOSS_SELECT TOSS_TEST \
      TOSS_REFERENCE_FIT PENDULUM_FOLD_FIT PENDULUM_LEARN PENDULUM_SELECT \
      PENDULUM_REFERENCE_FIT; do
    echo "role $role: ${!role}"
  done
  echo "role PENDULUM_TESTS: ${PENDULUM_TESTS[*]}"
}

REAL="${WM_REAL_DATA_DIR:-$PWD/data/real}"
OUT=real_bench
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data) REAL="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --quick) QUICK=1 ;;
    --print_folds) print_folds; exit 0 ;;
    *) echo "real_benchmark: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for needed in "$REAL/cube_toss/tosses" "$REAL/double_pendulum/runs"; do
  [ -d "$needed" ] || { echo "real_benchmark: $needed is missing" >&2; exit 1; }
done
# Absolute, as the imports link the files from a staging directory.
REAL="$(cd "$REAL" && pwd)"

# shellcheck source=tools/lib.sh
source tools/lib.sh
wm_build wm
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
DATA="$OUT/data"
MODELS="$OUT/models/real"
REPORTS="$OUT/reports"
mkdir -p "$DATA" "$MODELS" "$REPORTS"
CACHED=()  # the steps taken from an earlier run in --out

TOSS_SYSID=configs/sysid/toss_acosta.pbtxt
PENDULUM_SYSID=configs/sysid/pendulum.pbtxt
TOSS_CONTACT=configs/train/toss_contact.pbtxt
PENDULUM_CONTACT=configs/train/pendulum_contact.pbtxt
if [ "$QUICK" -eq 1 ]; then
  PRETRAIN_STEPS=300; FINETUNE_STEPS=100; TOSS_SIM_EPISODES=300
  PENDULUM_SIM_EPISODES=40
  # The same fits with few generations and bootstrap refits.
  for config in TOSS_SYSID PENDULUM_SYSID; do
    quick="$OUT/$(basename "${!config}" .pbtxt)_quick.pbtxt"
    sed -E 's/^(max_generations:).*/\1 6/; s/^(bootstrap:).*/\1 2/;
            s/^(bootstrap_generations:).*/\1 3/;
            s/^(ensemble_generations:).*/\1 1/' "${!config}" > "$quick"
    printf -v "$config" '%s' "$quick"
  done
  # The contact models' searches, a few generations.
  for config in TOSS_CONTACT PENDULUM_CONTACT; do
    [ -f "${!config}" ] || continue
    quick="$OUT/$(basename "${!config}" .pbtxt)_quick.pbtxt"
    sed -E 's/^( *max_generations:).*/\1 4/' "${!config}" > "$quick"
    printf -v "$config" '%s' "$quick"
  done
else
  PRETRAIN_STEPS=3000; FINETUNE_STEPS=800; TOSS_SIM_EPISODES=2000
  PENDULUM_SIM_EPISODES=300
fi

# import NAME:SPEC: imports the fold's files (linked into a temporary
# directory; pieces cut first for a run marked *) into DATA/NAME unless it
# holds exactly these files already, and keeps the source dataset's LICENSE
# beside the copy (both datasets ask for that).
import() {
  local name="${1%%:*}" out="$DATA/${1%%:*}" preset source licence file
  case "$name" in
    tosses_*) preset=cube_toss; source="$REAL/cube_toss/tosses"
      licence="$REAL/cube_toss/LICENSE" ;;
    *) preset=double_pendulum; source="$REAL/double_pendulum/runs"
      licence="$REAL/double_pendulum/LICENSE" ;;
  esac
  local files
  files="$(echo "$1"; fold_files "$1")"
  if [ -f "$out/manifest.pbtxt" ] && [ "$(cat "$out/FOLD_FILES" 2>/dev/null)" = "$files" ]; then
    CACHED+=("import $name")
    return 0
  fi
  local staging="$out.files"
  rm -rf "$staging" && mkdir -p "$staging"
  for file in $(fold_files "$1"); do
    [ -f "$source/$file" ] || { echo "real_benchmark: $source/$file is missing" >&2; exit 1; }
    if [[ "$1" == *'*' ]]; then
      /usr/bin/python3 tools/split_log.py "$source/$file" "$staging" \
        --seconds 3 --stride 0.5
    else
      ln -s "$source/$file" "$staging/"
    fi
  done
  "$WM" import --preset "$preset" --in "$staging" --out "$out" --overwrite
  rm -rf "$staging"
  cp "$licence" "$out/LICENSE"
  echo "$files" > "$out/FOLD_FILES"
}
# cached DIR COMMAND...: runs COMMAND unless DIR already holds a version.
cached() {
  local dir="$1" version; shift
  for version in "$dir"/[0-9]*; do
    if [[ "$(basename "$version")" =~ ^[0-9]+$ ]]; then
      echo "(cached: $dir)"
      CACHED+=("$(basename "$dir")")
      return
    fi
  done
  "$@"
}

echo "== 1. import the real logs (folds: --print_folds)"
for entry in "${TOSS_DATASETS[@]}" "${PENDULUM_DATASETS[@]}"; do
  import "$entry"
done

echo
echo "== 2. prove the protocol: MuJoCo with the paper's parameters on all 400 tosses"
"$WM" eval --protocol acosta_toss --model "mujoco:$DATA/tosses_all" \
  --data "$DATA/tosses_all" --json "$REPORTS/protocol_check.json" \
  | tee "$REPORTS/protocol_check.txt"
/usr/bin/python3 - "$REPORTS/protocol_check.json" <<'EOF'
import json, sys
e_q = json.load(open(sys.argv[1]))["models"][0]["e_q"]["mean"]
ok = abs(e_q - 0.405) <= 0.01
print(f"protocol check: mean e_q {e_q:.4f} vs 0.405 +- 0.01: {'ok' if ok else 'FAILED'}")
sys.exit(0 if ok else 1)
EOF

echo
echo "== 3. system identification"
# The contact, and the cube's centre of mass and inertia (the tracked cube is
# not the uniform cube of the papers; configs/sysid/toss_acosta.pbtxt).
TOSS_PARAMS=cube_ground/friction,cube_ground/solref_stiffness,cube_ground/solref_damping
TOSS_PARAMS=$TOSS_PARAMS,cube/com_x,cube/com_y,cube/com_z
TOSS_PARAMS=$TOSS_PARAMS,cube/inertia_x,cube/inertia_y,cube/inertia_z
# single SYSID: MODELS/SYSID_single/1, the identified parameters simulated
# once (the fit's version without its simulation ensemble).
single() {
  [ -f "$MODELS/$1_single/1/manifest.pbtxt" ] && { CACHED+=("$1_single"); return; }
  mkdir -p "$MODELS/$1_single/1"
  /usr/bin/python3 - "$MODELS/$1" "$MODELS/$1_single/1" <<'EOF'
import os, re, sys
source, target = sys.argv[1:]
latest = max((v for v in os.listdir(source) if v.isdigit()), key=int)
text = open(os.path.join(source, latest, "manifest.pbtxt")).read()
text = re.sub(r"simulation_ensemble \{[^}]*\}\n", "", text)
open(os.path.join(target, "manifest.pbtxt"), "w").write(text)
EOF
}
# The reference fit on tosses 000-299, as before the folds; and the same fit
# on the fit fold only, the base of the learned candidates (its validation
# fold is then one the fit did not see).
for fit in "toss_sysid:$TOSS_REFERENCE_FIT" "toss_sysid_fold:$TOSS_FOLD_FIT"; do
  name="${fit%%:*}" data="${fit#*:}"
  cached "$MODELS/$name" "$WM" sysid --scene toss --data "$DATA/$data" \
    --params "$TOSS_PARAMS" --config "$TOSS_SYSID" --holdout none \
    --json "$REPORTS/$name.json" --out "$MODELS/$name"
  single "$name"
done
PENDULUM_PARAMS=upper/mass,lower/mass,upper/com_z,lower/com_z,upper/inertia_y,lower/inertia_y
PENDULUM_PARAMS=$PENDULUM_PARAMS,shoulder/damping,elbow/damping,shoulder/frictionloss,elbow/frictionloss
PENDULUM_PARAMS=$PENDULUM_PARAMS,shoulder/armature,elbow/armature
for fit in "pendulum_sysid:$PENDULUM_REFERENCE_FIT" \
    "pendulum_sysid_fold:$PENDULUM_FOLD_FIT"; do
  name="${fit%%:*}" data="${fit#*:}"
  cached "$MODELS/$name" "$WM" sysid --scene double_pendulum \
    --data "$DATA/$data" --params "$PENDULUM_PARAMS" --holdout none \
    --config "$PENDULUM_SYSID" \
    --json "$REPORTS/$name.json" --out "$MODELS/$name"
done

echo
echo "== 4. physics models: pretrained on simulation, fine-tuned on the fit fold"
[ -f "$DATA/toss_sim/manifest.pbtxt" ] || "$WM" gen --scene toss \
  --episodes "$TOSS_SIM_EPISODES" --steps 130 --seed 7 --out "$DATA/toss_sim" --overwrite
cached "$MODELS/toss_physics_sim" "$WM" train --data "$DATA/toss_sim" \
  --out "$MODELS/toss_physics_sim" --config configs/train/toss_physics.pbtxt \
  --max_steps "$PRETRAIN_STEPS"
cached "$MODELS/toss_physics" "$WM" train --data "$DATA/$TOSS_LEARN" \
  --validation_data "$DATA/$TOSS_SELECT" \
  --out "$MODELS/toss_physics" --init "$MODELS/toss_physics_sim" \
  --config configs/train/fine_tune.pbtxt --max_steps "$FINETUNE_STEPS"
[ -f "$DATA/pendulum_sim/manifest.pbtxt" ] || "$WM" gen --scene double_pendulum \
  --episodes "$PENDULUM_SIM_EPISODES" --steps 2000 --seed 7 \
  --out "$DATA/pendulum_sim" --overwrite
cached "$MODELS/pendulum_physics_sim" "$WM" train --data "$DATA/pendulum_sim" \
  --out "$MODELS/pendulum_physics_sim" --config configs/train/pendulum_physics.pbtxt \
  --max_steps "$PRETRAIN_STEPS"
cached "$MODELS/pendulum_physics" "$WM" train --data "$DATA/$PENDULUM_LEARN" \
  --validation_data "$DATA/$PENDULUM_SELECT" \
  --out "$MODELS/pendulum_physics" --init "$MODELS/pendulum_physics_sim" \
  --config configs/train/fine_tune.pbtxt --max_steps "$FINETUNE_STEPS"

echo
echo "== 5. hybrids: the fold's identified MuJoCo model plus a learned residual"
cached "$MODELS/toss_hybrid" "$WM" train --model hybrid \
  --data "$DATA/$TOSS_LEARN" --validation_data "$DATA/$TOSS_SELECT" \
  --base "$MODELS/toss_sysid_fold" --out "$MODELS/toss_hybrid"
cached "$MODELS/pendulum_hybrid" "$WM" train --model hybrid \
  --data "$DATA/$PENDULUM_LEARN" --validation_data "$DATA/$PENDULUM_SELECT" \
  --base "$MODELS/pendulum_sysid_fold" \
  --config configs/train/pendulum_hybrid.pbtxt --out "$MODELS/pendulum_hybrid"

# ---- HOOK: learned contact models (issue 34 item 2, model kind "contact").
# Trained on the fit fold over the fold sysid and chosen on the validation
# fold like every candidate; skipped while its config does not exist.
TOSS_CANDIDATES=(toss_sysid_fold_single toss_sysid_fold toss_physics toss_hybrid)
PENDULUM_CANDIDATES=(pendulum_sysid_fold pendulum_physics pendulum_hybrid)
if [ -f "$TOSS_CONTACT" ]; then
  echo
  echo "== 5b. contact model: cube tosses"
  cached "$MODELS/toss_contact" "$WM" train \
    --config "$TOSS_CONTACT" --data "$DATA/$TOSS_LEARN" \
    --validation_data "$DATA/$TOSS_SELECT" --base "$MODELS/toss_sysid_fold" \
    --out "$MODELS/toss_contact"
  TOSS_CANDIDATES+=(toss_contact)
fi
if [ -f "$PENDULUM_CONTACT" ]; then
  echo
  echo "== 5b. contact model: double pendulum"
  cached "$MODELS/pendulum_contact" "$WM" train \
    --config "$PENDULUM_CONTACT" \
    --data "$DATA/$PENDULUM_LEARN" --validation_data "$DATA/$PENDULUM_SELECT" \
    --base "$MODELS/pendulum_sysid_fold" --out "$MODELS/pendulum_contact"
  PENDULUM_CANDIDATES+=(pendulum_contact)
fi
# ---- end of the contact hook.

echo
echo "== 6. choose on the validation fold only (tosses 240-299, run 03)"
for model in "${TOSS_CANDIDATES[@]}"; do
  "$WM" eval --protocol acosta_toss --model "$MODELS/$model" \
    --data "$DATA/$TOSS_SELECT" --json "$REPORTS/val_$model.json" \
    | tee "$REPORTS/val_$model.txt"
done
for model in "${PENDULUM_CANDIDATES[@]}"; do
  "$WM" eval --model "$MODELS/$model" --data "$DATA/$PENDULUM_SELECT" \
    --split all --config configs/eval/pendulum_real.pbtxt \
    --json "$REPORTS/val_$model.json" | tee "$REPORTS/val_$model.txt"
done
/usr/bin/python3 tools/real_benchmark_summary.py select "$REPORTS" "$MODELS" \
  --toss "${TOSS_CANDIDATES[@]}" --pendulum "${PENDULUM_CANDIDATES[@]}"
# The reference with cube_best's hedging (a single simulation or model
# against toss_sysid_single, a hedged ensemble against toss_sysid).
CUBE_LIKE="$(/usr/bin/python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["cube_best"]["like"])' "$REPORTS/selection.json")"

echo
echo "== 7. cube tosses 300-399: once per final candidate"
PAPER="mujoco:$DATA/$TOSS_TEST"
for model in toss_sysid_single toss_sysid; do
  "$WM" eval --protocol acosta_toss --model "$MODELS/$model" --baseline "$PAPER" \
    --data "$DATA/$TOSS_TEST" --json "$REPORTS/test_$model.json" \
    | tee "$REPORTS/test_$model.txt"
done
"$WM" eval --protocol acosta_toss --model "$MODELS/cube_best" \
  --baseline "$PAPER,$MODELS/$CUBE_LIKE" --data "$DATA/$TOSS_TEST" \
  --json "$REPORTS/test_cube_best.json" | tee "$REPORTS/test_cube_best.txt"
echo "-- for information only (not used to choose): every candidate"
for model in "${TOSS_CANDIDATES[@]}"; do
  "$WM" eval --protocol acosta_toss --model "$MODELS/$model" --baseline "$PAPER" \
    --data "$DATA/$TOSS_TEST" --json "$REPORTS/info_test_$model.json" \
    > "$REPORTS/info_test_$model.txt"
done

echo
echo "== 8. double pendulum runs 04 and 12: open-loop error at 0.5 s and 2 s"
for data in "${PENDULUM_TESTS[@]}"; do
  for model in pendulum_sysid pendulum_best; do
    "$WM" eval --model "$MODELS/$model" --data "$DATA/$data" --split all \
      --config configs/eval/pendulum_real.pbtxt \
      --json "$REPORTS/test_${data}_$model.json" \
      | tee "$REPORTS/test_${data}_$model.txt"
  done
  echo "-- for information only (not used to choose): every candidate"
  for model in "${PENDULUM_CANDIDATES[@]}"; do
    "$WM" eval --model "$MODELS/$model" --data "$DATA/$data" --split all \
      --config configs/eval/pendulum_real.pbtxt \
      --json "$REPORTS/info_test_${data}_$model.json" \
      > "$REPORTS/info_test_${data}_$model.txt"
  done
done

echo
echo "== 9. summary"
/usr/bin/python3 - "$REPORTS/run.json" "$((SECONDS - START))" "${CACHED[@]}" <<'EOF'
import json, sys
json.dump({"seconds": int(sys.argv[2]), "cached": sys.argv[3:]},
          open(sys.argv[1], "w"))
EOF
/usr/bin/python3 tools/real_benchmark_summary.py summary "$REPORTS" "$MODELS" \
  --toss "${TOSS_CANDIDATES[@]}" --pendulum "${PENDULUM_CANDIDATES[@]}" \
  | tee "$REPORTS/summary.txt"
echo "real benchmark done in $(( (SECONDS - START) / 60 )) min; reports in $REPORTS"
