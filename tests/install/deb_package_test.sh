#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` from the build tree, its control fields
# and contents, then `dpkg -x` into a temporary root and, from a directory
# outside the source tree, the unpacked /usr/bin/wm: --version, doctor, gen
# with a built-in scene and with the packaged scene config, import of the
# packaged real data (found beside the binary), and `wm serve` with the
# systemd unit's own --config, drained by SIGTERM to exit 0.
# Usage: deb_package_test.sh BUILD_DIR SOURCE_DIR VERSION
set -uo pipefail
BUILD="$1"
SOURCE="$2"
VERSION="$3"
source "$SOURCE/tests/tools/cli_test_lib.sh"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
unset WM_REAL_DATA_DIR

finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures checks failed"
    exit 1
  fi
  echo "all package checks passed"
  exit 0
}

if ! cpack -G DEB -B "$WORK/package" --config "$BUILD/CPackConfig.cmake" \
  >"$WORK/cpack.log" 2>&1; then
  fail "cpack: $(tail -20 "$WORK/cpack.log")"
  finish
fi
DEB="$(ls "$WORK"/package/wm_"$VERSION"_*.deb 2>/dev/null)"
[ -f "$DEB" ] || { fail "no wm_${VERSION}_*.deb: $(ls "$WORK/package")"; finish; }
[ "$(dpkg-deb -f "$DEB" Package)" = wm ] || fail "Package: $(dpkg-deb -f "$DEB" Package)"
[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] || fail "Version: $(dpkg-deb -f "$DEB" Version)"
dpkg-deb -f "$DEB" Depends | grep -q libtorch || fail "Depends lacks LibTorch: $(dpkg-deb -f "$DEB" Depends)"

ROOT="$WORK/root"
dpkg -x "$DEB" "$ROOT" || { fail "dpkg -x"; finish; }
for file in usr/bin/wm usr/lib/systemd/system/wm-serve.service \
  usr/share/wm/configs/scenes/slide.pbtxt usr/share/wm/configs/serve/default.pbtxt \
  usr/share/wm/data/real/cube_toss/tosses usr/share/wm/proto/wm/v1/service.proto \
  usr/lib/cmake/wm/wmConfig.cmake usr/lib/libwm_client.a \
  usr/include/wm/services/client/remote_world_model.h; do
  [ -e "$ROOT/$file" ] || fail "not in the package: $file"
done

WM="$ROOT/usr/bin/wm"
cd "$WORK" || exit 1
[ "$("$WM" --version | cut -d' ' -f1-2)" = "wm $VERSION" ] || fail "--version: $("$WM" --version)"
"$WM" doctor >doctor.out 2>&1 || fail "doctor: $(cat doctor.out)"
grep -q '^MuJoCo' doctor.out || fail "doctor printed no MuJoCo version: $(cat doctor.out)"

"$WM" gen --scene push --episodes 2 --steps 10 --seed 1 --workers 1 --out gen_push \
  >gen.out 2>&1 || fail "gen --scene push: $(tail -3 gen.out)"
grep -q '^wrote 2 episodes, 20 transitions' gen.out || fail "gen push: $(tail -3 gen.out)"
"$WM" gen --scene "$ROOT/usr/share/wm/configs/scenes/slide.pbtxt" --episodes 2 \
  --steps 10 --seed 1 --workers 1 --out gen_slide >gen.out 2>&1 \
  || fail "gen with the packaged slide config: $(tail -3 gen.out)"
[ -f gen_slide/manifest.pbtxt ] || fail "gen with the packaged slide config wrote no dataset"

"$WM" import --preset cube_toss --out toss >import.out 2>&1 \
  || fail "import of the packaged tosses: $(tail -3 import.out)"
grep -q "$ROOT/usr/share/wm/data/real" import.out \
  || fail "import did not read the packaged data/real: $(head -3 import.out)"

# The unit's command line, with a models directory of our own and port 0.
exec_start="$(sed -n 's/^ExecStart=//p' "$ROOT/usr/lib/systemd/system/wm-serve.service")"
read -r -a unit_argv <<<"$exec_start"
[ "${unit_argv[0]}" = /usr/bin/wm ] || fail "ExecStart runs ${unit_argv[0]}"
config="$(sed -n 's/.*--config \([^ ]*\).*/\1/p' <<<"$exec_start")"
[ -f "$ROOT$config" ] || fail "ExecStart's config $config is not in the package"
grep -q '^host: "127.0.0.1"' "$ROOT$config" || fail "$config does not listen on loopback"
grep -q '^DynamicUser=yes' "$ROOT/usr/lib/systemd/system/wm-serve.service" \
  || fail "the unit does not run as its own user"
mkdir models
"$WM" serve --models models --config "$ROOT$config" --port 0 >serve.out 2>serve.err &
SERVER_PID=$!
for _ in $(seq 300); do
  grep -q '^listening on 127.0.0.1:' serve.out && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q '^listening on 127.0.0.1:' serve.out || fail "serve: $(tail -3 serve.err)"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
code=$?
SERVER_PID=""
[ "$code" -eq 0 ] || fail "wm serve exited $code on SIGTERM: $(tail -3 serve.err)"
finish
