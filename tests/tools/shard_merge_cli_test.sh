#!/usr/bin/env bash
# `wm gen --shard` and `wm merge` through the built binary: three shards of a
# run (K/N, and auto from Slurm's and Kubernetes' variables) merged in any
# order give the unsharded run's dataset byte for byte (every shard file and
# the manifest), which wm inspect, wm eval and wm train read; bad shards, bad
# merges and bad flags are refused with a clear message and nothing left
# behind; deploy/'s Slurm script and Kubernetes Jobs are checked.
# Usage: shard_merge_cli_test.sh WM_BINARY SOURCE_DIR
set -uo pipefail
WM="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"  # absolute: the test changes directory
source "$(dirname "$0")/cli_test_lib.sh"
# A scheduler's variables in the test's own environment must not leak in.
unset SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX

# 11 episodes, 3 per HDF5 shard (files [0, 3) .. [9, 12)); the 3 generation
# shards are episodes [0, 4), [4, 8), [8, 11): not aligned with the files.
run=(--scene push --episodes 11 --steps 6 --seed 5 --episodes_per_shard 3)
mkdir -p "$WORK/full" "$WORK/merged" "$WORK/parts"
(cd "$WORK/full" && "$WM" gen "${run[@]}" --out ds >/dev/null 2>&1) \
  || fail "unsharded gen"
"$WM" gen "${run[@]}" --shard 0/3 --out "$WORK/parts/0" >/dev/null \
  2>"$WORK/gen0.err" || fail "gen --shard 0/3: $(tail -2 "$WORK/gen0.err")"
grep -q "shard 0 of 3: episodes \[0, 4) of 11 .* 1 workers" "$WORK/gen0.err" \
  || fail "a shard runs one worker by default: $(head -1 "$WORK/gen0.err")"
SLURM_ARRAY_TASK_ID=1 "$WM" gen "${run[@]}" --shard auto --shards 3 \
  --workers 2 --out "$WORK/parts/1" >/dev/null 2>&1 || fail "gen --shard auto (Slurm)"
JOB_COMPLETION_INDEX=2 "$WM" gen "${run[@]}" --shard auto --shards 3 \
  --out "$WORK/parts/2" >/dev/null 2>&1 || fail "gen --shard auto (Kubernetes)"
for k in 0 1 2; do
  grep -q "num_shards: 3" "$WORK/parts/$k/manifest.pbtxt" || fail "shard $k: no num_shards"
done
grep -q "shard_index: 1" "$WORK/parts/1/manifest.pbtxt" || fail "Slurm's index not used"
grep -q "shard_index: 2" "$WORK/parts/2/manifest.pbtxt" || fail "Kubernetes' index not used"
grep -q "^num_episodes: 3" "$WORK/parts/2/manifest.pbtxt" || fail "shard 2 holds 3 episodes"

# Merged in any order, with the same --out spelling as the unsharded run.
(cd "$WORK/merged" && "$WM" merge --out ds ../parts/2 ../parts/0 ../parts/1 \
  >"$WORK/merge.out" 2>&1) || fail "merge: $(cat "$WORK/merge.out")"
grep -q "merged 3 shards: 11 episodes" "$WORK/merge.out" || fail "merge summary: $(cat "$WORK/merge.out")"
[ "$(ls "$WORK/full/ds")" = "$(ls "$WORK/merged/ds")" ] \
  || fail "files differ: $(ls "$WORK/full/ds") vs $(ls "$WORK/merged/ds")"
[ "$(ls "$WORK/full/ds" | wc -l)" -eq 5 ] || fail "expected 4 shards and a manifest"
for file in "$WORK"/full/ds/*; do
  cmp -s "$file" "$WORK/merged/ds/$(basename "$file")" \
    || fail "merged $(basename "$file") differs from the unsharded run's"
done
"$WM" inspect "$WORK/merged/ds" >"$WORK/inspect.txt" 2>&1 || fail "inspect merged"
grep -q "episodes 11 (0 dropped)" "$WORK/inspect.txt" || fail "inspect: $(grep episodes "$WORK/inspect.txt")"
"$WM" eval --model "mujoco:$WORK/merged/ds" --data "$WORK/merged/ds" --split all \
  --json "$WORK/eval.json" >/dev/null 2>"$WORK/eval.err" \
  || fail "eval reads the merged dataset: $(tail -2 "$WORK/eval.err")"
printf 'ensemble_size: 1\nhidden: [8]\nhistory_seconds: 0.1\nhorizon: 2\nbatch_size: 8\nmax_steps: 10\neval_every: 5\nworkers: 1\n' \
  >"$WORK/tiny.pbtxt"
"$WM" train --data "$WORK/merged/ds" --out "$WORK/models/tiny" \
  --config "$WORK/tiny.pbtxt" >/dev/null 2>"$WORK/train.err" \
  || fail "train reads the merged dataset: $(tail -2 "$WORK/train.err")"

# Bad merges: named, and nothing written.
expect_error "missing shard" "missing shard 1 of 3 (episodes \[4, 8))" -- \
  "$WM" merge --out "$WORK/bad" "$WORK/parts/0" "$WORK/parts/2"
"$WM" gen "${run[@]}" --shard 1/3 --out "$WORK/again" >/dev/null 2>&1 || fail "gen again"
expect_error "overlapping shard" "both hold shard 1 of 3" -- \
  "$WM" merge --out "$WORK/bad" "$WORK"/parts/* "$WORK/again"
"$WM" gen "${run[@]}" --steps 7 --shard 1/3 --out "$WORK/steps7" \
  >/dev/null 2>&1 || fail "gen steps 7"
expect_error "mismatched config" "steps7' is not from the same generation run" -- \
  "$WM" merge --out "$WORK/bad" "$WORK/parts/0" "$WORK/steps7" "$WORK/parts/2"
"$WM" gen "${run[@]}" --shard 1/2 --out "$WORK/half" >/dev/null 2>&1 || fail "gen 1/2"
expect_error "other shard count" "is shard 1 of 2 but" -- \
  "$WM" merge --out "$WORK/bad" "$WORK/parts/0" "$WORK/half"
expect_error "unsharded input" "names no .wm gen --shard" -- \
  "$WM" merge --out "$WORK/bad" "$WORK/full/ds"
expect_error "output is an input" "is the input" -- \
  "$WM" merge --overwrite --out "$WORK/parts/1" "$WORK"/parts/*
expect_error "existing output" "not empty" -- \
  "$WM" merge --out "$WORK/merged/ds" "$WORK"/parts/*
expect_error "no --out" "give --out DIR" -- "$WM" merge "$WORK"/parts/*
[ -e "$WORK/bad" ] && fail "a refused merge left its output behind"

# Bad --shard values.
expect_error "K = N" "shard index 3 is outside \[0, 3)" -- \
  "$WM" gen "${run[@]}" --shard 3/3 --out "$WORK/bad"
expect_error "not K/N" "'x' is not K/N" -- \
  "$WM" gen "${run[@]}" --shard x --out "$WORK/bad"
expect_error "N = 0" "must be >= 1" -- \
  "$WM" gen "${run[@]}" --shard 0/0 --out "$WORK/bad"
expect_error "more shards than episodes" "12 shards of 11 episodes" -- \
  "$WM" gen "${run[@]}" --shard 0/12 --out "$WORK/bad"
expect_error "auto without a variable" \
  "none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX is set" -- \
  "$WM" gen "${run[@]}" --shard auto --shards 3 --out "$WORK/bad"
expect_error "auto without --shards" "needs --shards N" -- \
  env SLURM_ARRAY_TASK_ID=0 "$WM" gen "${run[@]}" --shard auto --out "$WORK/bad"
expect_error "auto index out of range" "outside \[0, 3) (SLURM_ARRAY_TASK_ID)" -- \
  env SLURM_ARRAY_TASK_ID=3 "$WM" gen "${run[@]}" --shard auto --shards 3 --out "$WORK/bad"
expect_error "--shards alone" "--shards goes with --shard auto" -- \
  "$WM" gen "${run[@]}" --shards 3 --out "$WORK/bad"
[ -e "$WORK/bad" ] && fail "a refused gen left its output behind"

# deploy/: the Slurm script's steps run by hand as Slurm runs them (array
# tasks, then the merge), and the Kubernetes Jobs agree on the shard count.
DEPLOY="$2/deploy"
slurm_env=(WM="$WM" SCENE=push EPISODES=11 STEPS=6 SEED=5 SHARDS=3
  OUT="$WORK/slurm/ds" EXTRA_GEN_ARGS="--episodes_per_shard 3")
for k in 2 0 1; do
  env "${slurm_env[@]}" SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_COUNT=3 \
    bash "$DEPLOY/gen.sbatch" >/dev/null 2>"$WORK/slurm.err" \
    || fail "gen.sbatch task $k: $(tail -2 "$WORK/slurm.err")"
done
env "${slurm_env[@]}" bash "$DEPLOY/gen.sbatch" >/dev/null 2>"$WORK/slurm.err" \
  || fail "gen.sbatch merge: $(tail -2 "$WORK/slurm.err")"
for file in "$WORK"/full/ds/shard_*.h5; do
  cmp -s "$file" "$WORK/slurm/ds/$(basename "$file")" \
    || fail "gen.sbatch's $(basename "$file") differs from the unsharded run's"
done
expect_error "sbatch array size" "the array has 4 tasks but SHARDS=3" -- \
  env "${slurm_env[@]}" SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=4 \
  bash "$DEPLOY/gen.sbatch"
/usr/bin/python3 - "$DEPLOY/gen-indexed-job.yaml" <<'PY' || fail "gen-indexed-job.yaml"
import sys, yaml
gen, merge = list(yaml.safe_load_all(open(sys.argv[1])))
spec = gen["spec"]
assert gen["kind"] == merge["kind"] == "Job", (gen["kind"], merge["kind"])
assert spec["completionMode"] == "Indexed"
command = " ".join(spec["template"]["spec"]["containers"][0]["args"])
shards = command.split("--shards ")[1].split()[0]
assert spec["completions"] == spec["parallelism"] == int(shards), (spec, shards)
assert "--shard auto" in command and "shard_$JOB_COMPLETION_INDEX" in command
merge_command = " ".join(merge["spec"]["template"]["spec"]["containers"][0]["args"])
assert merge_command.startswith("exec wm merge --out /data/runs/push ")
assert gen["metadata"]["labels"]["step"] == "gen" and merge["metadata"]["labels"]["step"] == "merge"
PY

if [ "$failures" -gt 0 ]; then
  echo "$failures checks failed"
  exit 1
fi
echo "all shard and merge CLI checks passed"
