#!/usr/bin/env bash
# Replicated serving: two `wm serve` on one models directory, called through
# one multi-address target. The Python client's load (32 threads) loses no
# call when one replica is SIGKILLed mid-run, and both replicas served calls
# before; `wm query` (the C++ client) balances, fails over, and checks TLS
# against the first address's name. Usage: replicas_cli_test.sh WM_BINARY
# SOURCE_DIR (PYTHONPATH holds the installed wm_client).
# shellcheck disable=SC2154  # PID_x, ADDR_x, METRICS_x: set by start_replica
set -uo pipefail
WM="$1"
SOURCE="$2"
# shellcheck source=tests/tools/cli_test_lib.sh
source "$(dirname "$0")/cli_test_lib.sh"
PIDS=()
stop_replicas() { kill -9 "${PIDS[@]}" 2>/dev/null; rm -rf "$WORK"; }
trap stop_replicas EXIT
MODELS="$SOURCE/tests/data/checkpoints"
REQUEST="$MODELS/slide_blackbox.request.json"

# start_replica NAME [ARGS...]: a wm serve on a free port; sets PID_<NAME>,
# ADDR_<NAME> and METRICS_<NAME>.
start_replica() {
  local name="$1"
  shift
  "$WM" serve --models "$MODELS" --port 0 --metrics_port=-1 "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  local address=""
  for _ in $(seq 300); do
    address="$(sed -n 's/^listening on //p' "$WORK/$name.out")"
    [ -n "$address" ] && break
    sleep 0.1
  done
  [ -n "$address" ] || { fail "$name did not start: $(cat "$WORK/$name.err")"; exit 1; }
  printf -v "PID_$name" '%s' "$pid"
  printf -v "ADDR_$name" '%s' "$address"
  printf -v "METRICS_$name" '%s' "$(sed -n 's/^metrics on //p' "$WORK/$name.out")"
}

expect_error "host name in a list" "must be IP literals.*dns:///" -- \
  "$WM" query --server localhost:1,localhost:2 list
expect_error "empty entry" "empty address" -- \
  "$WM" query --server 127.0.0.1:1,,127.0.0.1:2 list
expect_error "mixed families" "IPv4 and IPv6" -- \
  "$WM" query --server "127.0.0.1:1,[::1]:2" list
expect_error "nobody listening on either" "UNAVAILABLE" -- \
  "$WM" query --server 127.0.0.1:1,127.0.0.1:2 --timeout 5 list

# The Python client reads --server values as the C++ client does.
/usr/bin/python3 - <<'PY' || fail "wm_client.channel.server_target"
from wm_client.channel import server_target
assert server_target("127.0.0.1:1") == ("127.0.0.1:1", "")
assert server_target("dns:///wm:1") == ("dns:///wm:1", "")
assert server_target("10.0.0.1:1, 10.0.0.2:2") == (
    "ipv4:10.0.0.1:1,10.0.0.2:2", "10.0.0.1")
assert server_target(["[::1]:1", "[::2]:2"]) == ("ipv6:[::1]:1,[::2]:2", "::1")
for bad in ("wm-a:1,wm-b:1", "10.0.0.1:1,", "10.0.0.1:1,[::1]:1",
            "10.0.0.1:1,10.0.0.2:0"):
    try:
        server_target(bad)
    except ValueError:
        continue
    raise AssertionError(f"{bad} accepted")
PY

start_replica a
start_replica b
SERVERS="$ADDR_a,$ADDR_b"
"$WM" query --server "$SERVERS" health | grep -q '"SERVING"' || fail "health"
"$WM" query --server "$SERVERS" list | grep -q '"slide_blackbox"' || fail "list"
"$WM" query --server "dns:///localhost:${ADDR_b##*:}" list \
  | grep -q '"slide_blackbox"' || fail "a dns:/// target"

/usr/bin/python3 "$SOURCE/tools/replica_load.py" --server "$SERVERS" \
  --metrics "$METRICS_a,$METRICS_b" --request "$REQUEST" --clients 32 \
  --seconds 5 --kill_pid "$PID_a" --kill_after 2.5 --json "$WORK/load.json" \
  >/dev/null || fail "load: $(cat "$WORK/load.json" 2>/dev/null)"
/usr/bin/python3 - "$WORK/load.json" <<'PY' || fail "load summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["calls"] > 0 and s["failed"] == 0, s
assert min(s["replica_calls_before_kill"]) > 0, s
PY

# After the kill the C++ client's round_robin skips the dead replica.
for _ in 1 2 3 4; do
  "$WM" query --server "$SERVERS" predict --request "$REQUEST" >/dev/null \
    || fail "predict with one replica dead"
done
expect_error "the dead replica alone" "UNAVAILABLE" -- \
  "$WM" query --server "$ADDR_a" --timeout 5 health

# TLS: one certificate naming 127.0.0.1 for both replicas.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl"
echo secret >"$WORK/token"
TLS=(--tls_cert "$WORK/cert.pem" --tls_key "$WORK/key.pem" --token_file "$WORK/token")
start_replica c "${TLS[@]}"
start_replica d "${TLS[@]}"
"$WM" query --server "$ADDR_c,$ADDR_d" --tls_ca "$WORK/cert.pem" \
  --token_file "$WORK/token" list | grep -q '"slide_blackbox"' \
  || fail "TLS over two addresses"
# The Kubernetes probe's form (deploy/wm-serve-k8s.yaml): the replica's own
# port by name, the certificate naming localhost; health needs no token.
"$WM" query --server "localhost:${ADDR_c##*:}" --tls_ca "$WORK/cert.pem" \
  --timeout 2 health | grep -q '"SERVING"' || fail "the probe's health check"
expect_error "TLS without the token" "UNAUTHENTICATED" -- \
  "$WM" query --server "$ADDR_c,$ADDR_d" --tls_ca "$WORK/cert.pem" list

[ "$failures" -eq 0 ] || { echo "$failures checks failed"; exit 1; }
echo "replicas balance and fail over"
