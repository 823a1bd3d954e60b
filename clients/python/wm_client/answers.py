"""What WorldModelClient returns: plain dataclasses over numpy arrays."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from ._stubs import state_spec_pb2

__all__ = ["ModelEntry", "ModelInfo", "Prediction", "Trajectory",
           "Parameter", "ParameterEstimate", "Plan"]


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

    @property
    def ctrl_range(self) -> np.ndarray:
        """[nu, 2] float32: each actuator's (low, high) control bound; (0, 0)
        means unlimited."""
        return np.array([[a.ctrl_min, a.ctrl_max] for a in
                         self.spec.actuators], dtype=np.float32).reshape(-1, 2)

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
    """The parameters a history revealed, in the model's order."""
    name: str
    version: int
    parameters: List[Parameter] = field(default_factory=list)

    def by_name(self) -> Dict[str, Parameter]:
        return {p.name: p for p in self.parameters}


@dataclass
class Plan:
    """A plan computed on the server. actions [H, nu]: apply actions[0] now
    (and pass the rest, shifted by one step, as the next call's warm_start);
    predicted_mean [H + 1, nx] and predicted_std [H + 1, 2 nv] (epistemic)
    along it; cost under the task; iterations done in plan_ms milliseconds;
    parameters inferred from the context history (models that infer);
    diverged_samples counts sampled sequences whose rollout diverged and
    failed_iterations the iterations whose model call failed."""
    name: str
    version: int
    actions: np.ndarray
    predicted_mean: Optional[np.ndarray]
    predicted_std: Optional[np.ndarray]
    cost: float
    iterations: int
    plan_ms: float
    parameters: List[Parameter] = field(default_factory=list)
    diverged_samples: int = 0
    failed_iterations: int = 0
