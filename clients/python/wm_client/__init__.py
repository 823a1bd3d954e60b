"""A small typed Python client for the wm world-model service (wm.v1 gRPC).

    from wm_client import WorldModelClient
    with WorldModelClient("127.0.0.1:50051") as client:
        info = client.model_info("push")
        step = client.predict("push", info.zero_states(1), np.zeros((1, info.nu)))
        print(step.version, step.mean)  # [1, nx] next state

States are MuJoCo's [qpos (nq) | qvel (nv)] (nx = nq + nv) in SI units, unit
quaternions w first; actions are actuator controls in the units ModelInfo
lists; spreads are standard deviations in the 2 nv tangent space [position
change (rotation vectors for quaternions) | velocity]. Arrays go out as
float32 and come back as float32 numpy arrays. Every answer carries the model
version that produced it. Failures raise WorldModelError with the gRPC status
code (NOT_FOUND for an unknown model or version, INVALID_ARGUMENT for a bad
shape or value, RESOURCE_EXHAUSTED over the server's caps, UNAUTHENTICATED
without the right token).

The generated stubs are found through WM_PYTHON_STUBS or <repo>/build/python
(see _stubs.py). Thread-safe: one client may serve many threads.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import grpc
import numpy as np

from ._stubs import service_pb2, service_pb2_grpc, state_spec_pb2
from .tensors import from_tensor, to_tensor

__all__ = [
    "WorldModelClient", "WorldModelError", "ModelEntry", "ModelInfo",
    "Prediction", "Trajectory", "Parameter", "ParameterEstimate",
]


class WorldModelError(Exception):
    """A failed call: `code` is the grpc.StatusCode, `message` the server's
    explanation, `method` the RPC name."""

    def __init__(self, method: str, code: grpc.StatusCode, message: str):
        super().__init__(f"{method} failed: {code.name}: {message}")
        self.method = method
        self.code = code
        self.message = message


@dataclass
class ModelEntry:
    """A served model: its loaded versions (increasing) and the one version 0
    means."""
    name: str
    versions: List[int]
    default_version: int


@dataclass
class ModelInfo:
    """One model version's description. `spec` is the wm.v1.StateSpec message
    (joints with quaternion offsets and velocity frames, actuators with ctrl
    ranges and units); `parameters` maps physical parameter names
    ("box/mass") to SI units, in the order Context.parameters uses."""
    name: str
    version: int
    kind: str  # "mujoco", "physics", "blackbox", "hybrid", "contact"
    spec: state_spec_pb2.StateSpec
    dt: float  # seconds per Predict step
    parameters: Dict[str, str]
    metrics: Dict[str, float]
    ensemble_size: int

    @property
    def nq(self) -> int:
        return self.spec.nq

    @property
    def nv(self) -> int:
        return self.spec.nv

    @property
    def nu(self) -> int:
        return self.spec.nu

    @property
    def nx(self) -> int:
        return self.spec.nq + self.spec.nv

    @property
    def quaternion_offsets(self) -> List[int]:
        """qpos offsets of each quaternion's w entry."""
        return [j.quaternion_offset for j in self.spec.joints
                if j.quaternion_offset >= 0]

    def zero_states(self, batch: int) -> np.ndarray:
        """[batch, nx] zero states with identity quaternions (w = 1)."""
        states = np.zeros((batch, self.nx), dtype=np.float32)
        for offset in self.quaternion_offsets:
            states[:, offset] = 1.0
        return states


@dataclass
class Prediction:
    """One step ahead for B states. mean [B, nx]; epistemic_std and
    aleatoric_std [B, 2 nv]; member_mean [K, B, nx] when asked for.
    diverged_rows: the rows whose prediction diverged (an ensemble member ran
    away): their mean is the input state and their spreads saturate at 1e3."""
    name: str
    version: int
    mean: np.ndarray
    epistemic_std: np.ndarray
    aleatoric_std: np.ndarray
    member_mean: Optional[np.ndarray] = None
    diverged_rows: List[int] = field(default_factory=list)


@dataclass
class Trajectory:
    """N open-loop rollouts of H steps. mean [N, H + 1, nx] (step 0 is the
    initial state); epistemic_std and aleatoric_std [N, H + 1, 2 nv];
    member_mean [K, N, H + 1, nx] when asked for. diverged_samples: the
    samples whose rollout diverged: from the first unsound step on, their
    mean holds the last sound state and their spreads saturate at 1e3."""
    name: str
    version: int
    mean: np.ndarray
    epistemic_std: np.ndarray
    aleatoric_std: np.ndarray
    member_mean: Optional[np.ndarray] = None
    diverged_samples: List[int] = field(default_factory=list)


@dataclass
class Parameter:
    """A physical parameter estimate in SI units; lower90 and upper90 bound
    the 90% interval (mean -+ 1.645 std)."""
    name: str
    unit: str
    mean: float
    std: float
    lower90: float
    upper90: float


@dataclass
class ParameterEstimate:
    name: str
    version: int
    parameters: List[Parameter] = field(default_factory=list)

    def by_name(self) -> Dict[str, Parameter]:
        return {p.name: p for p in self.parameters}


class WorldModelClient:
    """A connection to one `wm serve` endpoint.

    target: "host:port". token: sent as "authorization: Bearer <token>" on
    every call when set. root_certificates: PEM bytes (or a path to a PEM
    file) of the CA that signed the server's certificate; switches to TLS.
    max_message_bytes: the largest request or response, both ways (the
    server's default cap is 64 MiB too). timeout: seconds per call, None for
    no deadline.
    """

    def __init__(self, target: str, token: Optional[str] = None,
                 root_certificates=None, max_message_bytes: int = 64 << 20,
                 timeout: Optional[float] = None):
        options = [("grpc.max_send_message_length", max_message_bytes),
                   ("grpc.max_receive_message_length", max_message_bytes)]
        if root_certificates is not None:
            if isinstance(root_certificates, str):
                with open(root_certificates, "rb") as pem:
                    root_certificates = pem.read()
            credentials = grpc.ssl_channel_credentials(root_certificates)
            self._channel = grpc.secure_channel(target, credentials, options)
        else:
            self._channel = grpc.insecure_channel(target, options)
        self._stub = service_pb2_grpc.WorldModelServiceStub(self._channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token \
            else ()
        self._timeout = timeout

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def list_models(self) -> List[ModelEntry]:
        """The served models, by name."""
        response = self._call("ListModels", service_pb2.ListModelsRequest())
        return [ModelEntry(m.name, list(m.versions), m.default_version)
                for m in response.models]

    def model_info(self, name: str, version: int = 0) -> ModelInfo:
        """Describes `name` at `version` (0: the default version)."""
        request = service_pb2.GetModelInfoRequest()
        request.model.name, request.model.version = name, version
        r = self._call("GetModelInfo", request)
        return ModelInfo(
            name=r.model.name, version=r.model.version, kind=r.kind,
            spec=r.spec, dt=r.dt,
            parameters={p.name: p.unit for p in r.parameters},
            metrics=dict(r.metrics), ensemble_size=r.ensemble_size)

    def predict(self, name: str, states, actions, *, version: int = 0,
                history_states=None, history_actions=None, parameters=None,
                per_member: bool = False) -> Prediction:
        """Next states for states [B, nx] under actions [B, nu].

        Optional context, at most one kind: a history of the same system,
        history_states [B or 1, L + 1, nx] and history_actions [B or 1, L, nu];
        or explicit parameters [B or 1, P] in ModelInfo.parameters order.
        """
        request = service_pb2.PredictRequest(per_member=per_member)
        request.model.name, request.model.version = name, version
        to_tensor(states, request.states)
        to_tensor(actions, request.actions)
        _fill_context(request.context, history_states, history_actions,
                      parameters)
        r = self._call("Predict", request)
        return Prediction(r.model.name, r.model.version, from_tensor(r.mean),
                          from_tensor(r.epistemic_std),
                          from_tensor(r.aleatoric_std),
                          from_tensor(r.member_mean), list(r.diverged_rows))

    def rollout(self, name: str, initial_states, actions, *, version: int = 0,
                history_states=None, history_actions=None, parameters=None,
                per_member: bool = False) -> Trajectory:
        """Open-loop rollouts from initial_states [1 or N, nx] under action
        sequences [N, H, nu]; context as in predict()."""
        request = service_pb2.RolloutRequest(per_member=per_member)
        request.model.name, request.model.version = name, version
        to_tensor(initial_states, request.initial_states)
        to_tensor(actions, request.actions)
        _fill_context(request.context, history_states, history_actions,
                      parameters)
        r = self._call("Rollout", request)
        return Trajectory(r.model.name, r.model.version, from_tensor(r.mean),
                          from_tensor(r.epistemic_std),
                          from_tensor(r.aleatoric_std),
                          from_tensor(r.member_mean), list(r.diverged_samples))

    def infer_parameters(self, name: str, history_states, history_actions,
                         version: int = 0) -> ParameterEstimate:
        """The physical parameters a history reveals: history_states
        [1, L + 1, nx], history_actions [1, L, nu]. FAILED_PRECONDITION for a
        model that infers none (blackbox)."""
        request = service_pb2.InferParametersRequest()
        request.model.name, request.model.version = name, version
        _fill_context(request.context, history_states, history_actions, None)
        r = self._call("InferParameters", request)
        return ParameterEstimate(r.model.name, r.model.version, [
            Parameter(p.name, p.unit, p.mean, p.std, p.lower90, p.upper90)
            for p in r.parameters])

    def _call(self, method: str, request):
        try:
            return getattr(self._stub, method)(
                request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise WorldModelError(method, error.code(),
                                  error.details()) from None


def _fill_context(context, history_states, history_actions, parameters):
    if (history_states is None) != (history_actions is None):
        raise ValueError("history_states and history_actions go together")
    if history_states is not None:
        to_tensor(history_states, context.history_states)
        to_tensor(history_actions, context.history_actions)
    if parameters is not None:
        to_tensor(parameters, context.parameters)
