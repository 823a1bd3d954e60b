#!/usr/bin/env bash
# `wm serve`, `wm query` and `wm plan` through the binary: what they print and
# their exit codes for good and bad input. Usage: serve_cli_test.sh WM_BINARY
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

expect_error "missing models dir" "does not exist" -- \
  "$WM" serve --models "$WORK/nowhere" --port 0
expect_error "no --models" "--models DIR is required" -- "$WM" serve --port 0
expect_error "nothing to plan with" "nothing to plan with" -- "$WM" plan
expect_error "no history" "--history_seconds must be positive" -- \
  "$WM" plan --oracle --history_seconds 0
expect_error "nobody listening" "UNAVAILABLE" -- \
  "$WM" query --server 127.0.0.1:1 --timeout 2 list

"$WM" gen --scene slide --episodes 12 --steps 80 --seed 1 --workers 1 \
  --out "$WORK/data" >/dev/null 2>&1 || fail "gen"
printf 'max_steps: 4\nlearning_rate: 0.001\nvalidation_windows: 8\n' > "$WORK/train.pbtxt"
"$WM" train --data "$WORK/data" --out "$WORK/models/slide" --ensemble_size 2 \
  --config "$WORK/train.pbtxt" >/dev/null 2>&1 || fail "train"

"$WM" serve --models "$WORK/models" --port 0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
TARGET=""
for _ in $(seq 300); do
  TARGET="$(sed -n 's/^listening on //p' "$WORK/serve.out")"
  [ -n "$TARGET" ] && break
  sleep 0.1
done
[ -n "$TARGET" ] || { fail "no 'listening on' line: $(cat "$WORK/serve.err")"; exit 1; }

"$WM" query --server "$TARGET" list | grep -q '"slide"' || fail "list names the model"
"$WM" query --server "$TARGET" info --model slide/1 | grep -q '"kind": "physics"' \
  || fail "info gives the kind"
expect_error "unknown model" "NOT_FOUND" -- \
  "$WM" query --server "$TARGET" info --model nope
expect_error "second server on the port" "cannot listen" -- \
  "$WM" serve --models "$WORK/models" --port "${TARGET##*:}"

echo '{"model": {"name": "slide"}, "states": {"shape": [1' > "$WORK/broken.json"
expect_error "malformed JSON" "not a wm.v1.PredictRequest" -- \
  "$WM" query --server "$TARGET" predict --request "$WORK/broken.json"
cat > "$WORK/narrow.json" <<'JSON'
{"model": {"name": "slide"}, "states": {"shape": [1, 3], "data": [0, 0, 0]},
 "actions": {"shape": [1, 2], "data": [1, 0]}}
JSON
expect_error "wrong shape" "INVALID_ARGUMENT.*states" -- \
  "$WM" query --server "$TARGET" predict --request "$WORK/narrow.json"
cat > "$WORK/rollout.json" <<'JSON'
{"initial_states": {"shape": [1, 8], "data": [0, 0, 0, 0, 0.5, 0, 0, 0]},
 "actions": {"shape": [2, 3, 2], "data": [1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]}}
JSON
"$WM" query --server "$TARGET" rollout --model slide --request "$WORK/rollout.json" \
  > "$WORK/rollout_answer.json" || fail "rollout"
/usr/bin/python3 - "$WORK/rollout_answer.json" <<'PY' || fail "rollout answer"
import json, sys
answer = json.load(open(sys.argv[1]))
assert answer["model"] == {"name": "slide", "version": "1"}, answer["model"]
assert [int(d) for d in answer["mean"]["shape"]] == [2, 4, 8], answer["mean"]["shape"]
PY

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
code=$?
SERVER_PID=""
[ "$code" -eq 0 ] || fail "wm serve exited $code on SIGTERM"
[ "$failures" -eq 0 ] || { echo "$failures checks failed"; exit 1; }
echo "serve, query and plan behave"
