#!/usr/bin/env bash
# Runs `tools/quickstart.sh --smallest --no-setup` end to end and checks what
# it produced. Usage: quickstart_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SOURCE="$1"
export BUILD_DIR="$2"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

log="$("$SOURCE/tools/quickstart.sh" --smallest --no-setup --out "$OUT" 2>&1)"
code=$?
echo "$log" | tail -20
[ "$code" -eq 0 ] || { echo "FAIL: quickstart exited $code"; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
grep -q "OpenBLAS: ok" "$OUT/doctor.txt" || fail "doctor did not find OpenBLAS"
manifest="$OUT/data/push/manifest.pbtxt"
[ -f "$manifest" ] || fail "no dataset manifest"
grep -q "num_episodes: 8" "$manifest" || fail "expected 8 episodes"
grep -q "num_transitions: 160" "$manifest" || fail "expected 160 transitions"
[ -f "$OUT/data/push/shard_00000.h5" ] || fail "no shard"
grep -q "box_table/friction" <<<"$log" || fail "summary lacks parameter ranges"
[ "$failures" -eq 0 ] || exit 1
echo "quickstart produced what it promised"
