"""Closed-loop Predict load on replicated `wm serve` through the Python
client's multi-address channel (round_robin, UNAVAILABLE retries), with an
optional SIGKILL of one replica mid-run (run with /usr/bin/python3; the
wm_client package on PYTHONPATH, as tools/lib.sh sets it).

  replica_load.py --server IP:PORT,IP:PORT --metrics URL,URL
                  --request PREDICT.json [--clients 32] [--seconds 6]
                  [--kill_pid PID --kill_after 3] --json OUT

Each of --clients threads calls Predict (the request file's model, states,
actions and history) as fast as it answers. Just before the kill (or at the
end) it reads each replica's wm_calls_total{method="Predict",code="OK"} from
its --metrics page: the split of calls between the replicas. Writes to
--json: calls, failed (and the first failures), per-replica counts and
shares, latency p50/p99/max overall and in the failover window (calls
in flight at the kill or started in the second after it). Exits 1 when a
call failed.
"""

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.request

import numpy as np

from wm_client import WorldModelClient, WorldModelError

_PREDICT_OK = re.compile(
    r'^wm_calls_total\{method="Predict",code="OK"\} (\d+)', re.M)


def predict_ok(url):
    """Successful Predict calls a replica's /metrics page counts."""
    with urllib.request.urlopen(url, timeout=5) as page:
        match = _PREDICT_OK.search(page.read().decode())
    return int(match.group(1)) if match else 0


def array(tensor):
    """A proto3-JSON wm.v1.Tensor as a float32 array."""
    return np.asarray(tensor["data"], np.float32).reshape(
        [int(d) for d in tensor["shape"]])


def percentile(values, q):
    """The q-th percentile in milliseconds, None when empty."""
    return round(float(np.percentile(values, q)) * 1e3, 2) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--request", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--kill_pid", type=int, default=0)
    parser.add_argument("--kill_after", type=float, default=3)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    with open(args.request) as file:
        request = json.load(file)
    model = request["model"]["name"]
    states, actions = array(request["states"]), array(request["actions"])
    context = request.get("context", {})
    history = {}
    if "history_states" in context:
        history = {"history_states": array(context["history_states"]),
                   "history_actions": array(context["history_actions"])}
    metrics = args.metrics.split(",")
    client = WorldModelClient(args.server, timeout=30)
    start_counts = [predict_ok(url) for url in metrics]

    lock = threading.Lock()
    records = []  # (start, seconds)
    failures = []
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            begin = time.monotonic()
            try:
                client.predict(model, states, actions, **history)
            except WorldModelError as error:
                with lock:
                    failures.append(f"{error.code.name}: {error.message}")
                continue
            with lock:
                records.append((begin, time.monotonic() - begin))

    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    kill_time = None
    if args.kill_pid:
        time.sleep(args.kill_after)
        counts = [predict_ok(url) - c for url, c in zip(metrics, start_counts)]
        kill_time = time.monotonic()
        os.kill(args.kill_pid, signal.SIGKILL)
        time.sleep(max(0.0, args.seconds - args.kill_after))
    else:
        time.sleep(args.seconds)
        counts = [predict_ok(url) - c for url, c in zip(metrics, start_counts)]
    stop.set()
    for thread in threads:
        thread.join()
    client.close()

    latencies = [seconds for _, seconds in records]
    window = [seconds for begin, seconds in records
              if kill_time is not None and begin < kill_time + 1
              and begin + seconds >= kill_time]
    total = sum(counts)
    summary = {
        "clients": args.clients,
        "seconds": round(time.monotonic() - t0, 2),
        "calls": len(records) + len(failures),
        "failed": len(failures),
        "first_failures": failures[:5],
        "replica_calls_before_kill": counts,
        "replica_shares": [round(c / total, 3) if total else 0
                           for c in counts],
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": percentile(latencies, 100),
        "failover_calls": len(window),
        "failover_p99_ms": percentile(window, 99),
        "failover_max_ms": percentile(window, 100),
    }
    with open(args.json, "w") as out:
        json.dump(summary, out, indent=1)
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
