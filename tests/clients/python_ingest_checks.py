"""The Python IngestClient against a live `wm ingest` (push store):
python_ingest_checks.py ADDRESS STORE_DIR. Exits non-zero on a failed
check."""
import sys

import grpc
import numpy as np

from wm_client import IngestClient, IngestError

address, store = sys.argv[1], sys.argv[2]
failures = []


def check(name, ok):
    if not ok:
        failures.append(name)
        print("FAIL:", name)


with IngestClient(address) as ingest:
    spec = ingest.spec_from_manifest(f"{store}/manifest.pbtxt")
    n, width = 300, spec.nq + spec.nv
    rng = np.random.default_rng(1)
    states = rng.uniform(-1, 1, (n, width))
    states[:, 3:7] = [1, 0, 0, 0]  # the box's quaternion, w first
    actions = rng.uniform(-1, 1, (n, spec.nu))
    times = 0.05 * np.arange(n)
    ack = ingest.upload_episode("pyrobot", "ep1", "push", 0.05, spec, times,
                                states, actions, params=[1.0, 0.5, 0.3])
    check("first upload stores 2 chunks", ack.chunks_stored == 2)
    check("first upload is complete", ack.complete)
    again = ingest.upload_episode("pyrobot", "ep1", "push", 0.05, spec,
                                  times, states, actions)
    check("second upload stores nothing",
          again.chunks_stored == 0 and again.chunks_duplicate == 2)
    states[7, 2] = np.nan
    try:
        ingest.upload_episode("pyrobot", "ep2", "push", 0.05, spec, times,
                              states, actions)
        check("a NaN state is refused", False)
    except IngestError as error:
        check("a NaN state is INVALID_ARGUMENT",
              error.code == grpc.StatusCode.INVALID_ARGUMENT)
        check("the refusal names the sample and entry",
              "chunk 0 sample:7: qpos[2]" in error.message)
print("python ingest checks:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
