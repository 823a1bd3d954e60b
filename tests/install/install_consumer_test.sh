#!/usr/bin/env bash
# The installed CMake package from another project: `cmake --install` of the
# build tree into a temporary prefix, whose bin/wm reports its version; then
# tests/install/consumer (find_package(wm), wm::client) configured and built
# against that prefix alone, and run against the installed `wm serve` on an
# ephemeral loopback port (a mujoco model of the slide scene, written from a
# one-episode dataset's embedded scene): it must pin the model, get a finite
# [1, nx] Predict answer, and fail with the server's NOT_FOUND for a model
# that is not served.
# Usage: install_consumer_test.sh BUILD_DIR SOURCE_DIR VERSION
set -uo pipefail
BUILD="$1"
SOURCE="$2"
VERSION="$3"
source "$SOURCE/tests/tools/cli_test_lib.sh"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures checks failed"
    exit 1
  fi
  echo "all install checks passed"
  exit 0
}

PREFIX="$WORK/prefix"
cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 \
  || { fail "cmake --install: $(tail -5 "$WORK/install.log")"; finish; }
WM="$PREFIX/bin/wm"
[ "$("$WM" --version | cut -d' ' -f1-2)" = "wm $VERSION" ] \
  || fail "installed wm --version: $("$WM" --version)"
for file in lib/cmake/wm/wmConfig.cmake lib/cmake/wm/wmConfigVersion.cmake \
  lib/cmake/wm/wmTargets.cmake include/wm/services/client/remote_world_model.h \
  include/wm/wm/v1/service.grpc.pb.h share/wm/configs/scenes/push.pbtxt \
  share/wm/data/real/cube_toss lib/systemd/system/wm-serve.service; do
  [ -e "$PREFIX/$file" ] || fail "not installed: $file"
done

# The consumer sees only the prefix: no path into the source or build tree.
if ! cmake -S "$SOURCE/tests/install/consumer" -B "$WORK/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release \
  >"$WORK/configure.log" 2>&1; then
  fail "configuring the consumer: $(tail -20 "$WORK/configure.log")"
  finish
fi
if grep -rq -e "$SOURCE" -e "$(cd "$BUILD" && pwd)" "$PREFIX/lib/cmake/wm"; then
  fail "the installed CMake package names the source or build tree"
fi
if ! cmake --build "$WORK/consumer" >"$WORK/build.log" 2>&1; then
  fail "building the consumer: $(tail -20 "$WORK/build.log")"
  finish
fi

"$WM" gen --scene slide --episodes 1 --steps 5 --seed 1 --workers 1 \
  --out "$WORK/data" >/dev/null 2>&1 || fail "gen"
mkdir -p "$WORK/models/slide/1"
{
  printf 'name: "slide"\nversion: 1\nkind: "mujoco"\n'
  sed -n '/^scene {$/,/^}$/p' "$WORK/data/manifest.pbtxt"
} >"$WORK/models/slide/1/manifest.pbtxt"

"$WM" serve --models "$WORK/models" --port 0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
TARGET=""
for _ in $(seq 300); do
  TARGET="$(sed -n 's/^listening on \([^ ]*\)$/\1/p' "$WORK/serve.out" | head -1)"
  [ -n "$TARGET" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$TARGET" ] || { fail "wm serve did not start: $(tail -5 "$WORK/serve.err")"; finish; }

if "$WORK/consumer/wm_consumer" "$TARGET" slide >"$WORK/consumer.out" 2>&1; then
  grep -q '^model slide v1 (mujoco), nx 8, nu 2$' "$WORK/consumer.out" \
    || fail "consumer: $(cat "$WORK/consumer.out")"
  grep -q '^predict mean \[1, 8\]$' "$WORK/consumer.out" \
    || fail "consumer printed no Predict: $(cat "$WORK/consumer.out")"
else
  fail "consumer exited non-zero: $(cat "$WORK/consumer.out")"
fi
expect_error "unknown model" "NOT_FOUND" -- "$WORK/consumer/wm_consumer" "$TARGET" no_such_model

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
code=$?
SERVER_PID=""
[ "$code" -eq 0 ] || fail "wm serve exited $code on SIGTERM"
finish
