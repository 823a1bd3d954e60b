#!/usr/bin/env bash
# wm eval --protocol acosta_toss on five real tosses: per-toss e_q of MuJoCo
# with the paper's parameters, pinned at the values recorded when the
# protocol reproduced data/real/cube_toss/README.md's 0.405 +- 0.01 over all 400 tosses (it gave
# 0.4109); several comma-separated baselines are each paired with the model.
# Usage: toss_protocol_cli_test.sh WM REAL_DATA_DIR
set -uo pipefail
WM="$1"
REAL="$2"
source "$(dirname "$0")/cli_test_lib.sh"
[ -d "$REAL/cube_toss/tosses" ] || { echo "FAIL: no real data at $REAL"; exit 1; }

mkdir -p "$WORK/in"
for n in 000 001 002 003 004; do
  ln -s "$REAL/cube_toss/tosses/toss_$n.csv" "$WORK/in/"
done
"$WM" import --preset cube_toss --in "$WORK/in" --out "$WORK/tosses" >/dev/null 2>&1 ||
  fail "import of five tosses"
"$WM" eval --protocol acosta_toss --model "mujoco:$WORK/tosses" \
  --data "$WORK/tosses" --json "$WORK/report.json" >"$WORK/out.txt" 2>&1 ||
  fail "protocol run: $(cat "$WORK/out.txt")"
grep -q "e_q mean" "$WORK/out.txt" || fail "no table printed: $(cat "$WORK/out.txt")"

expect_strict_json "$WORK/report.json"
/usr/bin/python3 - "$WORK/report.json" <<'PY' || fail "per-toss values"
import json, sys
report = json.load(open(sys.argv[1]))
# Recorded per-toss e_q (toss_000 lands on another face, hence 1.56) and the
# protocol's start index (3 samples before the drop to sqrt(3) half-widths).
expected = [(12, 1.555089), (7, 0.1005435), (7, 0.1802470), (3, 0.1982570),
            (13, 0.0433593)]
ok = report["tosses"] == 5
for toss, (start, e_q) in zip(report["per_toss"], expected):
    value = list(toss["e_q"].values())[0]
    if toss["start_index"] != start or abs(value - e_q) > 1e-3 * e_q:
        print(f"episode {toss['episode']}: start {toss['start_index']} e_q "
              f"{value}, expected start {start} e_q {e_q}")
        ok = False
mean = report["models"][0]["e_q"]["mean"]
if abs(mean - sum(e for _, e in expected) / 5) > 1e-3:
    print(f"mean e_q {mean} is not the mean of the per-toss values")
    ok = False
sys.exit(0 if ok else 1)
PY

# --baseline A,B: both baselines scored and each paired with the model (the
# paper's MuJoCo against itself: ratio 1, won on no toss).
"$WM" eval --protocol acosta_toss --model "mujoco:$WORK/tosses" \
  --baseline "mujoco:$WORK/tosses,mujoco:$WORK/tosses" \
  --data "$WORK/tosses" --json "$WORK/two.json" >"$WORK/two.txt" 2>&1 ||
  fail "two baselines: $(cat "$WORK/two.txt")"
/usr/bin/python3 - "$WORK/two.json" <<'PY' || fail "two baselines' pairing"
import json, sys
models = json.load(open(sys.argv[1]))["models"]
assert len(models) == 3, f"{len(models)} models, expected the model and 2 baselines"
for baseline in models[1:]:
    paired = baseline["model_over_this"]
    assert abs(paired["mean_ratio"] - 1) < 1e-9, paired
    assert paired["share_model_better"] == 0, paired
PY
expect_error "missing second baseline" "nowhere" -- \
  "$WM" eval --protocol acosta_toss --model "mujoco:$WORK/tosses" \
  --baseline "mujoco:$WORK/tosses,$WORK/nowhere" --data "$WORK/tosses"

expect_error "unknown protocol" "unknown; known: acosta_toss" -- \
  "$WM" eval --protocol nope --model "mujoco:$WORK/tosses" --data "$WORK/tosses"
exit $((failures > 0))
