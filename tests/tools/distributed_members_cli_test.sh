#!/usr/bin/env bash
# `wm train --distributed` with the ensemble's members spread over the
# ranks, through the built binary, two processes on loopback: their
# published weights equal one process's within kWeightTolerance (2 members:
# one each; 3 members: one each and the third's batch split), with every
# member's metrics lines and validation losses; a rank killed mid-run fails
# rank 0 with an error naming the timeout, and --resume continues across
# world sizes (2 ranks -> 1 process, 1 process -> 2 ranks) to the weights of
# an uninterrupted run; --distribute is checked by name.
# Usage: distributed_members_cli_test.sh WM_BINARY
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"
source "$(dirname "$0")/distributed_test_lib.sh"
unset RANK WORLD_SIZE MASTER_ADDR MASTER_PORT SLURM_PROCID SLURM_NTASKS
# A spread member trains exactly as in one process (same seed, batches and
# one thread): 0 measured. The third of 3 members splits its batch over
# the 2 ranks: float32 sums in another order, as wm_cli.train_distributed.
kWeightTolerance=1e-5

# two_ranks OUT CONFIG [ARGS...]: ranks 1 and 0 of 2 on loopback; their
# stdout and stderr in $WORK/OUT.{0,1}.{out,err}.
two_ranks() {
  local out="$1" config="$2" port rank pids=()
  shift 2
  port=$(free_port)
  for rank in 0 1; do
    "$WM" train "${train[@]}" --config "$config" --out "$WORK/models/$out" \
      --distributed --rank $rank --world_size 2 --master "127.0.0.1:$port" "$@" \
      >"$WORK/$out.$rank.out" 2>"$WORK/$out.$rank.err" &
    pids+=($!)
  done
  for rank in 0 1; do
    wait "${pids[$rank]}" || fail "$out rank $rank: $(tail -1 "$WORK/$out.$rank.err")"
  done
}

# wait_for FILE: up to 30 s.
wait_for() {
  for _ in $(seq 600); do
    [ -e "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

"$WM" gen --scene slide --episodes 24 --steps 30 --seed 3 --out "$WORK/ds" \
  >/dev/null 2>&1 || fail "gen"
printf 'ensemble_size: 2\nhidden: [32, 32]\nhistory_seconds: 0.1\nhorizon: 4\nbatch_size: 32\nmax_steps: 20\neval_every: 20\npatience: 100\nworkers: 1\n' \
  >"$WORK/two.pbtxt"
sed 's/ensemble_size: 2/ensemble_size: 3/' "$WORK/two.pbtxt" >"$WORK/three.pbtxt"
sed 's/max_steps: 20/max_steps: 150/; s/eval_every: 20/eval_every: 10/' \
  "$WORK/two.pbtxt" >"$WORK/long.pbtxt"
train=(--data "$WORK/ds" --distributed_timeout 10)

# 2 members over 2 ranks (auto: members), and 3 members (the third split).
for members in two three; do
  "$WM" train "${train[@]}" --config "$WORK/$members.pbtxt" --out "$WORK/models/one_$members" \
    >/dev/null 2>"$WORK/one_$members.err" || fail "one process: $(tail -1 "$WORK/one_$members.err")"
done
two_ranks spread_two "$WORK/two.pbtxt"
two_ranks spread_three "$WORK/three.pbtxt" --distribute members
grep -q "members spread over the ranks" "$WORK/spread_two.1.err" || fail "auto did not spread the members"
grep -q "rank 1 of 2 trained .* rank 0 publishes" "$WORK/spread_two.1.out" || fail "rank 1 said: $(cat "$WORK/spread_two.1.out")"
grep -q "published .*/models/spread_two/1 " "$WORK/spread_two.0.out" || fail "rank 0 said: $(cat "$WORK/spread_two.0.out")"
grep -q "members spread over 2 ranks: .* samples/s; gathered" "$WORK/spread_two.0.err" || fail "rank 0 did not log the gather"
# Every member's validations are in metrics.jsonl (rank 1's sent to rank 0),
# and the manifest records the same per-member losses as one process; each
# member kept step 20's weights (training moved them), not its start's.
/usr/bin/python3 - "$WORK/models" <<'PY' || fail "metrics of the spread run differ"
import json, sys
models = sys.argv[1]
for members in ("two", "three"):
    def read(name):
        lines = [json.loads(l) for l in open(f"{models}/{name}/metrics.jsonl")]
        steps = sorted((l["member"], l["step"]) for l in lines)
        manifest = open(f"{models}/{name}/1/manifest.pbtxt").read()
        return steps, [l for l in manifest.splitlines() if "validation_loss_member" in l]
    one, spread = read(f"one_{members}"), read(f"spread_{members}")
    lines = [json.loads(l) for l in open(f"{models}/one_{members}/metrics.jsonl")]
    for k in range(len(one[1])):
        losses = {l["step"]: l["validation_loss"] for l in lines if l["member"] == k}
        assert losses[20] < losses[0], (k, losses)
    assert one[0] == spread[0], (one[0], spread[0])
    assert len(one[1]) == {"two": 2, "three": 3}[members], one[1]
    if members == "two":  # exact: the same arithmetic
        assert one[1] == spread[1], (one[1], spread[1])
PY

# Rank 1 killed after its member's first resume state: rank 0 trains its own
# member, then fails at the gather naming the timeout; nothing is published;
# --resume in one process ends where an uninterrupted run does.
port=$(free_port)
"$WM" train "${train[@]}" --config "$WORK/long.pbtxt" --out "$WORK/models/killed" \
  --distributed --rank 0 --world_size 2 --master "127.0.0.1:$port" \
  >/dev/null 2>"$WORK/killed0.err" &
rank0=$!
"$WM" train "${train[@]}" --config "$WORK/long.pbtxt" --out "$WORK/models/killed" \
  --distributed --rank 1 --world_size 2 --master "127.0.0.1:$port" >/dev/null 2>&1 &
rank1=$!
wait_for "$WORK/models/killed/.train/member_1.pt" || fail "rank 1 saved no resume state"
kill -9 $rank1
wait $rank1 2>/dev/null
if wait $rank0; then
  fail "rank 0 finished although rank 1 was killed"
fi
grep -q "rank 0 of 2: receiving rank 1's members failed: rank 1 died or did not take part within the time budget plus the timeout of 10 s (--distributed_timeout)" \
  "$WORK/killed0.err" || fail "rank 0's error: $(tail -1 "$WORK/killed0.err")"
[ ! -e "$WORK/models/killed/1" ] || fail "a failed run published"
"$WM" train --data "$WORK/ds" --config "$WORK/long.pbtxt" --out "$WORK/models/killed" \
  --resume >/dev/null 2>"$WORK/resume1.err" || fail "resume in 1 process: $(tail -1 "$WORK/resume1.err")"
"$WM" train --data "$WORK/ds" --config "$WORK/long.pbtxt" --out "$WORK/models/straight" \
  >/dev/null 2>&1 || fail "uninterrupted run"

# One process killed after its first resume state; resumed by 2 ranks.
"$WM" train --data "$WORK/ds" --config "$WORK/long.pbtxt" --out "$WORK/models/alone" \
  >/dev/null 2>&1 &
alone=$!
wait_for "$WORK/models/alone/.train/member_0.pt" || fail "no resume state"
kill -9 $alone
wait $alone 2>/dev/null
[ ! -e "$WORK/models/alone/1" ] || fail "the killed process finished first"
two_ranks alone "$WORK/long.pbtxt" --resume

mapfile -t differences < <(max_abs_differences \
  "$WORK/models/one_two/1" "$WORK/models/spread_two/1" \
  "$WORK/models/one_three/1" "$WORK/models/spread_three/1" \
  "$WORK/models/straight/1" "$WORK/models/killed/1" \
  "$WORK/models/straight/1" "$WORK/models/alone/1")
[ "${#differences[@]}" -eq 4 ] || fail "weights not compared: ${differences[*]}"
names=("2 members on 2 ranks" "3 members on 2 ranks" "2 ranks killed, resumed in 1 process" \
  "1 process killed, resumed on 2 ranks")
for i in 0 1 2 3; do
  awk -v d="${differences[$i]:-inf}" -v t="$kWeightTolerance" 'BEGIN { exit !(d <= t) }' \
    || fail "${names[$i]} against 1 process: max |weight difference| ${differences[$i]:-} > $kWeightTolerance"
done
echo "max |weight difference| against 1 process: ${names[0]} ${differences[0]:-}," \
  "${names[1]} ${differences[1]:-}, ${names[2]} ${differences[2]:-}, ${names[3]} ${differences[3]:-}"

# --distribute, named.
out=(--data "$WORK/ds" --config "$WORK/two.pbtxt" --out "$WORK/models/bad")
expect_error "unknown work" "--distribute 'halves': expected auto, batch or members" -- \
  "$WM" train "${out[@]}" --distributed --rank 0 --world_size 2 --master 127.0.0.1:1 --distribute halves
expect_error "too few members" "--distribute members: 2 members cannot occupy 3 ranks" -- \
  "$WM" train "${out[@]}" --distributed --rank 0 --world_size 3 --master 127.0.0.1:1 --distribute members
expect_error "--distribute alone" "apply with --distributed only" -- \
  "$WM" train "${out[@]}" --distribute members
[ "$failures" -eq 0 ] || exit 1
echo "member-spread training: all checks passed"
