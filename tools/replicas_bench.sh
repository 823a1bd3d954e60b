#!/usr/bin/env bash
# Replicated serving measured (not CI): two `wm serve` replicas on the
# checked-in slide models, 32 closed-loop Predict clients (the Python client,
# one channel over both addresses), one replica SIGKILLed halfway. Prints
# and writes OUT/load.json: calls, failed calls, each replica's calls before
# the kill and their shares (even within 10% is the target), and the latency
# p99 overall and during the failover (calls in flight at the kill or
# started in the second after it).
#
#   tools/replicas_bench.sh [--seconds 20] [--clients 32] [--out DIR] [--no-build]
#
# Exits non-zero when a call failed or a share is off 50% by more than 5
# points (10% of an even share).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

seconds=20
clients=32
out=replicas_out
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "replicas_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=tools/lib.sh
source tools/lib.sh
[ "$build" -eq 1 ] && { wm_build wm wm_python_client >/dev/null || exit 1; }
mkdir -p "$out"
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
stop_replicas() { kill -9 "${pids[@]}" 2>/dev/null; }
trap stop_replicas EXIT
addresses=()
metrics=()
for name in a b; do
  "$WM" serve --models tests/data/checkpoints --port 0 --metrics_port=-1 \
    >"$out/$name.out" 2>"$out/$name.log" &
  pids+=($!)
  disown "$!"  # its SIGKILL is the point: no "Killed" notice
  for _ in $(seq 300); do
    grep -q '^listening on' "$out/$name.out" && break
    sleep 0.1
  done
  addresses+=("$(sed -n 's/^listening on //p' "$out/$name.out")")
  metrics+=("$(sed -n 's/^metrics on //p' "$out/$name.out")")
  [ -n "${addresses[-1]}" ] || { cat "$out/$name.log" >&2; exit 1; }
done
wm_stage "$clients clients for $seconds s on ${addresses[0]},${addresses[1]}; SIGKILL of the first at $((seconds / 2)) s"
/usr/bin/python3 tools/replica_load.py \
  --server "${addresses[0]},${addresses[1]}" \
  --metrics "${metrics[0]},${metrics[1]}" \
  --request tests/data/checkpoints/slide_blackbox.request.json \
  --clients "$clients" --seconds "$seconds" --kill_pid "${pids[0]}" \
  --kill_after "$(awk "BEGIN {print $seconds / 2}")" --json "$out/load.json" \
  >/dev/null
code=$?
/usr/bin/python3 - "$out/load.json" <<'PY' || code=1
import json, sys
s = json.load(open(sys.argv[1]))
print(f"calls {s['calls']}, failed {s['failed']}")
print(f"split before the kill: {s['replica_calls_before_kill']} "
      f"(shares {s['replica_shares']})")
print(f"latency p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, max {s['max_ms']} ms")
print(f"failover ({s['failover_calls']} calls): p99 {s['failover_p99_ms']} ms, "
      f"max {s['failover_max_ms']} ms")
sys.exit(0 if s["failed"] == 0 and
         all(abs(share - 0.5) <= 0.05 for share in s["replica_shares"]) else 1)
PY
exit "$code"
