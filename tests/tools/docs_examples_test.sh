#!/usr/bin/env bash
# The documentation's examples, run as written. Usage:
#   docs_examples_test.sh SOURCE_DIR WM_BINARY [PAGE.md ...]
#
# An example is a fenced ```bash block whose opening fence is the line right
# after a line `<!-- example -->`, in README.md or any docs/*.md page (or only
# the pages named). Each block runs on its own, as a user would paste it:
#   - with `set -euo pipefail`, by bash, from SOURCE_DIR (the repository root),
#     so paths like configs/... and data/real/... work as in the docs;
#   - with WM_BINARY's directory first on PATH (the docs say `wm`), and
#     TMPDIR a scratch directory of this test, so a block's own
#     `OUT=$(mktemp -d)` (how every example names where it writes) lands there
#     and is removed afterwards;
#   - under a 150 s timeout, in its own process group, which is killed when
#     the block ends, so a `wm serve` it started never outlives it.
# Every docs page must hold at least one example. A block that fails fails the
# test, named by page and block number with the end of its output.
set -uo pipefail
SRC="$(cd "$1" && pwd)"
WM="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
shift 2
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

cd "$SRC" || exit 1
if [ $# -gt 0 ]; then
  PAGES=("$@")
else
  PAGES=(README.md docs/*.md)
fi

# Writes page's example blocks to $SCRATCH/blocks/<page>.<n>.sh; prints n.
extract() {
  local page="$1" stem
  stem="$(echo "$page" | tr '/' '_')"
  awk -v dir="$SCRATCH/blocks" -v stem="$stem" '
    state == 2 && /^```[ \t]*$/ { state = 0; close(file); next }
    state == 2 { print > file; next }
    state == 1 && /^```bash[ \t]*$/ { n++; file = dir "/" stem "." n ".sh"; state = 2; next }
    { state = 0 }
    /^<!-- example -->[ \t]*$/ { state = 1 }
    END { if (state == 2) { print "unterminated example block" > "/dev/stderr"; exit 1 }
          print n + 0 }' "$page"
}

mkdir -p "$SCRATCH/blocks"
failures=0
total=0
start=$SECONDS
for page in "${PAGES[@]}"; do
  [ -f "$page" ] || { echo "FAIL: no page $page"; failures=$((failures + 1)); continue; }
  if ! count="$(extract "$page")"; then
    echo "FAIL: $page: an example block is not closed"
    failures=$((failures + 1))
    continue
  fi
  if [ "$count" -eq 0 ] && [ "$page" != README.md ]; then
    echo "FAIL: $page has no example (mark a \`\`\`bash block with <!-- example -->)"
    failures=$((failures + 1))
    continue
  fi
  stem="$(echo "$page" | tr '/' '_')"
  for n in $(seq 1 "$count"); do
    block="$SCRATCH/blocks/$stem.$n.sh"
    log="$SCRATCH/blocks/$stem.$n.log"
    mkdir -p "$SCRATCH/tmp"
    t0=$SECONDS
    # Its own session and process group, so whatever it leaves running (a
    # server of a failed block) is ended with it. ($1 is the inner bash's.)
    # shellcheck disable=SC2016
    PATH="$(dirname "$WM"):$PATH" TMPDIR="$SCRATCH/tmp" setsid timeout 150 \
      bash -c 'set -euo pipefail; source "$1"' _ "$block" >"$log" 2>&1 &
    pid=$!
    wait "$pid"
    code=$?
    kill -- -"$pid" 2>/dev/null
    total=$((total + 1))
    if [ "$code" -ne 0 ]; then
      echo "FAIL: $page, example $n exited $code after $((SECONDS - t0)) s; its block:"
      sed 's/^/    | /' "$block"
      echo "  last output:"
      tail -n 25 "$log" | sed 's/^/    > /'
      failures=$((failures + 1))
    else
      echo "ok: $page, example $n ($((SECONDS - t0)) s)"
    fi
    rm -rf "$SCRATCH/tmp"
  done
done
echo "$total examples in ${#PAGES[@]} pages, $failures failed, $((SECONDS - start)) s"
[ "$total" -gt 0 ] || { echo "FAIL: no examples found"; exit 1; }
[ "$failures" -eq 0 ]
