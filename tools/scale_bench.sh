#!/usr/bin/env bash
# Scale-out measured on this machine (not CI; docs/scale.md): distributed
# training and sharded generation, as processes, within one run.
#
#   tools/scale_bench.sh [--steps 300] [--episodes 400] [--members 2]
#                        [--training_only] [--out DIR] [--no-build]
#
# Training (push, the default physics member, batch 128, --members members
# of --steps steps each): samples/s of 2 `wm train --distributed` processes
# of one thread each, both ways they share the work (--distribute members:
# each rank trains its members alone, then rank 0 gathers them; --distribute
# batch: each step's batch split, gradients all-reduced), against one
# process with --workers 1 (target ratio >= 1.7) and one process with
# --workers 2 (target >= 0.9). Samples/s of the training phase (start-up,
# data loading, the gather and the publish excluded): from metrics.jsonl
# for one process and batch splitting, from rank 0's log (the slowest
# rank's training time) for the member spread; then the same over each
# whole command (everything included), the member spread's gather and
# publish times, and the all-reduce's cost per step as the batch-splitting
# ranks log it. An odd --members leaves one member to split its batch over
# the ranks (docs/scale.md). Generation (push,
# --episodes of 100 steps): episodes/s of 2 concurrent `wm gen --shard K/2`
# tasks of one worker against one unsharded task of one worker (target
# >= 1.8), by wall time (--training_only skips it). Also 2 ranks of a whole batch each (the run's
# batch 256: weak scaling) against one process. Beside each rate, the CPU
# seconds both ways (whole commands): what splitting the work adds,
# whatever the load. Each
# line is `name: ours X, reference Y, ratio Z` (bench/bench_report.h)
# followed by the load average when it was measured.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

steps=300
episodes=400
members=2
do_gen=1
out=scale_out
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --episodes) episodes="$2"; shift 2 ;;
    --members) members="$2"; shift 2 ;;
    --training_only) do_gen=0; shift ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
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
if [ "$do_gen" -eq 1 ]; then
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
fi

# --- Training: a dataset, and the same run four ways.
"$WM" gen --scene push --episodes 64 --steps 100 --seed 2 --out "$out/data" \
  >/dev/null 2>&1 || { echo "training data failed" >&2; exit 1; }
printf 'ensemble_size: %d\nmax_steps: %d\neval_every: %d\npatience: 100\nmax_minutes: 120\n' \
  "$members" "$steps" "$((steps / 2))" >"$out/train.pbtxt"
train=(--data "$out/data" --config "$out/train.pbtxt")
samples=$((members * steps * 128))
# wall NAME: seconds from OUT/NAME.start to now.
wall() { awk -v s="$(cat "$out/$1.start")" -v e="$(now)" 'BEGIN { print e - s }'; }
# one_process NAME WORKERS: one process; its training rate in $rate and
# its whole command's in $whole.
one_process() {
  now >"$out/$1.start"
  timed "$1" "$WM" train "${train[@]}" --workers "$2" --out "$out/models/$1" \
    >/dev/null 2>"$out/$1.err" || { echo "train --workers $2 failed: $(tail -1 "$out/$1.err")" >&2; exit 1; }
  whole=$(awk -v n="$samples" -v w="$(wall "$1")" 'BEGIN { print n / w }')
  rate=$(samples_per_s "$out/models/$1")
}
# two_ranks NAME CONFIG WORK: 2 ranks of --distribute WORK; waits for both;
# the whole command's rate (until the last rank ends) in $whole.
two_ranks() {
  local name="$1" config="$2" work="$3" port rank pids=()
  port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  now >"$out/$name.start"
  for rank in 1 0; do
    timed "$name$rank" "$WM" train --data "$out/data" --config "$config" --out "$out/models/$name" \
      --distributed --distribute "$work" --rank "$rank" --world_size 2 \
      --master "127.0.0.1:$port" >/dev/null 2>"$out/$name$rank.err" &
    pids+=($!)
  done
  for rank in 0 1; do
    wait "${pids[$rank]}" || { echo "train --distribute $work failed: $(tail -1 "$out/$name"*.err)" >&2; exit 1; }
  done
  whole=$(awk -v n="$samples" -v w="$(wall "$name")" 'BEGIN { print n / w }')
}
one_process one1 1
one1=$rate one1_whole=$whole
one_process one2 2
one2=$rate one2_whole=$whole
two_ranks members "$out/train.pbtxt" members
members_whole=$whole
# Rank 0's log: "members spread over 2 ranks: N samples in T s of training
# (the slowest rank): X samples/s; gathered ... (B bytes) in G s ...", then
# "calibrated and published in P s".
members_rate=$(sed -n 's/.*s of training (the slowest rank): \([0-9.e+]*\) samples\/s.*/\1/p' "$out/members0.err")
two_ranks batch "$out/train.pbtxt" batch
batch_whole=$whole
batch_rate=$(samples_per_s "$out/models/batch")
report "train_members_2_ranks_vs_1_process_1_worker" "$members_rate" "$one1" "samples/s"
report "train_members_2_ranks_vs_1_process_2_workers" "$members_rate" "$one2" "samples/s"
report "train_batch_2_ranks_vs_1_process_1_worker" "$batch_rate" "$one1" "samples/s"
report "train_batch_2_ranks_vs_1_process_2_workers" "$batch_rate" "$one2" "samples/s"
# Whole commands: start-up, data loading, the gather and the publish included.
report "train_whole_members_2_ranks_vs_1_process_1_worker" "$members_whole" "$one1_whole" "samples/s"
report "train_whole_members_2_ranks_vs_1_process_2_workers" "$members_whole" "$one2_whole" "samples/s"
report "train_whole_batch_2_ranks_vs_1_process_1_worker" "$batch_whole" "$one1_whole" "samples/s"
# The same samples in every run: CPU seconds spent, whole commands.
report "train_cpu_members_2_ranks_vs_1_process_1_worker" "$(cpu "$out"/members0.cpu "$out"/members1.cpu)" \
  "$(cpu "$out/one1.cpu")" "cpu-s"
report "train_cpu_batch_2_ranks_vs_1_process_1_worker" "$(cpu "$out"/batch0.cpu "$out"/batch1.cpu)" \
  "$(cpu "$out/one1.cpu")" "cpu-s"
sed -n 's/.*\] members spread over/member spread: members spread over/p; s/.*\] calibrated and published/member spread: rank 0 calibrated and published/p' \
  "$out/members0.err"
# Weak scaling: each rank a whole batch of 128 (the run's batch 256).
sed 's/^max_steps: .*/&\nbatch_size: 256/' "$out/train.pbtxt" >"$out/train256.pbtxt"
two_ranks batch256 "$out/train256.pbtxt" batch
report "train_batch_2_ranks_batch_256_vs_1_process_1_worker_batch_128" \
  "$(samples_per_s "$out/models/batch256")" "$one1" "samples/s"
for rank in 0 1; do
  grep -h "gradient all-reduces" "$out/batch$rank.err" | sed 's/.*\] /all-reduce (batch split): /'
done
echo "published weights: $(du -b "$out/models/members/1/weights.pt" | cut -f1) bytes ($members members)"
