#!/usr/bin/env bash
# Builds wm and runs every test: setup (installs missing packages), configure,
# build with Ninja at -j2, then ctest. Usage: tools/test.sh [--no-setup]
# Environment: BUILD_DIR (default build), WM_WERROR=ON to fail on warnings.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-setup" ]; then
  tools/setup.sh
fi

BUILD_DIR="${BUILD_DIR:-build}"
export OPENBLAS_NUM_THREADS=1
# ccache hits across checkouts at different paths (CI clones elsewhere).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWM_WERROR="${WM_WERROR:-OFF}"
cmake --build "$BUILD_DIR" -j2
cd "$BUILD_DIR"
ctest -j2 --timeout 300 --output-on-failure
