"""ModelEnv: a served model as a batched environment, in the style of
mbrl-lib's `mbrl.models.ModelEnv`, for Python planners and model-based RL.

    env = ModelEnv(client, "push_physics", reward_fn=my_reward)
    state = env.reset(observations)                 # [B, nx]
    obs, reward, done, state = env.step(actions, state)   # actions [B, nu]
    returns = env.evaluate_action_sequences(sequences, observation)  # [N]

reward_fn(actions [B, nu], next_obs [B, nx]) -> [B, 1] and
termination_fn(actions, next_obs) -> [B, 1] bool are numpy functions, as in
mbrl-lib (with torch tensors there). Steps use the model's mean prediction
(no sampling); the spreads travel in the model state.
"""

from typing import Callable, Dict, Optional

import numpy as np

from .client import WorldModelClient

__all__ = ["ModelEnv"]

RewardFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
TerminationFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


class ModelEnv:
    """Steps batches of states through one served model version.

    client: a WorldModelClient. model: the served model's name; version 0
    resolves to the default version once, here, and every later call pins
    it (one episode sees one version). reward_fn and termination_fn as in
    the module docstring (None: zero reward, never done). history_states
    [1, L + 1, nx] with history_actions [1, L, nu], or parameters [1, P],
    are the context sent with every call (see WorldModelClient.predict).
    Errors from the server raise WorldModelError. Not thread-safe.
    """

    def __init__(self, client: WorldModelClient, model: str,
                 termination_fn: Optional[TerminationFn] = None,
                 reward_fn: Optional[RewardFn] = None, *, version: int = 0,
                 history_states=None, history_actions=None,
                 parameters=None):
        self.client = client
        self.info = client.model_info(model, version)
        self.observation_shape = (self.info.nx,)
        self.action_shape = (self.info.nu,)
        self.dt = self.info.dt
        self._termination_fn = termination_fn
        self._reward_fn = reward_fn
        self._context = dict(history_states=history_states,
                             history_actions=history_actions,
                             parameters=parameters)

    def reset(self, initial_obs_batch) -> Dict[str, np.ndarray]:
        """The model state for a batch of observations [B, nx] (states
        [qpos | qvel]): {"obs": float32 [B, nx]}."""
        obs = np.array(initial_obs_batch, dtype=np.float32, ndmin=2)
        if obs.ndim != 2 or obs.shape[1] != self.info.nx:
            raise ValueError(f"initial_obs_batch has shape {obs.shape}, "
                             f"expected [B, {self.info.nx}]")
        return {"obs": obs}

    def step(self, actions, model_state: Dict[str, np.ndarray]):
        """One step of every row under actions [B, nu]: (next_obs [B, nx],
        rewards [B, 1], dones [B, 1] bool, next model state). The next state
        also holds the step's "epistemic_std" and "aleatoric_std" [B, 2 nv]
        and "diverged_rows" (rows whose prediction ran away)."""
        actions = np.asarray(actions, dtype=np.float32)
        step = self.client.predict(self.info.name, model_state["obs"],
                                   actions, version=self.info.version,
                                   **self._context)
        rewards, dones = self._score(actions, step.mean)
        next_state = {"obs": step.mean, "epistemic_std": step.epistemic_std,
                      "aleatoric_std": step.aleatoric_std,
                      "diverged_rows": np.array(step.diverged_rows,
                                                dtype=np.int64)}
        return step.mean, rewards, dones, next_state

    def evaluate_action_sequences(self, action_sequences,
                                  initial_state) -> np.ndarray:
        """Total reward [N] of each action sequence [N, H, nu] from one
        observation [nx], with one Rollout call: the sum over steps of
        reward_fn, each sequence's rewards stopping after the step at which
        termination_fn first says done (as mbrl-lib counts them)."""
        sequences = np.asarray(action_sequences, dtype=np.float32)
        if sequences.ndim != 3:
            raise ValueError(f"action_sequences has shape {sequences.shape}, "
                             "expected [N, H, nu]")
        initial = np.asarray(initial_state, dtype=np.float32).reshape(1, -1)
        trajectory = self.client.rollout(
            self.info.name, initial, sequences, version=self.info.version,
            **self._context)
        total = np.zeros(len(sequences), dtype=np.float32)
        terminated = np.zeros(len(sequences), dtype=bool)
        for t in range(sequences.shape[1]):
            rewards, dones = self._score(sequences[:, t],
                                         trajectory.mean[:, t + 1])
            total += np.where(terminated, 0.0, rewards[:, 0])
            terminated |= dones[:, 0]
        return total

    def _score(self, actions, next_obs):
        """(rewards [B, 1] float32, dones [B, 1] bool) of one step."""
        batch = len(next_obs)
        rewards = np.zeros((batch, 1), dtype=np.float32)
        if self._reward_fn is not None:
            rewards = np.asarray(self._reward_fn(actions, next_obs),
                                 dtype=np.float32).reshape(batch, 1)
        dones = np.zeros((batch, 1), dtype=bool)
        if self._termination_fn is not None:
            dones = np.asarray(self._termination_fn(actions, next_obs),
                               dtype=bool).reshape(batch, 1)
        return rewards, dones
