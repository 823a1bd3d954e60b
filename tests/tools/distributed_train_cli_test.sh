#!/usr/bin/env bash
# `wm train --distributed` through the built binary, two processes on
# loopback: their published weights after 20 steps equal one process's on
# the full batch within kWeightTolerance; a rank killed mid-run fails the
# other with an error naming the timeout, and --resume continues the
# interrupted run in one process to the weights of an uninterrupted run;
# bad rank, world size and address settings are refused by name.
# Usage: distributed_train_cli_test.sh WM_BINARY
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"
source "$(dirname "$0")/distributed_test_lib.sh"
unset RANK WORLD_SIZE MASTER_ADDR MASTER_PORT SLURM_PROCID SLURM_NTASKS
# Float32 sums in another order (two half-batch gradients summed instead of
# one full batch) through Adam: 6e-8 measured on weights of magnitude ~10.
kWeightTolerance=1e-5

"$WM" gen --scene slide --episodes 12 --steps 30 --seed 3 --out "$WORK/ds" \
  >/dev/null 2>&1 || fail "gen"
# batch_size 32: each rank's part holds 4 of the 8 encoded windows.
printf 'ensemble_size: 1\nhidden: [32, 32]\nhistory_seconds: 0.1\nhorizon: 4\nbatch_size: 32\nmax_steps: 20\neval_every: 20\npatience: 100\nworkers: 1\n' \
  >"$WORK/short.pbtxt"
sed 's/max_steps: 20/max_steps: 150/; s/eval_every: 20/eval_every: 10/' \
  "$WORK/short.pbtxt" >"$WORK/long.pbtxt"
train=(--data "$WORK/ds" --distributed_timeout 10)

# One process on the full batch, and two on half each.
"$WM" train "${train[@]}" --config "$WORK/short.pbtxt" --out "$WORK/models/one" \
  >/dev/null 2>"$WORK/one.err" || fail "one process: $(tail -1 "$WORK/one.err")"
port=$(free_port)
for rank in 1 0; do
  "$WM" train "${train[@]}" --config "$WORK/short.pbtxt" --out "$WORK/models/two" \
    --distributed --rank $rank --world_size 2 --master "127.0.0.1:$port" \
    >"$WORK/two$rank.out" 2>"$WORK/two$rank.err" &
done
wait %1 || fail "rank 1: $(tail -1 "$WORK/two1.err")"
wait %2 || fail "rank 0: $(tail -1 "$WORK/two0.err")"
grep -q "rank 1 of 2 trained .* rank 0 publishes" "$WORK/two1.out" || fail "rank 1 said: $(cat "$WORK/two1.out")"
grep -q "published .*/models/two/1 " "$WORK/two0.out" || fail "rank 0 said: $(cat "$WORK/two0.out")"
[ ! -e "$WORK/models/two/2" ] || fail "published twice"
# The weights kept are step 20's (training moved them), not the start's.
grep -q '"step": 20,' "$WORK/models/one/metrics.jsonl" || fail "no validation at step 20"
/usr/bin/python3 - "$WORK/models/one/metrics.jsonl" <<'PY' || fail "step 20 not kept"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
assert lines[-1]["step"] == 20 and lines[-1]["validation_loss"] < lines[0]["validation_loss"], lines
PY

# A rank killed after the first resume state: the other fails, naming the
# timeout; --resume in one process ends where an uninterrupted run does.
port=$(free_port)
"$WM" train "${train[@]}" --config "$WORK/long.pbtxt" --out "$WORK/models/killed" \
  --distributed --rank 0 --world_size 2 --master "127.0.0.1:$port" \
  >/dev/null 2>"$WORK/killed0.err" &
rank0=$!
"$WM" train "${train[@]}" --config "$WORK/long.pbtxt" --out "$WORK/models/killed" \
  --distributed --rank 1 --world_size 2 --master "127.0.0.1:$port" \
  >/dev/null 2>&1 &
rank1=$!
for _ in $(seq 600); do
  [ -e "$WORK/models/killed/.train/member_0.pt" ] && break
  sleep 0.05
done
kill -9 $rank1
wait $rank1 2>/dev/null
if wait $rank0; then
  fail "rank 0 finished although rank 1 was killed (did it finish first?)"
fi
grep -q "rank 0 of 2: the gradient all-reduce failed: another rank died .*timeout of 10 s (--distributed_timeout)" \
  "$WORK/killed0.err" || fail "rank 0's error: $(tail -1 "$WORK/killed0.err")"
[ ! -e "$WORK/models/killed/1" ] || fail "a failed run published"
"$WM" train --data "$WORK/ds" --config "$WORK/long.pbtxt" --out "$WORK/models/killed" \
  --resume >/dev/null 2>"$WORK/resume.err" || fail "resume: $(tail -1 "$WORK/resume.err")"
"$WM" train --data "$WORK/ds" --config "$WORK/long.pbtxt" --out "$WORK/models/straight" \
  >/dev/null 2>&1 || fail "uninterrupted run"
mapfile -t differences < <(max_abs_differences "$WORK/models/one/1" "$WORK/models/two/1" \
  "$WORK/models/straight/1" "$WORK/models/killed/1")
[ "${#differences[@]}" -eq 2 ] || fail "weights not compared: ${differences[*]}"
awk -v d="${differences[0]:-inf}" -v t="$kWeightTolerance" 'BEGIN { exit !(d <= t) }' \
  || fail "2 ranks against 1 process: max |weight difference| ${differences[0]:-} > $kWeightTolerance"
awk -v d="${differences[1]:-inf}" -v t="$kWeightTolerance" 'BEGIN { exit !(d <= t) }' \
  || fail "resumed in 1 process against uninterrupted: ${differences[1]:-} > $kWeightTolerance"
echo "max |weight difference|: 2 ranks against 1 process ${differences[0]:-}," \
  "resumed in 1 process against uninterrupted ${differences[1]:-}"

# Bad settings, named.
out=(--data "$WORK/ds" --config "$WORK/short.pbtxt" --out "$WORK/models/bad")
expect_error "no rank" "needs the rank: --rank and --world_size" -- \
  "$WM" train "${out[@]}" --distributed
expect_error "rank out of range" "--rank: rank 2 is not in \[0, 2)" -- \
  "$WM" train "${out[@]}" --distributed --rank 2 --world_size 2 --master 127.0.0.1:1
expect_error "Slurm's rank" "\$SLURM_PROCID='x' is not an integer" -- \
  env SLURM_PROCID=x SLURM_NTASKS=2 "$WM" train "${out[@]}" --distributed
expect_error "no address" "needs rank 0's address" -- \
  env RANK=0 WORLD_SIZE=2 "$WM" train "${out[@]}" --distributed
expect_error "bad port" "\$MASTER_PORT: port '0' is not in \[1, 65535\]" -- \
  env RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=0 "$WM" train "${out[@]}" --distributed
expect_error "rank without --distributed" "apply with --distributed only" -- \
  "$WM" train "${out[@]}" --rank 0
expect_error "batch smaller than the world" "batch_size 32 is smaller than the world size 40" -- \
  "$WM" train "${out[@]}" --distributed --rank 0 --world_size 40 --master 127.0.0.1:1
# A rank alone waits for the others for the timeout, then says so.
port=$(free_port)
expect_error "nobody joins" "rank 0 of 2 could not form the group at 127.0.0.1:$port within the timeout of 2 s" -- \
  "$WM" train "${out[@]}" --distributed --rank 0 --world_size 2 \
    --master "127.0.0.1:$port" --distributed_timeout 2
[ "$failures" -eq 0 ] || exit 1
echo "distributed training: all checks passed"
