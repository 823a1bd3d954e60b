#!/usr/bin/env bash
# Runs `tools/quickstart.sh --smallest --no-setup` end to end and checks what
# it produced. Usage: quickstart_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SOURCE="$1"
export BUILD_DIR="$2"
# ctest runs on a finished build: rebuilding here would relink bin/wm under
# the tests running beside this one.
export WM_QUICKSTART_SKIP_BUILD=1
source "$SOURCE/tests/tools/cli_test_lib.sh"
OUT="$WORK"

log="$("$SOURCE/tools/quickstart.sh" --smallest --no-setup --out "$OUT" 2>&1)"
code=$?
echo "$log" | tail -20
[ "$code" -eq 0 ] || { echo "FAIL: quickstart exited $code"; exit 1; }

grep -q "OpenBLAS: ok" "$OUT/doctor.txt" || fail "doctor did not find OpenBLAS"
manifest="$OUT/data/push/manifest.pbtxt"
[ -f "$manifest" ] || fail "no dataset manifest"
grep -q "num_episodes: 30" "$manifest" || fail "expected 30 episodes"
grep -q "num_transitions: 1200" "$manifest" || fail "expected 1200 transitions"
[ -f "$OUT/models/push_physics/1/weights.pt" ] || fail "no trained model version 1"
[ -f "$OUT/data/push/shard_00000.h5" ] || fail "no shard"
grep -q "box_table/friction" <<<"$log" || fail "summary lacks parameter ranges"
expect_strict_json "$OUT/eval_push.json" "$OUT/served.json" "$OUT/plan_push.json" \
  "$OUT/plan_push_trained.json" "$OUT/models/push_physics/metrics.jsonl"
/usr/bin/python3 - "$OUT/eval_push.json" <<'PY' || fail "evaluation JSON"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["split"] == "test" and report["episodes"] >= 1, report
assert report["one_step_nmse"] > 0
for baseline in ("constant_velocity", "mujoco_nominal"):
    assert baseline in report["baselines"], baseline
PY
/usr/bin/python3 - "$OUT/served.json" <<'PY' || fail "served model answers"
import json, math, sys
found = json.load(open(sys.argv[1]))
assert found["model"] == "push_physics/1", found["model"]
assert len(found["box_position_predicted_m"]) == 3
assert all(math.isfinite(v) for v in found["box_position_predicted_m"])
params = found["parameters"]
assert set(params) == {"box/mass", "box_table/friction", "pusher_box/friction"}, params
assert all(p["std"] > 0 for p in params.values()), params
PY
grep -q 'wm_calls_total{method="Rollout",code="OK"} 1' "$OUT/metrics.txt" \
  || fail "metrics page did not count the Rollout"
/usr/bin/python3 - "$OUT/plan_push.json" <<'PY' || fail "planning report"
import json, sys
report = json.load(open(sys.argv[1]))
oracle, physics = report["oracle"], report["physics"]
assert physics["model"] == "push_physics_pretrained", physics["model"]
assert oracle["episodes"] == 2 and physics["episodes"] == 1, report.keys()
reached = sum(e["success"] for e in oracle["per_episode"])
assert reached >= 1, f"the oracle reached no goal: {oracle}"
assert physics["planning_hz"] > 0 and physics["plan_latency_ms"]["p99"] > 0
# Paired: episode i of every row has the same seed (goal, hidden parameters).
assert physics["per_episode"][0]["seed"] == oracle["per_episode"][0]["seed"]
PY
/usr/bin/python3 - "$OUT/plan_push_trained.json" <<'PY' || fail "trained model's planning report"
import json, sys
trained = json.load(open(sys.argv[1]))["physics"]
assert trained["model"] == "push_physics" and trained["episodes"] == 1, trained
PY
# The summary's planning verdict, in words, computed from the reports.
grep -q "^planning: the pretrained model (push_physics_pretrained) reached [0-9]* of 1 goal" \
  "$OUT/summary.txt" || fail "summary lacks the pretrained model's planning verdict"
grep -q "^planning: the model trained in stage 2 .* reached [0-9]* of 1 goal" \
  "$OUT/summary.txt" || fail "summary lacks the trained model's planning line"
grep -q '"push_physics"' "$OUT/query_list.json" || fail "wm query list"
grep -q '"push_physics_pretrained"' "$OUT/query_list.json" \
  || fail "wm query list lacks the pretrained model"
# The planning table labels rows by the model planned with, and prints "-",
# not nan, for a time to goal no episode reached.
grep -q "^push_physics_pretrained " "$OUT/plan_push.txt" || fail "no push_physics_pretrained row"
grep -q "^push_physics " "$OUT/plan_push_trained.txt" || fail "no push_physics row"
grep -q "^mujoco_true_parameters " "$OUT/plan_push.txt" || fail "no oracle row"
grep -qi "nan" "$OUT/plan_push.txt" && fail "the planning table prints nan"
grep -q "wm serve drained and stopped" <<<"$log" || fail "serve did not stop cleanly"
[ "$failures" -eq 0 ] || exit 1
echo "quickstart produced what it promised"
