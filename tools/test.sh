#!/usr/bin/env bash
# Builds wm and runs every test: setup (installs missing packages), configure,
# build with Ninja at -j2, then ctest.
#
#   tools/test.sh [--no-setup] [--sanitize] [CTEST_ARGS...]
#
# --sanitize: build with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DWM_SANITIZE=address,undefined) in build-sanitize/ (BUILD_DIR unless
# set) and run the tests there, those that load LibTorch too. Outside CI.
# Further arguments go to ctest (e.g. -R serve). Environment: BUILD_DIR
# (default build), WM_WERROR=ON to fail on warnings.
set -euo pipefail
cd "$(dirname "$0")/.."

setup=1
sanitize=0
ctest_args=()
for argument in "$@"; do
  case "$argument" in
    --no-setup) setup=0 ;;
    --sanitize) sanitize=1 ;;
    *) ctest_args+=("$argument") ;;
  esac
done
[ "$setup" -eq 1 ] && tools/setup.sh

if [ "$sanitize" -eq 1 ]; then
  export BUILD_DIR="${BUILD_DIR:-build-sanitize}"
  # LibTorch, OpenBLAS and gRPC keep process-lifetime caches that LeakSanitizer
  # reports as leaks: report memory errors and undefined behaviour only.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:detect_odr_violation=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
# shellcheck source=tools/lib.sh
source tools/lib.sh
if [ "$sanitize" -eq 1 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DWM_SANITIZE=address,undefined \
    -DWM_BUILD_BENCH=OFF >/dev/null
fi
wm_build  # every target
cd "$BUILD_DIR"
ctest -j2 --timeout 300 --output-on-failure "${ctest_args[@]+"${ctest_args[@]}"}"
# Full runs: a real one-node Slurm runs deploy/'s gen array, merge and
# distributed training through sbatch (tools/slurm_smoke.sh, ~30 s, root).
if [ "$sanitize" -eq 0 ] && [ ${#ctest_args[@]} -eq 0 ]; then "$OLDPWD/tools/slurm_smoke.sh" --no-build; fi
