"""WorldModelClient: one connection to a `wm serve` endpoint."""

from typing import List, Optional, Union

import grpc

from .channel import Connection
from ._stubs import planning_pb2, service_pb2, service_pb2_grpc
from .answers import (ModelEntry, ModelInfo, Parameter, ParameterEstimate,
                      Plan, Prediction, Trajectory)
from .tensors import from_tensor, to_tensor

__all__ = ["WorldModelClient", "WorldModelError"]


class WorldModelError(Exception):
    """A failed call: `code` is the grpc.StatusCode, `message` the server's
    explanation, `method` the RPC name."""

    def __init__(self, method: str, code: grpc.StatusCode, message: str):
        super().__init__(f"{method} failed: {code.name}: {message}")
        self.method = method
        self.code = code
        self.message = message


class WorldModelClient(Connection):
    """A connection to `wm serve`: one endpoint or several replicas.
    Thread-safe: one client may serve many threads.

    target: "host:port"; several replicas as a list or comma-separated
    string of "ip:port" (calls are balanced round-robin, and one that fails
    UNAVAILABLE, or is cancelled by a replica shutting down, is retried on
    another replica), or a gRPC URI such as
    "dns:///wm.example:50051" (every address the name resolves to). token:
    sent as "authorization: Bearer <token>" on every call when set. root_certificates: PEM bytes (or a path to a PEM
    file) of the CA that signed the server's certificate; switches to TLS.
    max_message_bytes: the largest request or response, both ways (the
    server's default cap is 64 MiB too). timeout: seconds per call, None for
    no deadline.
    """

    def __init__(self, target: Union[str, List[str]],
                 token: Optional[str] = None,
                 root_certificates: Union[bytes, str, None] = None,
                 max_message_bytes: int = 64 << 20,
                 timeout: Optional[float] = None):
        super().__init__(
            target, token, root_certificates,
            [("grpc.max_send_message_length", max_message_bytes),
             ("grpc.max_receive_message_length", max_message_bytes)],
            timeout)
        self._stub = service_pb2_grpc.WorldModelServiceStub(self._channel)

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
        return ParameterEstimate(r.model.name, r.model.version,
                                 _parameters(r.parameters))

    def plan(self, name: str, state, task, *, planner=None, version: int = 0,
             history_states=None, history_actions=None, parameters=None,
             warm_start=None) -> Plan:
        """Plans on the server (MPPI or CEM over the served model): one call
        instead of a Rollout round trip per planner iteration.

        state [nx]: the current state. task: a wm.v1.TaskConfig or a dict of
        its fields (goal, cost weights; proto/wm/v1/planning.proto).
        planner: a wm.v1.PlannerConfig or a dict of its fields (kind, samples,
        horizon, iterations, time_budget_ms, seed, ...; None: the defaults).
        Context as in predict() with a batch of 1: history_states
        [1, L + 1, nx] and history_actions [1, L, nu], or parameters [1, P].
        warm_start [H, nu]: the previous plan shifted by one step.
        """
        request = service_pb2.PlanRequest()
        request.model.name, request.model.version = name, version
        to_tensor(state, request.state)
        request.task.CopyFrom(_message(task, planning_pb2.TaskConfig))
        if planner is not None:
            request.planner.CopyFrom(
                _message(planner, planning_pb2.PlannerConfig))
        _fill_context(request.context, history_states, history_actions,
                      parameters)
        if warm_start is not None:
            to_tensor(warm_start, request.warm_start)
        r = self._call("Plan", request)
        return Plan(r.model.name, r.model.version, from_tensor(r.actions),
                    from_tensor(r.predicted_mean),
                    from_tensor(r.predicted_std), r.cost, r.iterations,
                    r.plan_ms, _parameters(r.parameters), r.diverged_samples,
                    r.failed_iterations)

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


def _message(value, message_type):
    """value when it is a message_type, else message_type(**value)."""
    if isinstance(value, message_type):
        return value
    return message_type(**value)


def _parameters(messages) -> List[Parameter]:
    return [Parameter(p.name, p.unit, p.mean, p.std, p.lower90, p.upper90)
            for p in messages]
