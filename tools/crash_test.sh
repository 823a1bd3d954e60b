#!/usr/bin/env bash
# Durability under kill -9 (not CI; about 10 minutes by default). Kills
# `wm gen`, `wm import`, `wm train` and `wm sysid --out` at seeded random
# moments, KILLS times each, and after every kill checks that nothing looks
# complete unless it is:
#   gen, import  a manifest.pbtxt exists only with every shard it lists, and
#                `wm inspect` reads it; a rerun with --overwrite succeeds;
#   train        every integer version directory holds manifest.pbtxt and
#                weights.pt and loads (`wm eval --split all` over 1 episode);
#                `--resume` finishes the run, and its weights equal those of
#                an uninterrupted run (max_steps is the limit);
#   sysid --out  every integer version directory holds a manifest that loads.
#
#   tools/crash_test.sh [--kills N] [--seed S] [--out DIR] [--no-build]
#
# Defaults: 20 kills per command, seed 1, out crash_test_out/. Exits non-zero
# on any torn dataset or version, or a failed rerun or resume.
set -uo pipefail
cd "$(dirname "$0")/.."

kills=20
seed=1
out=crash_test_out
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "crash_test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=tools/lib.sh
source tools/lib.sh
[ "$build" -eq 1 ] && wm_build wm >/dev/null
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
RANDOM="$seed"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# kill_after CMD...: runs the command, kills it with SIGKILL after a random
# 0-MAX_MS ms, and waits; sets KILLED=1 when it was still running.
kill_after() {
  "$@" >/dev/null 2>&1 &
  local pid=$! ms=$((RANDOM % MAX_MS))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  KILLED=0
  if kill -9 "$pid" 2>/dev/null; then KILLED=1; fi
  wait "$pid" 2>/dev/null
  HITS=$((HITS + KILLED))
}
HITS=0
# measure_ms CMD...: runs the command to its end and sets MAX_MS to its wall
# time in ms (at least 100), so kills land while the command runs; fails
# the test when it does not succeed.
measure_ms() {
  local begin end
  begin=$(date +%s%N)
  "$@" >/dev/null 2>&1 || fail "uninterrupted: $*"
  end=$(date +%s%N)
  MAX_MS=$(( (end - begin) / 1000000 ))
  [ "$MAX_MS" -ge 100 ] || MAX_MS=100
  echo "uninterrupted run: $MAX_MS ms (kills land within it)"
}
# hits LABEL: prints how many kills met a running process, and resets.
hits() { echo "$1: $HITS kills hit a running process"; HITS=0; }

# dataset_sound DIR: no manifest, or a manifest whose every shard exists and
# that `wm inspect` reads.
dataset_sound() {
  local dir="$1"
  [ -f "$dir/manifest.pbtxt" ] || return 0
  local shard
  for shard in $(sed -n 's/^ *file: "\(.*\.h5\)"/\1/p' "$dir/manifest.pbtxt"); do
    [ -f "$dir/$shard" ] || { echo "manifest lists missing $shard"; return 1; }
  done
  "$WM" inspect "$dir" >/dev/null 2>&1 || { echo "wm inspect fails"; return 1; }
}

# versions_sound MODEL_DIR FILES...: every integer-named version holds FILES.
versions_sound() {
  local model="$1" version file
  shift
  for version in "$model"/*/; do
    version="${version%/}"
    [[ "$(basename "$version")" =~ ^[0-9]+$ ]] || continue
    for file in "$@"; do
      [ -s "$version/$file" ] || { echo "$version lacks $file"; return 1; }
    done
  done
}

wm_stage "wm gen: $kills kills"
measure_ms "$WM" gen --scene push --episodes 60 --steps 100 --seed 0 \
  --episodes_per_shard 5 --workers 2 --overwrite --out "$out/gen"
for i in $(seq "$kills"); do
  kill_after "$WM" gen --scene push --episodes 60 --steps 100 --seed "$i" \
    --episodes_per_shard 5 --workers 2 --overwrite --out "$out/gen"
  why="$(dataset_sound "$out/gen")" || fail "gen kill $i: $why"
done
hits "wm gen"
"$WM" gen --scene push --episodes 60 --steps 100 --seed 1 --episodes_per_shard 5 \
  --workers 2 --overwrite --out "$out/gen" >/dev/null 2>&1 || fail "gen rerun"
grep -q "num_episodes: 60" "$out/gen/manifest.pbtxt" || fail "gen rerun incomplete"

wm_stage "wm import: $kills kills"
measure_ms "$WM" import --preset cube_toss --episodes_per_shard 5 \
  --overwrite --out "$out/import"
for i in $(seq "$kills"); do
  kill_after "$WM" import --preset cube_toss --episodes_per_shard 5 \
    --overwrite --out "$out/import"
  why="$(dataset_sound "$out/import")" || fail "import kill $i: $why"
done
hits "wm import"
"$WM" import --preset cube_toss --overwrite --out "$out/import" >/dev/null 2>&1 ||
  fail "import rerun"

wm_stage "wm train: $kills kills, then --resume"
"$WM" gen --scene slide --episodes 40 --steps 80 --seed 2 --out "$out/data" \
  --overwrite >/dev/null 2>&1 || fail "gen training data"
cat >"$out/tiny.pbtxt" <<PBTXT
model: "physics"
ensemble_size: 2
hidden: [32, 32]
history_seconds: 0.4
horizon: 4
batch_size: 32
learning_rate: 0.001
max_steps: 1500
eval_every: 20
patience: 100
seed: 4
workers: 2
PBTXT
train() { "$WM" train --config "$out/tiny.pbtxt" --data "$out/data" --out "$@"; }
measure_ms train "$out/models/straight"
for i in $(seq "$kills"); do
  resume=()
  [ -d "$out/models/killed/.train" ] && resume=(--resume)
  kill_after "$WM" train --config "$out/tiny.pbtxt" --data "$out/data" \
    --out "$out/models/killed" "${resume[@]+"${resume[@]}"}"
  why="$(versions_sound "$out/models/killed" manifest.pbtxt weights.pt)" ||
    fail "train kill $i: $why"
  [ -d "$out/models/killed/1" ] && break  # finished before a kill
done
hits "wm train"
if [ ! -d "$out/models/killed/1" ]; then
  train "$out/models/killed" --resume >/dev/null 2>&1 || fail "train --resume"
fi
/usr/bin/python3 - "$out" <<'PY' || fail "resumed weights differ from the uninterrupted run's"
import sys, torch
out = sys.argv[1]
a = torch.load(f"{out}/models/straight/1/weights.pt")
b = torch.load(f"{out}/models/killed/1/weights.pt")
bad = [k for k in a if k not in b or not torch.equal(a[k], b[k])]
print(f"resumed vs uninterrupted: {len(a)} tensors, {len(bad)} differ {bad[:3]}")
sys.exit(1 if bad or a.keys() != b.keys() else 0)
PY
"$WM" eval --model "$out/models/killed" --data "$out/data" --split all \
  --json "$out/eval.json" >/dev/null 2>&1 || fail "the resumed version does not load"

wm_stage "wm sysid --out: $kills kills"
"$WM" gen --scene double_pendulum --episodes 20 --steps 100 --seed 1 \
  --overwrite --out "$out/dp" >/dev/null 2>&1 || fail "gen double_pendulum"
cat >"$out/sysid.pbtxt" <<PB
max_generations: 8
bootstrap: 2
bootstrap_generations: 4
horizon_seconds: 0.1
window_stride_seconds: 0.2
PB
measure_ms "$WM" sysid --scene double_pendulum --data "$out/dp" \
  --params shoulder/damping --config "$out/sysid.pbtxt" --holdout 0 \
  --json "$out/fit.json" --out "$out/models/measured" --workers 2
for i in $(seq "$kills"); do
  kill_after "$WM" sysid --scene double_pendulum --data "$out/dp" \
    --params shoulder/damping --config "$out/sysid.pbtxt" --holdout 0 \
    --json "$out/fit.json" --out "$out/models/dp" --workers 2
  why="$(versions_sound "$out/models/dp" manifest.pbtxt)" || fail "sysid kill $i: $why"
done
hits "wm sysid"
for version in "$out"/models/dp/*/; do
  [[ "$(basename "$version")" =~ ^[0-9]+$ ]] || continue
  "$WM" eval --model "${version%/}" --data "$out/dp" --split all \
    --json "$out/dp_eval.json" >/dev/null 2>&1 || fail "sysid version $version does not load"
  break
done

echo
if [ "$failures" -eq 0 ]; then
  echo "crash test: $((kills * 4)) kills, no torn dataset or version"
else
  echo "crash test: $failures failures"
  exit 1
fi
