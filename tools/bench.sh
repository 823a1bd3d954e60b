#!/usr/bin/env bash
# Builds and runs every benchmark (build/bin/wm_bench_*). Each prints lines
#   <benchmark>: ours <value> <unit>, reference <value> <unit>, ratio <r>
# Usage: tools/bench.sh [--no-setup]. Benchmarks never run in ctest; run them
# on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-setup" ]; then
  tools/setup.sh
fi

# shellcheck source=tools/lib.sh
source tools/lib.sh
wm_build  # every target
found=0
for bench in "$BUILD_DIR"/bin/wm_bench_*; do
  [ -x "$bench" ] || continue
  found=1
  echo "== $(basename "$bench")"
  "$bench"
done
[ "$found" -eq 1 ] || echo "bench: no benchmarks built"
