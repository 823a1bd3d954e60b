#!/usr/bin/env bash
# Durability of `wm ingest` under kill -9 (not CI at full size; the ctest
# ingest.crash runs --kills 3 --small). ROBOTS `wm upload` clients stream
# push CSV logs (episodes of several chunks), repeatedly, while the ingest
# process is killed with SIGKILL KILLS times at seeded random moments and
# restarted on the same port; the clients retry. At the end the store is
# checked: every episode a client saw acknowledged is stored, none twice,
# each with exactly the logged samples, and `wm inspect` reads the store.
#
#   tools/ingest_crash_test.sh [--kills N] [--seed S] [--out DIR] [--small]
#                              [--no-build]
#
# Defaults: 20 kills, seed 1, out ingest_crash_out/, 4 robots, each with 40
# directories (hard-linked copies, each a robot id of its own: fresh
# episodes for the store) of 6 logs of 600 steps (3 chunks each); --small:
# 2 robots x 3 directories x 2 logs. Exits non-zero on a lost or duplicated episode,
# a wrong sample or an unreadable store.
set -uo pipefail
cd "$(dirname "$0")/.."

kills=20
seed=1
out=ingest_crash_out
build=1
robots=4
parts=40
logs=6
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --small) robots=2; parts=3; logs=2; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "ingest_crash_test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=tools/lib.sh
source tools/lib.sh
[ "$build" -eq 1 ] && wm_build wm >/dev/null
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
RANDOM="$seed"

wm_stage "logs: $robots robots x $parts directories x $logs push episodes of 600 steps"
"$WM" gen --scene push --episodes $((robots * logs)) --steps 600 \
  --seed "$seed" --out "$out/gen" >/dev/null 2>&1 || exit 1
for r in $(seq "$robots"); do
  /usr/bin/python3 tests/tools/push_csv_logs.py "$out/gen" \
    "$out/logs/r${r}p1" --first $(((r - 1) * logs)) --count "$logs" || exit 1
  for p in $(seq 2 "$parts"); do cp -al "$out/logs/r${r}p1" "$out/logs/r${r}p$p"; done
done

INGEST_PID=""
PORT=0
# start_ingest: starts `wm ingest` (on $PORT once known) and waits until it
# listens; sets INGEST_PID and PORT.
start_ingest() {
  # Emptied here, not by the child's redirection (which may come after the
  # first look), so an earlier run's `listening on` is never read.
  : >"$out/ingest.out"
  "$WM" ingest --store "$out/store" --scene push --port "$PORT" \
    >"$out/ingest.out" 2>>"$out/ingest.log" &
  INGEST_PID=$!
  local _
  for _ in $(seq 1200); do
    grep -q '^listening on' "$out/ingest.out" 2>/dev/null && break
    case "$(ps -o stat= -p "$INGEST_PID" 2>/dev/null)" in
      "" | Z*) tail -5 "$out/ingest.log"; exit 1 ;;
    esac
    sleep 0.05
  done
  PORT="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out/ingest.out")"
  [ -n "$PORT" ] || { echo "wm ingest did not listen within 60 s" >&2; tail -5 "$out/ingest.log"; exit 1; }
}
trap '[ -n "$INGEST_PID" ] && kill -9 "$INGEST_PID" 2>/dev/null; kill $(jobs -p) 2>/dev/null' EXIT
start_ingest

wm_stage "uploads under $kills kills (seed $seed)"
# Each robot uploads its directories in turn, and again (duplicates) until
# the kills are over, then once more; the acknowledged files go to
# acks/robotR.
mkdir -p "$out/acks"
uploaders=()
for r in $(seq "$robots"); do
  (
    while :; do
      done_before=0
      [ -f "$out/kills_done" ] && done_before=1
      for p in $(seq "$parts"); do
        "$WM" upload --server "127.0.0.1:$PORT" --preset push \
          --in "$out/logs/r${r}p$p" >>"$out/acks/robot$r" 2>>"$out/upload.log"
      done
      [ "$done_before" -eq 1 ] && break
    done
  ) &
  uploaders+=($!)
done
# journal_bytes: the size of the newest journal segment.
journal_bytes() {
  local newest
  newest="$(ls "$out/store/ingest"/journal_*.log 2>/dev/null | tail -1)"
  [ -n "$newest" ] && stat -c %s "$newest" 2>/dev/null || echo 0
}
hits=0
for k in $(seq "$kills"); do
  # Kill while uploads are flowing: once the journal grew since the start
  # (or after 2 s, when every log is stored and only duplicates flow).
  before="$(journal_bytes)"
  for _ in $(seq 40); do
    [ "$(journal_bytes)" -gt "$before" ] && break
    sleep 0.05
  done
  ms=$((RANDOM % 300))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -9 "$INGEST_PID" 2>/dev/null && hits=$((hits + 1))
  wait "$INGEST_PID" 2>/dev/null
  start_ingest
done
touch "$out/kills_done"
for pid in "${uploaders[@]}"; do wait "$pid"; done
kill -TERM "$INGEST_PID" && wait "$INGEST_PID"
INGEST_PID=""

wm_stage "check the store"
"$WM" inspect "$out/store" >"$out/inspect.txt" 2>&1 ||
  { echo "FAIL: wm inspect cannot read the store"; exit 1; }
/usr/bin/python3 - "$out" "$robots" <<'PY'
import csv, glob, os, re, sys
import h5py
import numpy as np

out, robots = sys.argv[1], int(sys.argv[2])
manifest = open(os.path.join(out, "store", "manifest.pbtxt")).read()
# proto text omits first_episode 0
keys = [(m.group(1), m.group(2) or "0") for m in re.finditer(
    r'imported_files \{\s*file: "([^"]+)"(?:\s*first_episode: (\d+))?', manifest)]
failures = []
stored = {}
for key, index in keys:
    if key in stored:
        failures.append(f"{key} stored twice (episodes {stored[key]} and {index})")
    stored[key] = int(index)
acked = set()
for r in range(1, robots + 1):
    for line in open(os.path.join(out, "acks", f"robot{r}")):
        m = re.match(r"(\S+): robot (\S+), 1 episodes \((\S+)\)", line)
        if m:
            acked.add((m.group(1), f"{m.group(2)}/{m.group(3)}"))
lost = [key for _, key in acked if key not in stored]
failures += [f"{key} acknowledged but not stored" for key in lost]
episodes = {}
for path in sorted(glob.glob(os.path.join(out, "store", "shard_*.h5"))):
    with h5py.File(path) as shard:
        so, idx = shard["state_offsets"][:], shard["episode_index"][:]
        qpos = shard["qpos"][:]
        for e, i in enumerate(idx):
            episodes[int(i)] = qpos[so[e]:so[e + 1]]
wrong = 0
for file, key in sorted(acked):
    if key not in stored:
        continue
    robot = key.split("/")[0]
    rows = np.loadtxt(os.path.join(out, "logs", robot, file), delimiter=",",
                      skiprows=1)
    saved = episodes.get(stored[key])
    if saved is None or saved.shape[0] != rows.shape[0] or \
            not np.allclose(saved, rows[:, 1:10], rtol=0, atol=1e-9):
        wrong += 1
        failures.append(f"{key}: stored samples differ from the log")
print(f"acknowledged {len(acked)} episodes, stored {len(stored)} "
      f"({len(set(stored))} distinct), lost {len(lost)}, wrong samples {wrong}")
for failure in failures[:20]:
    print("FAIL:", failure)
sys.exit(1 if failures or not acked else 0)
PY
status=$?
replays=$(grep -c 'replayed' "$out/ingest.log")
echo "ingest_crash_test: $hits of $kills kills hit a running wm ingest; $replays restarts replayed a journal"
[ "$status" -eq 0 ] && echo "ingest_crash_test: PASS" || echo "ingest_crash_test: FAIL"
exit "$status"
