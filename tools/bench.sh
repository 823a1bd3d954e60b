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

BUILD_DIR="${BUILD_DIR:-build}"
export OPENBLAS_NUM_THREADS=1
# ccache hits across checkouts at different paths (CI clones elsewhere).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j2
found=0
for bench in "$BUILD_DIR"/bin/wm_bench_*; do
  [ -x "$bench" ] || continue
  found=1
  echo "== $(basename "$bench")"
  "$bench"
done
[ "$found" -eq 1 ] || echo "bench: no benchmarks built"
