#!/usr/bin/env bash
# `wm train` through the built binary: a run killed mid-way and resumed ends
# with the same weights as an uninterrupted run; python3-torch's torch.load
# reads the weights, and a copy saved by torch.save loads back into wm with
# identical predictions; bad inputs are refused. Usage: train_cli_test.sh WM
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"

"$WM" gen --scene slide --episodes 40 --steps 80 --seed 2 --out "$WORK/data" \
  >/dev/null 2>&1 || fail "gen"
cat >"$WORK/tiny.pbtxt" <<PBTXT
model: "physics"
ensemble_size: 2
hidden: [32, 32]
history_seconds: 0.4
horizon: 4
batch_size: 32
learning_rate: 0.001
max_steps: 300
eval_every: 20
patience: 100
seed: 4
workers: 2
PBTXT
train() { "$WM" train --config "$WORK/tiny.pbtxt" --data "$WORK/data" --out "$@"; }

train "$WORK/models/straight" >/dev/null 2>&1 || fail "uninterrupted training"
# Kill a second run part-way (after at least one resume point), then resume.
# Started directly (not through the shell function), so $! is wm itself.
"$WM" train --config "$WORK/tiny.pbtxt" --data "$WORK/data" \
  --out "$WORK/models/resumed" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 2400); do
  ls "$WORK/models/resumed/.train/"member_*.pt >/dev/null 2>&1 && break
  sleep 0.05
done
sleep 0.3
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ -d "$WORK/models/resumed/1" ] && fail "the run finished before the kill: resume untested"
if [ ! -d "$WORK/models/resumed/1" ]; then
  out="$(train "$WORK/models/resumed" --resume 2>&1)" || fail "resume: $out"
fi

/usr/bin/python3 - "$WORK" <<'PY' || fail "python comparison"
import sys, torch
work = sys.argv[1]
a = torch.load(f"{work}/models/straight/1/weights.pt")
b = torch.load(f"{work}/models/resumed/1/weights.pt")
assert a.keys() == b.keys(), "different tensor names"
bad = [k for k in a if not torch.equal(a[k], b[k])]
assert not bad, f"resumed weights differ: {bad[:3]}"
# Round trip through python3-torch's torch.save.
import shutil
shutil.copytree(f"{work}/models/straight/1", f"{work}/models/python/1")
torch.save({k: v.clone() for k, v in a.items()}, f"{work}/models/python/1/weights.pt")
print(f"{len(a)} tensors equal after resume")
PY
# The manifest still records the digest of the weights wm wrote: refused
# until the entry names the new file's SHA-256 (docs/models.md).
out="$("$WM" eval --model "$WORK/models/python" --data "$WORK/data" 2>&1)" &&
  fail "weights rewritten behind the manifest's back were loaded"
echo "$out" | grep -q "weights.pt: corrupt or modified" ||
  fail "rewritten weights: unexpected error: $out"
digest="$(sha256sum "$WORK/models/python/1/weights.pt" | cut -d' ' -f1)"
sed -i "/key: \"weights.pt\"/{n;s/value: .*/value: \"$digest\"/}" \
  "$WORK/models/python/1/manifest.pbtxt"

# Both checkpoints predict the same next state (wm query is not there yet:
# wm eval of each must print identical numbers).
if "$WM" --help | grep -q " eval "; then
  for m in straight python; do
    "$WM" eval --model "$WORK/models/$m" --data "$WORK/data" \
      --json "$WORK/$m.json" >/dev/null 2>&1 || fail "eval $m"
  done
  /usr/bin/python3 -c "
import json, sys
a = json.load(open('$WORK/straight.json')); b = json.load(open('$WORK/python.json'))
a.pop('model'); b.pop('model')
sys.exit(0 if a == b else 1)" || fail "torch.save copy predicts differently"
fi

# Fine-tuning: --init keeps the pretrained kind, sizes and normalisation and
# starts from its weights; a model of another system is refused.
out="$(train "$WORK/models/tuned" --init "$WORK/models/straight" --max_steps 40 2>&1)" ||
  fail "fine-tuning: $out"
grep -q 'key: "fine_tuned_from_version"' "$WORK/models/tuned/1/manifest.pbtxt" ||
  fail "fine-tuned manifest does not name its pretrained version"
# Physics hides world horizontal positions by default, and a fine-tune keeps
# what its pretrained model saw: a manifest without the field (older
# models) stays without it.
for m in straight tuned; do
  grep -q '^horizontal_invariance: true$' "$WORK/models/$m/1/manifest.pbtxt" ||
    fail "$m: physics manifest lacks horizontal_invariance: true"
done
cp -r "$WORK/models/straight" "$WORK/models/older"
sed -i '/^horizontal_invariance:/d' "$WORK/models/older/1/manifest.pbtxt"
out="$(train "$WORK/models/tuned_older" --init "$WORK/models/older" --max_steps 40 2>&1)" ||
  fail "fine-tuning an older model: $out"
grep -q '^horizontal_invariance:' "$WORK/models/tuned_older/1/manifest.pbtxt" &&
  fail "fine-tuning an older model turned horizontal invariance on"
normalization() { sed -n '/^normalization {/,/^}/p' "$1/1/manifest.pbtxt"; }
[ -n "$(normalization "$WORK/models/straight")" ] &&
  [ "$(normalization "$WORK/models/straight")" = "$(normalization "$WORK/models/tuned")" ] ||
  fail "fine-tuning changed the normalisation"
"$WM" gen --scene double_pendulum --episodes 4 --steps 40 --seed 2 \
  --out "$WORK/pendulum" >/dev/null 2>&1 || fail "gen pendulum"
out="$(train "$WORK/models/wrong" --init "$WORK/models/straight" --data "$WORK/pendulum" 2>&1)" \
  && fail "fine-tuning across systems accepted"
grep -q "models another system" <<<"$out" || fail "system mismatch not named: $out"
# --validation_data: a dataset of another system is refused, naming both.
expect_error "validation data of another system" \
  "validation_data $WORK/pendulum models another system than --data $WORK/data" -- \
  "$WM" train --config "$WORK/tiny.pbtxt" --data "$WORK/data" \
  --validation_data "$WORK/pendulum" --out "$WORK/models/wrong_validation"

# The learning-rate trial (candidates trained side by side, one per worker)
# picks the candidate with the lower validation loss: 1e-9 cannot learn.
sed -e '/^learning_rate:/d' -e 's/^max_steps: 300/max_steps: 200/' "$WORK/tiny.pbtxt" >"$WORK/trial.pbtxt"
printf 'learning_rate_candidates: [1e-9, 0.003]\n' >>"$WORK/trial.pbtxt"
out="$("$WM" train --config "$WORK/trial.pbtxt" --data "$WORK/data" --out "$WORK/models/trial" 2>&1)" ||
  fail "learning-rate trial: $out"
grep -q '^  learning_rate: 0.003$' "$WORK/models/trial/1/manifest.pbtxt" ||
  fail "the trial did not choose 0.003: $(grep learning_rate "$WORK/models/trial/1/manifest.pbtxt")"

# A budget that cannot fit max_steps shortens the physics schedule to the
# steps that fit: each member's last validation comes well into the cosine
# decay (without it the rate would still be ~1e-3 when the budget cut in).
sed -e 's/^max_steps: 300/max_steps: 1000000/' "$WORK/tiny.pbtxt" >"$WORK/budget.pbtxt"
printf 'max_minutes: 0.1\n' >>"$WORK/budget.pbtxt"
out="$("$WM" train --config "$WORK/budget.pbtxt" --data "$WORK/data" --out "$WORK/models/budget" 2>&1)" ||
  fail "budget-bound training: $out"
expect_strict_json "$WORK/models/budget/metrics.jsonl" "$WORK/models/straight/metrics.jsonl"
/usr/bin/python3 - "$WORK/models/budget/metrics.jsonl" <<'PY' || fail "budget-bound schedule"
import json, sys
last = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    last[row["member"]] = row
assert sorted(last) == [0, 1], f"members logged: {sorted(last)}"
for member, row in last.items():
    assert row["step"] < 1000000, f"member {member} ran all steps"
    assert row["learning_rate"] <= 0.5e-3, (
        f"member {member} ended at step {row['step']} with learning rate "
        f"{row['learning_rate']} (> half the initial 1e-3)")
PY

# Bad inputs.
out="$("$WM" train --data "$WORK/nowhere" --out "$WORK/models/x" 2>&1)" \
  && fail "missing data accepted"
grep -q "nowhere" <<<"$out" || fail "missing data not named: $out"
out="$("$WM" train --data "$WORK/data" --out "$WORK/models/x" --model tree 2>&1)" \
  && fail "unknown model accepted"
grep -q "unknown kind 'tree'" <<<"$out" || fail "unknown model not named: $out"
out="$("$WM" train --config "$WORK/tiny.pbtxt" --data "$WORK/data" --out "$WORK/models/none" --resume 2>&1)" \
  && fail "resume without state accepted"

[ "$failures" -eq 0 ] || exit 1
echo "all train CLI checks passed"
