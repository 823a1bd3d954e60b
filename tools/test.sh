#!/usr/bin/env bash
# Builds wm and runs every test: setup (installs missing packages), configure,
# build with Ninja at -j2, then ctest. Usage: tools/test.sh [--no-setup]
# Environment: BUILD_DIR (default build), WM_WERROR=ON to fail on warnings.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-setup" ]; then
  tools/setup.sh
fi

# shellcheck source=tools/lib.sh
source tools/lib.sh
wm_build  # every target
cd "$BUILD_DIR"
ctest -j2 --timeout 300 --output-on-failure
