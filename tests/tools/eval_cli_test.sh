#!/usr/bin/env bash
# `wm eval` through the built binary: the nominal MuJoCo model of a tiny
# generated slide dataset is scored beside the baselines, the JSON has the
# issue's keys (and no horizon the episodes are too short for), plot_eval.py
# draws it, and bad inputs exit non-zero with a message.
# Usage: eval_cli_test.sh WM_BINARY SOURCE_DIR
set -uo pipefail
WM="$1"
SOURCE="$2"
source "$(dirname "$0")/cli_test_lib.sh"

# 40 episodes of 75 steps (1.5 s at dt 0.02): 1 s of history leaves 25
# steps, enough for the 10-step horizon but not for 50 or 100.
"$WM" gen --scene slide --episodes 40 --steps 75 --seed 2 --workers 1 \
  --out "$WORK/slide" >/dev/null 2>&1 || fail "gen"

if ! "$WM" eval --model "mujoco:$WORK/slide" --data "$WORK/slide" \
    --json "$WORK/out.json" >"$WORK/stdout" 2>"$WORK/stderr"; then
  fail "eval exited non-zero: $(cat "$WORK/stderr")"
fi
grep -q "constant_velocity" "$WORK/stdout" || fail "table lacks the baselines"
grep -q "joint_m@10" "$WORK/stdout" || fail "table lacks rollout columns"
expect_strict_json "$WORK/out.json"
/usr/bin/python3 - "$WORK/out.json" <<'PY' || fail "JSON content"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["model"].startswith("mujoco:"), report["model"]
assert report["split"] == "test"
assert report["episodes"] > 0
assert report["one_step_nmse"] >= 0
assert set(report["rollout"]) == {"10"}, report["rollout"].keys()
assert set(report["rollout"]["10"]) == {"joint_m", "joint_rad"}
for key in ("median", "p90"):
    assert report["rollout"]["10"]["joint_m"][key] >= 0
assert "params" not in report  # MuJoCo does not infer
baselines = report["baselines"]
assert set(baselines) == {"constant_velocity", "mujoco_nominal"}, baselines
for name, baseline in baselines.items():
    assert baseline["episodes"] == report["episodes"], name
    assert "one_step_nmse" in baseline and "10" in baseline["rollout"], name
PY

# A config sets the horizons; --max_episodes caps the episodes.
printf 'history_seconds: 0.5\nhorizons_seconds: [0.1, 0.4]\n' >"$WORK/eval.pbtxt"
"$WM" eval --model "mujoco:$WORK/slide" --data "$WORK/slide" \
  --config "$WORK/eval.pbtxt" --max_episodes 1 --json "$WORK/short.json" \
  >/dev/null 2>&1 || fail "eval with a config"
/usr/bin/python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
assert report["episodes"] == 1, report["episodes"]
assert set(report["rollout"]) == {"5", "20"}, report["rollout"].keys()
' "$WORK/short.json" || fail "config horizons / max_episodes"

/usr/bin/python3 "$SOURCE/tools/plot_eval.py" "$WORK/out.json" \
  --out "$WORK/out.png" --data "$WORK/slide" --episodes 2 >/dev/null \
  || fail "plot_eval.py"
[ -s "$WORK/out.png" ] || fail "no plot written"

# Bad inputs.
expect_error "missing model" "no model at" -- \
  "$WM" eval --model "$WORK/models/none" --data "$WORK/slide"
expect_error "missing data" "open dataset directory" -- \
  "$WM" eval --model "mujoco:$WORK/slide" --data "$WORK/nothing"
expect_error "no --model" "--model is required" -- \
  "$WM" eval --data "$WORK/slide"
expect_error "no --data" "--data is required" -- \
  "$WM" eval --model "mujoco:$WORK/slide"
[ -e "$WORK/none.json" ] && fail "a failed eval wrote JSON"

if [ "$failures" -gt 0 ]; then
  echo "$failures checks failed"
  exit 1
fi
echo "all eval CLI checks passed"
