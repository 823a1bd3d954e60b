# Shared by the CLI test scripts (source it): a scratch directory removed on
# exit, a failure counter, and expect_error.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failures=0

# fail MESSAGE: records a failed check.
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error NAME PATTERN -- COMMAND...: the command must exit non-zero and
# print PATTERN.
expect_error() {
  local name="$1" pattern="$2"
  shift 3
  local output
  output="$("$@" 2>&1)"
  local code=$?
  if [ "$code" -eq 0 ]; then
    fail "$name: exit 0, expected an error"
  elif ! grep -q -- "$pattern" <<<"$output"; then
    fail "$name: output lacks '$pattern': $output"
  fi
}

# expect_strict_json FILE...: each file is strict JSON (a .jsonl file: each
# line is), as any parser reads it: Python's json refusing NaN and Infinity.
expect_strict_json() {
  /usr/bin/python3 - "$@" <<'PY' || fail "strict JSON: $*"
import json, sys
def refuse(constant):
    raise ValueError(f"non-standard JSON constant {constant}")
for path in sys.argv[1:]:
    text = open(path).read()
    documents = text.splitlines() if path.endswith(".jsonl") else [text]
    for number, document in enumerate(documents, 1):
        try:
            json.loads(document, parse_constant=refuse)
        except ValueError as error:
            sys.exit(f"{path}:{number}: {error}")
PY
}
