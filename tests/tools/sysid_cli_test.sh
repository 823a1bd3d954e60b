#!/usr/bin/env bash
# `wm sysid` through the built binary: bad inputs exit non-zero naming the
# problem; a tiny fit on generated double_pendulum data writes the JSON
# report and publishes a servable "mujoco" version that `wm eval` loads.
# Usage: sysid_cli_test.sh WM_BINARY
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"

"$WM" gen --scene double_pendulum --episodes 40 --steps 100 --seed 1 \
  --workers 1 --out "$WORK/dp" >/dev/null 2>&1 || fail "gen double_pendulum"
"$WM" gen --scene slide --episodes 2 --steps 20 --seed 1 --workers 1 \
  --out "$WORK/slide" >/dev/null 2>&1 || fail "gen slide"

# Bad inputs.
expect_error "unknown quantity" "unknown quantity 'stiffness' (known: mass" -- \
  "$WM" sysid --scene double_pendulum --data "$WORK/dp" \
  --params shoulder/damping,shoulder/stiffness --json "$WORK/x.json"
expect_error "unknown element" "no element named 'knee'" -- \
  "$WM" sysid --scene double_pendulum --data "$WORK/dp" \
  --params knee/damping --json "$WORK/x.json"
expect_error "missing params" "--params is required" -- \
  "$WM" sysid --scene double_pendulum --data "$WORK/dp" --json "$WORK/x.json"
expect_error "other scene's data" "spec mismatch" -- \
  "$WM" sysid --scene double_pendulum --data "$WORK/slide" \
  --params shoulder/damping --json "$WORK/x.json"
expect_error "missing data" "No such file" -- \
  "$WM" sysid --scene double_pendulum --data "$WORK/nothing" \
  --params shoulder/damping --json "$WORK/x.json"
expect_error "all held out" "no episodes left to fit" -- \
  "$WM" sysid --scene double_pendulum --data "$WORK/dp" --max_episodes 1 \
  --holdout 0 --params shoulder/damping --json "$WORK/x.json"
[ -e "$WORK/x.json" ] && fail "a failed run wrote its JSON"

# A tiny fit: few generations and bootstrap refits, short windows.
cat >"$WORK/sysid.pbtxt" <<'PB'
max_generations: 5
bootstrap: 2
bootstrap_generations: 2
horizon_seconds: 0.1
window_stride_seconds: 0.2
PB
if ! "$WM" sysid --scene double_pendulum --data "$WORK/dp" \
    --params shoulder/damping,elbow/frictionloss,lower/mass \
    --config "$WORK/sysid.pbtxt" --holdout 0,1 --json "$WORK/fit.json" \
    --out "$WORK/models/dp" --workers 2 >"$WORK/stdout" 2>"$WORK/stderr"; then
  fail "sysid exited non-zero: $(cat "$WORK/stderr")"
fi
grep -q "published .*models/dp/1" "$WORK/stdout" || fail "no published line"
grep -q "coupling" "$WORK/stdout" || fail "table lacks the base parameters"
expect_strict_json "$WORK/fit.json"
/usr/bin/python3 - "$WORK/fit.json" <<'PY' || fail "JSON content"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["scene"] == "double_pendulum"
names = [p["name"] for p in report["parameters"]]
assert names == ["lower/mass", "shoulder/damping", "elbow/frictionloss"], names
for p in report["parameters"]:
    assert p["min"] <= p["estimate"] <= p["max"], p
    lo, hi = p["interval90"]
    assert lo <= hi and p["std"] >= 0, p
    assert p["unit"], p
assert len(report["base_parameters"]) == 9
assert report["objective"] <= report["nominal_objective"] * (1 + 1e-9), report
assert "holdout_objective" in report
# int64 fields are strings in proto3 JSON.
assert [int(e["episode"]) for e in report["holdout_episodes"]] == [0, 1]
assert len(report["fit_episodes"]) == 38
assert int(report["evaluations"]) > 0 and report["seconds"] > 0
assert report["config"]["bootstrap"] == 2
PY

# The published version is a servable mujoco model: wm eval loads it.
grep -q 'kind: "mujoco"' "$WORK/models/dp/1/manifest.pbtxt" \
  || fail "manifest kind"
grep -q 'parameter_values' "$WORK/models/dp/1/manifest.pbtxt" \
  || fail "manifest lacks parameter_values"
if ! "$WM" eval --model "$WORK/models/dp" --data "$WORK/dp" \
    --json "$WORK/eval.json" >/dev/null 2>"$WORK/eval_stderr"; then
  fail "wm eval of the published version: $(cat "$WORK/eval_stderr")"
fi
expect_strict_json "$WORK/eval.json"

# The same run again gives the same estimates and publishes version 2.
"$WM" sysid --scene double_pendulum --data "$WORK/dp" \
  --params shoulder/damping,elbow/frictionloss,lower/mass \
  --config "$WORK/sysid.pbtxt" --holdout 0,1 --json "$WORK/again.json" \
  --out "$WORK/models/dp" --workers 1 >/dev/null 2>&1 || fail "second run"
[ -f "$WORK/models/dp/2/manifest.pbtxt" ] || fail "no version 2"
/usr/bin/python3 - "$WORK/fit.json" "$WORK/again.json" <<'PY' \
  || fail "estimates differ between 2 workers and 1"
import json, sys
a, b = (json.load(open(path)) for path in sys.argv[1:])
assert a["parameters"] == b["parameters"], (a["parameters"], b["parameters"])
PY

# A simulation ensemble: boxes whose friction differs per episode, fitted
# with one friction; averaging over frictions beats any single one, so the
# published model keeps the ensemble and `wm eval` runs it. The fit runs on
# an elliptic friction cone, which the published scene keeps.
"$WM" gen --scene slide --episodes 8 --steps 60 --seed 3 --workers 1 \
  --out "$WORK/slides" >/dev/null 2>&1 || fail "gen slides"
cat >"$WORK/ensemble.pbtxt" <<'PB'
max_generations: 2
bootstrap: -1
horizon_seconds: 1.2
ensemble_members: 4
ensemble_generations: 2
friction_cone: "elliptic"
PB
if ! "$WM" sysid --data "$WORK/slides" --params box_floor/friction \
    --config "$WORK/ensemble.pbtxt" --holdout none --json "$WORK/ens.json" \
    --out "$WORK/models/slide" >"$WORK/stdout" 2>"$WORK/stderr"; then
  fail "sysid with an ensemble exited non-zero: $(cat "$WORK/stderr")"
fi
grep -q "ensemble of 4: objective" "$WORK/stdout" \
  || fail "no ensemble line: $(cat "$WORK/stdout")"
/usr/bin/python3 - "$WORK/ens.json" <<'PY' || fail "ensemble JSON"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["ensemble"]["members"] == 4, report["ensemble"]
assert report["ensemble_objective"] < report["objective"], report
PY
grep -q "simulation_ensemble" "$WORK/models/slide/1/manifest.pbtxt" \
  || fail "the published manifest lacks its simulation_ensemble"
grep -q 'friction_cone: "elliptic"' "$WORK/models/slide/1/manifest.pbtxt" \
  || fail "the published scene lacks the fitted friction cone"
"$WM" eval --model "$WORK/models/slide" --data "$WORK/slides" --split all \
  --json "$WORK/ens_eval.json" >/dev/null 2>&1 || fail "eval of the ensemble"
sed -i "s/ensemble_members: 4/ensemble_members: 1/" "$WORK/ensemble.pbtxt"
expect_error "one-member ensemble" "ensemble_members must be 0 (none) or >= 2" -- \
  "$WM" sysid --data "$WORK/slides" --params box_floor/friction \
  --config "$WORK/ensemble.pbtxt" --holdout none --json "$WORK/x.json"
sed -i 's/ensemble_members: 1/ensemble_members: 4/; s/"elliptic"/"conical"/' \
  "$WORK/ensemble.pbtxt"
expect_error "unknown friction cone" \
  'friction_cone must be "pyramidal" or "elliptic", not "conical"' -- \
  "$WM" sysid --data "$WORK/slides" --params box_floor/friction \
  --config "$WORK/ensemble.pbtxt" --holdout none --json "$WORK/x.json"

[ "$failures" -eq 0 ] && echo "sysid CLI: all checks passed"
exit "$failures"
