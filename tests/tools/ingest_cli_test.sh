#!/usr/bin/env bash
# `wm ingest`, `wm upload` and `wm serve --ingest_store` end to end: push CSV
# logs (simulated by wm gen, written by push_csv_logs.py) uploaded twice are
# stored once with their exact samples, a log with a NaN is refused by name,
# the metrics page counts chunks, the Python IngestClient uploads and is
# refused as the C++ one, and `wm inspect` reads the store.
# Usage: ingest_cli_test.sh WM_BINARY SOURCE_DIR PYTHON_SITE
set -uo pipefail
WM="$1"
SOURCE="$2"
export PYTHONPATH="$3${PYTHONPATH:+:$PYTHONPATH}"
source "$SOURCE/tests/tools/cli_test_lib.sh"
PID=""
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

# start CMD...: runs a server in the background (PID), sets ADDRESS and
# METRICS from its output.
start() {
  : >"$WORK/server.out"  # not left to the child: an old line could be read
  "$@" >"$WORK/server.out" 2>"$WORK/server.err" &
  PID=$!
  ADDRESS=""
  for _ in $(seq 300); do
    ADDRESS="$(sed -n 's/^listening on //p' "$WORK/server.out")"
    [ -n "$ADDRESS" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$ADDRESS" ] || { cat "$WORK/server.err"; exit 1; }
  METRICS="$(sed -n 's/^metrics on //p' "$WORK/server.out")"
}
stop() { kill -TERM "$PID"; wait "$PID"; PID=""; }

"$WM" gen --scene push --episodes 4 --steps 300 --seed 3 --out "$WORK/gen" \
  >/dev/null 2>&1 || { echo "wm gen failed"; exit 1; }
/usr/bin/python3 "$SOURCE/tests/tools/push_csv_logs.py" "$WORK/gen" \
  "$WORK/logs/robot7" || exit 1
sed '5s/^\([^,]*\),[^,]*,/\1,nan,/' "$WORK/logs/robot7/episode_00000.csv" \
  >"$WORK/logs/robot7/zz_bad.csv"

start "$WM" ingest --store "$WORK/store" --scene push --port 0 --metrics_port=-1
"$WM" upload --server "$ADDRESS" --preset push --in "$WORK/logs/robot7" \
  >"$WORK/first.txt" 2>&1 || fail "the first upload failed: $(cat "$WORK/first.txt")"
grep -q "uploaded 4 files (1 refused): 4 episodes, 1200 transitions, 8 chunks stored, 0 already stored" \
  "$WORK/first.txt" || fail "first upload: $(tail -1 "$WORK/first.txt")"
grep -q "zz_bad.csv: refused: zz_bad.csv:5: qpos\[0\] (column 'box_x') is NaN" \
  "$WORK/first.txt" || fail "the NaN log is not refused by name: $(cat "$WORK/first.txt")"
"$WM" upload --server "$ADDRESS" --preset push --in "$WORK/logs/robot7" \
  >"$WORK/second.txt" 2>&1 || fail "the second upload failed"
grep -q "8 chunks already stored\|0 chunks stored, 8 already stored" "$WORK/second.txt" ||
  fail "second upload: $(tail -1 "$WORK/second.txt")"
page="$(/usr/bin/python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$METRICS")"
grep -q 'wm_ingest_chunks_total{result="stored"} 8' <<<"$page" ||
  fail "metrics: $page"
grep -q 'wm_ingest_chunks_total{result="duplicate"} 8' <<<"$page" ||
  fail "metrics: $page"
/usr/bin/python3 "$SOURCE/tests/clients/python_ingest_checks.py" "$ADDRESS" \
  "$WORK/store" || fail "the Python ingest checks"
stop

# The store is a dataset: 5 episodes, the logs' samples exactly.
"$WM" inspect "$WORK/store" >"$WORK/inspect.txt" 2>&1 || fail "wm inspect"
grep -q "episodes 5 (0 dropped), transitions 1499" "$WORK/inspect.txt" ||
  fail "inspect: $(grep episodes "$WORK/inspect.txt")"
/usr/bin/python3 - "$WORK" <<'PY' || fail "stored samples differ from the logs"
import sys, h5py, numpy as np
work = sys.argv[1]
with h5py.File(f"{work}/gen/shard_00000.h5") as gen, \
        h5py.File(f"{work}/store/shard_00000.h5") as store:
    # exact but for the resampler's grid and quaternion renormalisation
    assert np.allclose(gen["qpos"][:1204], store["qpos"][:1204], rtol=0, atol=1e-9)
    assert np.allclose(gen["ctrl"][:1200], store["ctrl"][:1200], rtol=0, atol=1e-9)
PY

# wm serve --ingest_store: the same service beside the models.
mkdir -p "$WORK/models" "$WORK/logs2"
cp -r "$WORK/logs/robot7" "$WORK/logs2/robot8" && rm "$WORK/logs2/robot8/zz_bad.csv"
start "$WM" serve --models "$WORK/models" --port 0 --ingest_store "$WORK/store"
"$WM" upload --server "$ADDRESS" --preset push --in "$WORK/logs2/robot8" \
  >"$WORK/third.txt" 2>&1 || fail "upload to wm serve: $(cat "$WORK/third.txt")"
grep -q "8 chunks stored, 0 already stored" "$WORK/third.txt" ||
  fail "upload to wm serve: $(tail -1 "$WORK/third.txt")"
stop
"$WM" inspect "$WORK/store" | grep -q "episodes 9 (0 dropped)" ||
  fail "after wm serve: $("$WM" inspect "$WORK/store" | grep episodes)"

[ "$failures" -eq 0 ] && echo "all ingest CLI checks passed" || exit 1
