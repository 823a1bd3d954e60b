# The shared parts of the scripts in tools/ (source it from the repository
# root; bash). Sets BUILD_DIR (default build/) and WM, the absolute path of
# its bin/wm, and puts its python/ (the installed Python client) on
# PYTHONPATH. Functions:
#   wm_build [TARGET...]  configures $BUILD_DIR (Ninja, RelWithDebInfo,
#                         WM_WERROR from the environment) and builds the
#                         targets (all when none), -j2.
#   wm_stage TEXT...      prints a stage header with the time.
#   wm_serve_start MODELS OUT [ARGS...]
#                         starts `wm serve --models MODELS --port 0 ARGS` in
#                         the background (stdout OUT/serve.out, stderr
#                         OUT/serve.log), waits until it listens (30 s), and
#                         sets SERVE_PID, ADDRESS and METRICS; the server is
#                         killed if the script exits early.
#   wm_serve_stop         SIGTERM to the server, then waits for its drain.
# shellcheck shell=bash disable=SC2034,SC2120  # sets variables for the caller; optional arguments

# ccache hits across checkouts at different paths (CI clones elsewhere). No
# thread variables: wm sets its own threads (wm doctor prints them).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

BUILD_DIR="${BUILD_DIR:-build}"
case "$BUILD_DIR" in
  /*) WM="$BUILD_DIR/bin/wm" ;;
  *) WM="$PWD/$BUILD_DIR/bin/wm" ;;
esac
# The Python client as the build installs it (target wm_python_client), for
# the Python scripts the tools run.
export PYTHONPATH="${WM%/bin/wm}/python${PYTHONPATH:+:$PYTHONPATH}"

wm_build() {
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWM_WERROR="${WM_WERROR:-OFF}" >/dev/null
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake --build "$BUILD_DIR" -j2 "${targets[@]}"
}

wm_stage() { echo; echo "== $* ($(date +%T))"; }

wm_serve_start() {
  local models="$1" out="$2"
  shift 2
  "$WM" serve --models "$models" --port 0 "$@" >"$out/serve.out" \
    2>"$out/serve.log" &
  SERVE_PID=$!
  trap 'kill "$SERVE_PID" 2>/dev/null || true' EXIT
  local _
  for _ in $(seq 300); do
    grep -q '^listening on' "$out/serve.out" && break
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$out/serve.log" >&2; exit 1; }
    sleep 0.1
  done
  ADDRESS="$(sed -n 's/^listening on //p' "$out/serve.out")"
  METRICS="$(sed -n 's/^metrics on //p' "$out/serve.out")"
  [ -n "$ADDRESS" ] || { echo "wm serve did not start" >&2; exit 1; }
}

wm_serve_stop() {
  kill -TERM "$SERVE_PID"
  wait "$SERVE_PID"
  trap - EXIT
}
