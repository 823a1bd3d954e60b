#!/usr/bin/env bash
# Size limits on the non-test sources, outside CI (slow: clang-tidy parses
# every file). Usage: tools/lint.sh [BUILD_DIR]  (default build; needs its
# compile_commands.json, written by tools/test.sh's configure).
# Checks: no function over 80 lines (clang-tidy's
# readability-function-size, LineThreshold 80) and no non-test source file
# over 500 lines. Exit 1 with every violation listed, 0 when clean.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-build}"
if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "lint: $BUILD_DIR/compile_commands.json is missing; run tools/test.sh first" >&2
  exit 2
fi
mapfile -t sources < <(git ls-files '*.cc' '*.h' | grep -vE '^(tests|bench)/')
failures=0
for file in "${sources[@]}"; do
  lines=$(wc -l < "$file")
  if [ "$lines" -gt 500 ]; then
    echo "lint: $file has $lines lines (limit 500)"
    failures=$((failures + 1))
  fi
done
mapfile -t compiled < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
report=$(clang-tidy -p "$BUILD_DIR" --quiet \
  --header-filter="$PWD/(util|datasets|sim|worldmodel|services|tools)/" \
  --checks='-*,readability-function-size' \
  --config='{CheckOptions: [{key: readability-function-size.LineThreshold, value: 80}]}' \
  "${compiled[@]}" 2>/dev/null | grep -E 'warning: function .* exceeds' || true)
if [ -n "$report" ]; then
  echo "$report" | sed "s|^$PWD/||" | sort -u
  failures=$((failures + $(echo "$report" | sort -u | wc -l)))
fi
if [ "$failures" -gt 0 ]; then
  echo "lint: $failures violation(s)"
  exit 1
fi
echo "lint: ok (${#sources[@]} files)"
