# Sourced by the benchmark scripts from the repository root: builds `wm` in
# $BUILD_DIR (default build/) and sets WM to its absolute path. Exports one
# BLAS thread per process, as the measurements assume.
# shellcheck shell=bash
BUILD_DIR="${BUILD_DIR:-build}"
export OPENBLAS_NUM_THREADS=1
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j2 --target wm
# shellcheck disable=SC2034  # read by the sourcing script
WM="$PWD/$BUILD_DIR/bin/wm"
