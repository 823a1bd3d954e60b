"""The Python serving peer: the grpcio + python3-torch server a user would
otherwise write around one `blackbox` checkpoint, for the serving benchmark.

Usage:
  /usr/bin/python3 bench/serving_peer.py --model MODELS/NAME/N [--port 0]
      [--host 127.0.0.1] [--workers 2]
MODELS/NAME (no version) serves its largest integer version. Serves
wm.v1.WorldModelService's Predict and Rollout (and a minimal ListModels and
GetModelInfo; InferParameters answers FAILED_PRECONDITION, as C++ does for
blackbox) and prints `listening on 127.0.0.1:PORT` on stdout once ready;
SIGINT / SIGTERM stop it with exit 0. Context (history or parameters) is
accepted and ignored: blackbox models read none. The forward pass is
serving_peer_model.py's (the C++ LearnedModel's, op for op), under
torch.inference_mode() on one intra-op thread.
"""

import argparse
import os
import signal
from concurrent import futures

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import grpc  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from serving_peer_model import BlackboxEnsemble, resolve_version_dir  # noqa: E402
from wm.v1 import service_pb2, service_pb2_grpc  # noqa: E402


# --- gRPC ------------------------------------------------------------------

def to_torch(tensor):
    shape = tuple(tensor.shape)
    return torch.from_numpy(
        np.fromiter(tensor.data, np.float32, len(tensor.data))).reshape(shape)


def fill(out, tensor):
    out.shape.extend(tensor.shape)
    out.data.extend(tensor.reshape(-1).tolist())


class Servicer(service_pb2_grpc.WorldModelServiceServicer):
    def __init__(self, model, version):
        self.model = model
        self.name = model.manifest.name
        self.version = version

    def _resolve(self, spec, context):
        if spec.name != self.name or spec.version not in (0, self.version):
            context.abort(grpc.StatusCode.NOT_FOUND,
                          f"no model {spec.name} version {spec.version}")

    def _input(self, context, field, proto, shape):
        """The request tensor `field` as torch, or INVALID_ARGUMENT unless it
        has `shape` (None: any size) and finite values."""
        size = int(np.prod(proto.shape)) if len(proto.shape) else -1
        ok = len(proto.shape) == len(shape) and size == len(proto.data) and all(
            e is None or e == s for e, s in zip(shape, proto.shape))
        tensor = to_torch(proto) if ok else None
        if not ok or not torch.isfinite(tensor).all():
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          f"{field}: shape {list(proto.shape)} with "
                          f"{len(proto.data)} values, expected {list(shape)}, finite")
        return tensor

    def ListModels(self, request, context):
        response = service_pb2.ListModelsResponse()
        response.models.add(name=self.name, versions=[self.version],
                            default_version=self.version)
        return response

    def GetModelInfo(self, request, context):
        self._resolve(request.model, context)
        m = self.model.manifest
        info = service_pb2.ModelInfo(kind=m.kind, dt=m.dt,
                                     ensemble_size=len(self.model.members))
        info.model.name, info.model.version = self.name, self.version
        info.spec.CopyFrom(m.spec)
        info.parameters.extend(m.parameters)
        info.metrics.update(dict(m.metrics))
        return info

    def Predict(self, request, context):
        self._resolve(request.model, context)
        nx, nu = self.model.ops.nq + self.model.ops.nv, self.model.manifest.spec.nu
        with torch.inference_mode():
            states = self._input(context, "states", request.states, (None, nx))
            actions = self._input(context, "actions", request.actions,
                                  (states.shape[0], nu))
            return self._answer(service_pb2.PredictResponse, request.per_member,
                                *self.model.predict(states, actions))

    def Rollout(self, request, context):
        self._resolve(request.model, context)
        nx, nu = self.model.ops.nq + self.model.ops.nv, self.model.manifest.spec.nu
        with torch.inference_mode():
            actions = self._input(context, "actions", request.actions, (None, None, nu))
            initial = self._input(context, "initial_states", request.initial_states,
                                  (None, nx))
            if initial.shape[0] not in (1, actions.shape[0]) or actions.shape[1] < 1:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              "initial_states must be [1 or N, nx], H >= 1")
            return self._answer(service_pb2.RolloutResponse, request.per_member,
                                *self.model.rollout(initial, actions))

    def _answer(self, response_type, per_member, mean, epistemic, aleatoric,
                members):
        """A Predict or Rollout response naming the served version."""
        response = response_type(model=service_pb2.ModelSpec(
            name=self.name, version=self.version))
        fill(response.mean, mean)
        fill(response.epistemic_std, epistemic)
        fill(response.aleatoric_std, aleatoric)
        if per_member:
            fill(response.member_mean, members)
        return response

    def InferParameters(self, request, context):
        self._resolve(request.model, context)
        context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                      "a blackbox model infers no physical parameters")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="MODELS/NAME[/N]")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--workers", type=int, default=2, help="handler threads")
    parser.add_argument("--max_message_bytes", type=int, default=64 << 20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    version_dir = resolve_version_dir(args.model.rstrip("/"))
    model = BlackboxEnsemble(version_dir)
    version = int(os.path.basename(version_dir))
    options = [("grpc.max_send_message_length", args.max_message_bytes),
               ("grpc.max_receive_message_length", args.max_message_bytes)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers),
                         options=options)
    service_pb2_grpc.add_WorldModelServiceServicer_to_server(
        Servicer(model, version), server)
    port = server.add_insecure_port(f"{args.host}:{args.port}")
    server.start()
    # SIGINT / SIGTERM: stop accepting, give in-flight calls 1 s, exit 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.stop(grace=1.0))
    print(f"listening on {args.host}:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
