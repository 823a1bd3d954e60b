"""The load generator of tools/soak.sh (run with /usr/bin/python3).

  soak_load.py --server HOST:PORT --models A,B --phase capacity|soak|overload
               --seconds S [--clients 32] [--rate CALLS_PER_S] --json OUT

Phases:
  capacity  32 clients call as fast as they can (closed loop); prints the
            calls per second answered.
  soak      32 clients share a paced rate (--rate) of mixed calls: Predict,
            Rollout, Plan and InferParameters on both models, and 5%
            malformed requests (a NaN state, which must be INVALID_ARGUMENT).
            Records per-method latency and every failed well-formed call.
  overload  fires Predict calls asynchronously at --rate without waiting:
            expects RESOURCE_EXHAUSTED for some, and no other failure than
            that or DEADLINE_EXCEEDED.
Writes a JSON summary to --json.
"""

import argparse
import json
import math
import random
import threading
import time

import grpc
import numpy as np

from wm_client.tensors import to_tensor
from wm.v1 import service_pb2, service_pb2_grpc

NX, NU = 8, 2  # the slide scene: 4 joints, fx and fy


def predict_request(model, bad=False):
    states = np.zeros((4, NX), np.float32)
    states[:, 4] = np.linspace(0.1, 0.8, 4)
    if bad:
        states[1, 2] = np.nan
    actions = np.tile(np.array([[5.0, -2.0]], np.float32), (4, 1))
    request = service_pb2.PredictRequest(states=to_tensor(states),
                                         actions=to_tensor(actions))
    request.model.name = model
    return request


def rollout_request(model):
    actions = np.random.uniform(-10, 10, (8, 20, NU)).astype(np.float32)
    request = service_pb2.RolloutRequest(
        initial_states=to_tensor(np.zeros((1, NX), np.float32)),
        actions=to_tensor(actions))
    request.model.name = model
    return request


def plan_request(model):
    request = service_pb2.PlanRequest(
        state=to_tensor(np.zeros((NX,), np.float32)))
    request.model.name = model
    request.task.position_joints.extend(["box_x", "box_y"])
    request.task.goal_x = 0.2
    request.planner.samples = 32
    request.planner.horizon = 10
    request.planner.iterations = 1
    request.planner.threads = 1
    return request


def infer_request(model):
    states = np.zeros((1, 21, NX), np.float32)
    states[0, :, 4] = np.linspace(1.0, 0.5, 21)
    states[0, :, 0] = np.cumsum(states[0, :, 4]) * 0.02
    request = service_pb2.InferParametersRequest()
    request.model.name = model
    request.context.history_states.CopyFrom(to_tensor(states))
    request.context.history_actions.CopyFrom(
        to_tensor(np.zeros((1, 20, NU), np.float32)))
    return request


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {}
        self.failed = []
        self.codes = {}
        self.malformed_wrong = 0

    def record(self, method, seconds, code, well_formed, message="",
               shed_ok=False):
        with self.lock:
            self.latency.setdefault(method, []).append(seconds)
            self.codes[code.name] = self.codes.get(code.name, 0) + 1
            if shed_ok and code in (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                    grpc.StatusCode.DEADLINE_EXCEEDED):
                return  # shedding load is the expected answer to overload
            if well_formed and code != grpc.StatusCode.OK:
                self.failed.append(f"{method}: {code.name}: {message}"[:300])
            if not well_formed and code != grpc.StatusCode.INVALID_ARGUMENT:
                self.malformed_wrong += 1

    def summary(self, seconds):
        calls = sum(len(v) for v in self.latency.values())
        per_method = {}
        for method, values in sorted(self.latency.items()):
            values = sorted(values)
            pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
            per_method[method] = {"calls": len(values),
                                  "p50_ms": 1e3 * pick(0.5),
                                  "p99_ms": 1e3 * pick(0.99)}
        return {"calls": calls, "calls_per_s": calls / seconds,
                "per_method": per_method, "codes": self.codes,
                "failed_well_formed": len(self.failed),
                "failures": self.failed[:20],
                "malformed_answered_wrongly": self.malformed_wrong}


def call(stub, recorder, models, inferring, rng):
    model = rng.choice(models)
    roll = rng.random()
    well_formed = True
    if roll < 0.05:
        method, request, well_formed = "Predict", predict_request(model, True), False
    elif roll < 0.45:
        method, request = "Predict", predict_request(model)
    elif roll < 0.75:
        method, request = "Rollout", rollout_request(model)
    elif roll < 0.90:
        method, request = "Plan", plan_request(model)
    else:
        method, request = "InferParameters", infer_request(inferring)
    start = time.monotonic()
    try:
        getattr(stub, method)(request, timeout=30)
        code, message = grpc.StatusCode.OK, ""
    except grpc.RpcError as error:
        code, message = error.code(), error.details()
    recorder.record(method, time.monotonic() - start, code, well_formed,
                    message)


def closed_loop(stub, args, recorder, deadline, interval):
    rng = random.Random(threading.get_ident())
    models = args.models.split(",")
    next_time = time.monotonic()
    while time.monotonic() < deadline:
        if interval > 0:
            next_time += interval
            pause = next_time - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        call(stub, recorder, models, models[0], rng)


def overload(stub, args, recorder, deadline):
    futures = []
    period = 1.0 / args.rate
    next_time = time.monotonic()
    models = args.models.split(",")
    while time.monotonic() < deadline:
        request = predict_request(models[len(futures) % len(models)])
        futures.append((time.monotonic(),
                        stub.Predict.future(request, timeout=10)))
        next_time += period
        pause = next_time - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    for start, future in futures:
        try:
            future.result()
            code, message = grpc.StatusCode.OK, ""
        except grpc.RpcError as error:
            code, message = error.code(), error.details()
        recorder.record("Predict", time.monotonic() - start, code, True,
                        message, shed_ok=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--phase", required=True,
                        choices=["capacity", "soak", "overload"])
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    channel = grpc.insecure_channel(args.server, options=[
        ("grpc.max_receive_message_length", 64 << 20)])
    stub = service_pb2_grpc.WorldModelServiceStub(channel)
    recorder = Recorder()
    start = time.monotonic()
    deadline = start + args.seconds
    if args.phase == "overload":
        overload(stub, args, recorder, deadline)
    else:
        interval = args.clients / args.rate if args.rate > 0 else 0
        threads = [threading.Thread(target=closed_loop,
                                    args=(stub, args, recorder, deadline,
                                          interval))
                   for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    summary = recorder.summary(time.monotonic() - start)
    with open(args.json, "w") as out:
        json.dump(summary, out, indent=1, allow_nan=False)
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}))


if __name__ == "__main__":
    main()
