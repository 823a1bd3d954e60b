#!/usr/bin/env bash
# Scale-out measured on this machine (not CI; docs/scale.md): data-parallel
# training and sharded generation, as processes, within one run.
#
#   tools/scale_bench.sh [--steps 300] [--episodes 400] [--out DIR] [--no-build]
#
# Training (push, the default physics member, batch 128, 2 members of
# --steps steps each): samples/s of 2 `wm train --distributed` processes of
# one thread each against one process with --workers 1 (target ratio >= 1.7)
# and one process with --workers 2 (target >= 0.9), from each run's
# metrics.jsonl (the training phase: start-up and data loading excluded),
# and the all-reduce's cost per step as the ranks log it. Generation (push,
# --episodes of 100 steps): episodes/s of 2 concurrent `wm gen --shard K/2`
# tasks of one worker against one unsharded task of one worker (target
# >= 1.8), by wall time. Also 2 ranks of a whole batch each (the run's
# batch 256: weak scaling) against one process. Beside each rate, the CPU
# seconds both ways (whole commands): what splitting the work adds,
# whatever the load. Each
# line is `name: ours X, reference Y, ratio Z` (bench/bench_report.h)
# followed by the load average when it was measured.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

steps=300
episodes=400
out=scale_out
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --episodes) episodes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "scale_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=tools/lib.sh
source tools/lib.sh
[ "$build" -eq 1 ] && { wm_build wm >/dev/null || exit 1; }
# WM: set by tools/lib.sh ($BUILD_DIR/bin/wm, absolute)
rm -rf "$out"
mkdir -p "$out"
load() { uptime | sed 's/.*load average: /load /'; }
now() { date +%s.%N; }
# report NAME OURS REFERENCE UNIT
report() {
  awk -v n="$1" -v o="$2" -v r="$3" -v u="$4" -v l="$(load)" \
    'BEGIN { printf "%s: ours %.6g %s, reference %.6g %s, ratio %.3f (%s)\n", n, o, u, r, u, o / r, l }'
}
# The training phase's samples/s: the last validation line of metrics.jsonl.
samples_per_s() {
  tail -1 "$1/metrics.jsonl" | sed 's/.*"samples_per_s": \([0-9.e+]*\).*/\1/'
}

# timed RUN_NAME COMMAND...: runs it, its user + system CPU seconds in
# OUT/RUN_NAME.cpu (load-independent, unlike samples/s on a busy machine).
timed() {
  local name="$1"
  shift
  /usr/bin/time -f "%U %S" -o "$out/$name.cpu" "$@"
}
cpu() { awk '{ s += $1 + $2 } END { print s }' "$@"; }
# --- Generation: 2 shards at once against 1 task.
gen=(--scene push --episodes "$episodes" --steps 100 --seed 1)
start=$(now)
timed gen_one "$WM" gen "${gen[@]}" --workers 1 --out "$out/gen_one" >/dev/null 2>&1 || { echo "gen failed" >&2; exit 1; }
one=$(awk -v s="$start" -v e="$(now)" -v n="$episodes" 'BEGIN { print n / (e - s) }')
start=$(now)
for k in 0 1; do
  timed "gen_shard$k" "$WM" gen "${gen[@]}" --shard "$k/2" --out "$out/gen_shard$k" >/dev/null 2>&1 &
done
if ! wait %1 || ! wait %2; then echo "sharded gen failed" >&2; exit 1; fi
two=$(awk -v s="$start" -v e="$(now)" -v n="$episodes" 'BEGIN { print n / (e - s) }')
report "gen_2_shards_vs_1_task" "$two" "$one" "episodes/s"
report "gen_cpu_2_shards_vs_1_task" "$(cpu "$out"/gen_shard0.cpu "$out"/gen_shard1.cpu)" \
  "$(cpu "$out/gen_one.cpu")" "cpu-s"
start=$(now)
"$WM" merge --out "$out/gen_merged" "$out/gen_shard0" "$out/gen_shard1" >/dev/null 2>&1 \
  || { echo "merge failed" >&2; exit 1; }
bytes=$(du -sb "$out/gen_merged" | cut -f1)
awk -v s="$start" -v e="$(now)" -v b="$bytes" -v n="$episodes" -v l="$(load)" \
  'BEGIN { printf "merge: %d episodes, %.1f MB (%.1f kB per episode) in %.2f s, %.1f MB/s (%s)\n", n, b / 1e6, b / n / 1e3, e - s, b / 1e6 / (e - s), l }'

# --- Training: a dataset, and the same 2-member run three ways.
"$WM" gen --scene push --episodes 64 --steps 100 --seed 2 --out "$out/data" \
  >/dev/null 2>&1 || { echo "training data failed" >&2; exit 1; }
printf 'ensemble_size: 2\nmax_steps: %d\neval_every: %d\npatience: 100\nmax_minutes: 120\n' \
  "$steps" "$((steps / 2))" >"$out/train.pbtxt"
train=(--data "$out/data" --config "$out/train.pbtxt")
timed one1 "$WM" train "${train[@]}" --workers 1 --out "$out/models/one1" >/dev/null 2>"$out/one1.err" \
  || { echo "train --workers 1 failed: $(tail -1 "$out/one1.err")" >&2; exit 1; }
one1=$(samples_per_s "$out/models/one1")
"$WM" train "${train[@]}" --workers 2 --out "$out/models/one2" >/dev/null 2>"$out/one2.err" \
  || { echo "train --workers 2 failed: $(tail -1 "$out/one2.err")" >&2; exit 1; }
one2=$(samples_per_s "$out/models/one2")
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for rank in 1 0; do
  timed "two$rank" "$WM" train "${train[@]}" --out "$out/models/two" --distributed --rank "$rank" \
    --world_size 2 --master "127.0.0.1:$port" >/dev/null 2>"$out/two$rank.err" &
done
if ! wait %1 || ! wait %2; then
  echo "train --distributed failed: $(tail -1 "$out"/two*.err)" >&2
  exit 1
fi
two=$(samples_per_s "$out/models/two")
report "train_2_ranks_vs_1_process_1_worker" "$two" "$one1" "samples/s"
report "train_2_ranks_vs_1_process_2_workers" "$two" "$one2" "samples/s"
# The same samples in both runs: CPU seconds spent, whole commands.
report "train_cpu_2_ranks_vs_1_process_1_worker" "$(cpu "$out"/two0.cpu "$out"/two1.cpu)" \
  "$(cpu "$out/one1.cpu")" "cpu-s"
# Weak scaling: each rank a whole batch of 128 (the run's batch 256).
sed 's/^max_steps: .*/&\nbatch_size: 256/' "$out/train.pbtxt" >"$out/train256.pbtxt"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for rank in 1 0; do
  "$WM" train --data "$out/data" --config "$out/train256.pbtxt" --out "$out/models/two256" \
    --distributed --rank "$rank" --world_size 2 --master "127.0.0.1:$port" \
    >/dev/null 2>"$out/two256_$rank.err" &
done
if ! wait %1 || ! wait %2; then
  echo "train --distributed (batch 256) failed: $(tail -1 "$out"/two256_*.err)" >&2
  exit 1
fi
report "train_2_ranks_batch_256_vs_1_process_1_worker_batch_128" \
  "$(samples_per_s "$out/models/two256")" "$one1" "samples/s"
for rank in 0 1; do
  grep -h "gradient all-reduces" "$out/two$rank.err" | sed 's/.*\] /all-reduce: /'
done
echo "published weights: $(du -b "$out/models/two/1/weights.pt" | cut -f1) bytes"
