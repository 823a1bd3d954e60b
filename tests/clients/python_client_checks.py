"""The installed wm_client against a live `wm serve` (run by
python_client_test.sh with PYTHONPATH naming the pip --target directory):
where it was installed from, its stubs with type hints, tensors through
bytes, list, info, Predict, Rollout, diverged rows and samples, Plan,
ModelEnv, and the error codes it carries.

Usage: python_client_checks.py SITE_DIR VERSION TARGET DATASET TASK_PBTXT
"""

import glob
import os
import sys

import grpc
import h5py
import numpy as np
from google.protobuf import text_format

site, version, target, data, task_file = sys.argv[1:]

import wm_client  # noqa: E402
from wm.v1 import planning_pb2, tensor_pb2  # noqa: E402
from wm_client import ModelEnv, WorldModelClient, WorldModelError  # noqa: E402
from wm_client.tensors import from_tensor, to_tensor  # noqa: E402

# Installed, not borrowed from the source tree; stubs typed.
assert os.path.dirname(os.path.dirname(wm_client.__file__)) == site, \
    wm_client.__file__
assert wm_client.__version__ == version, (wm_client.__version__, version)
for typed in ("wm/v1/service_pb2.pyi", "wm/v1/tensor_pb2.pyi",
              "wm/v1/service_pb2_grpc.py", "wm_client/py.typed"):
    assert os.path.isfile(os.path.join(site, typed)), typed

# Tensors travel as packed bytes, identical to protobuf's own encoding.
array = np.random.default_rng(1).normal(size=(3, 4, 5)).astype(np.float32)
reference = tensor_pb2.Tensor(shape=[3, 4, 5], data=array.ravel().tolist())
assert to_tensor(array).SerializeToString() == reference.SerializeToString()
decoded = from_tensor(reference)
assert decoded.dtype == np.float32 and decoded.shape == (3, 4, 5)
assert decoded.flags.writeable and (decoded == array).all()
assert from_tensor(tensor_pb2.Tensor()) is None
try:
    from_tensor(tensor_pb2.Tensor(shape=[2, 2], data=[1, 2, 3]))
    raise AssertionError("a short tensor was accepted")
except ValueError as error:
    assert "expected 4" in str(error), error


def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except WorldModelError as error:
        assert error.code == code, (call.__name__, error.code, error.message)
        assert error.message, "the error carries no message"
        return
    raise AssertionError(f"{call.__name__} succeeded, expected {code}")


client = WorldModelClient(target, timeout=30)
models = client.list_models()
assert [(m.name, m.versions, m.default_version) for m in models] == \
    [("push_bb", [1], 1)], models

info = client.model_info("push_bb")
assert (info.name, info.version, info.kind) == ("push_bb", 1, "blackbox"), info
assert (info.nq, info.nv, info.nu, info.nx) == (9, 8, 2, 17), info.spec
assert info.ensemble_size == 2 and abs(info.dt - 0.05) < 1e-9, info
assert info.quaternion_offsets == [3], info.quaternion_offsets
assert info.parameters == {}, info.parameters  # blackbox reads none
assert [a.name for a in info.spec.actuators] == ["vx", "vy"], info.spec
assert info.ctrl_range.shape == (2, 2), info.ctrl_range

# Three recorded states of the dataset, random actions in the ctrl range.
with h5py.File(sorted(glob.glob(f"{data}/shard_*.h5"))[0], "r") as shard:
    states = np.concatenate([shard["qpos"][:3], shard["qvel"][:3]], 1)
actions = np.random.default_rng(0).uniform(-0.3, 0.3, (3, 2))
step = client.predict("push_bb", states, actions)
assert (step.name, step.version) == ("push_bb", 1), (step.name, step.version)
assert step.mean.shape == (3, 17) and step.mean.dtype == np.float32
assert step.epistemic_std.shape == (3, 16) and step.aleatoric_std.shape == (3, 16)
assert step.member_mean is None
for answer in (step.mean, step.epistemic_std, step.aleatoric_std):
    assert np.isfinite(answer).all(), answer
assert (step.epistemic_std >= 0).all() and (step.aleatoric_std > 0).all()
np.testing.assert_allclose(np.linalg.norm(step.mean[:, 3:7], axis=1), 1, atol=1e-5)

pinned = client.predict("push_bb", states, actions, version=1, per_member=True)
assert pinned.version == 1 and pinned.member_mean.shape == (2, 3, 17)
np.testing.assert_allclose(pinned.mean, step.mean, atol=1e-6)

trajectory = client.rollout("push_bb", states[:1], np.zeros((4, 5, 2)))
assert trajectory.version == 1
assert trajectory.mean.shape == (4, 6, 17), trajectory.mean.shape
assert trajectory.epistemic_std.shape == (4, 6, 16)
assert trajectory.aleatoric_std.shape == (4, 6, 16)
assert np.isfinite(trajectory.mean).all()
np.testing.assert_allclose(trajectory.mean[:, 0], np.repeat(states[:1], 4, 0), atol=1e-6)
assert (trajectory.epistemic_std[:, 0] == 0).all()

assert step.diverged_rows == [] and trajectory.diverged_samples == []

# An action far outside the ctrl range runs the network away: the answer
# stays finite, names the diverged row or sample and saturates its spread.
wild = actions.copy()
wild[1, 0] = 1e6
runaway = client.predict("push_bb", states, wild)
assert runaway.diverged_rows == [1], runaway.diverged_rows
assert np.isfinite(runaway.mean).all()
assert (runaway.epistemic_std[1] == 1e3).all(), runaway.epistemic_std[1]
np.testing.assert_allclose(runaway.mean[[0, 2]], step.mean[[0, 2]], atol=1e-6)
wild_sequences = np.zeros((3, 5, 2))
wild_sequences[2, :, 0] = 1e6
runaway = client.rollout("push_bb", states[:1], wild_sequences)
assert runaway.diverged_samples == [2], runaway.diverged_samples
assert np.isfinite(runaway.mean).all() and (runaway.epistemic_std[2, -1] == 1e3).all()

# Plan on the server: the push task from its config, small and seeded.
with open(task_file) as task_text:
    task = text_format.Parse(task_text.read(), planning_pb2.TaskConfig())
task.goal_x, task.goal_y = float(states[0, 0]) + 0.2, float(states[0, 1])
planner = {"samples": 32, "horizon": 6, "iterations": 2, "seed": 3}
plan = client.plan("push_bb", states[0], task, planner=planner)
assert (plan.name, plan.version) == ("push_bb", 1), plan
assert plan.actions.shape == (6, 2) and plan.actions.dtype == np.float32
low, high = info.ctrl_range[:, 0], info.ctrl_range[:, 1]
assert ((plan.actions >= low - 1e-6) & (plan.actions <= high + 1e-6)).all(), plan.actions
assert plan.predicted_mean.shape == (7, 17) and plan.predicted_std.shape == (7, 16)
np.testing.assert_allclose(plan.predicted_mean[0], states[0], atol=1e-6)
assert np.isfinite(plan.cost) and plan.iterations == 2, (plan.cost, plan.iterations)
assert plan.plan_ms > 0 and plan.failed_iterations == 0, plan
again = client.plan("push_bb", states[0], task,
                    planner=dict(planner), warm_start=np.roll(plan.actions, -1, 0))
assert again.actions.shape == (6, 2), again.actions.shape
as_dict = client.plan("push_bb", states[0], {"name": "push_to_goal", "free_joint": "box",
                                             "goal_x": 0.2}, planner=planner)
assert as_dict.actions.shape == (6, 2) and np.isfinite(as_dict.cost)
expect_error(grpc.StatusCode.NOT_FOUND, client.plan, "no_such_model", states[0], task)

# ModelEnv (mbrl-lib style): reset / step over the served model, and the
# whole-sequence evaluation through one Rollout.
def box_distance_reward(acts, obs):
    return -np.linalg.norm(obs[:, 0:2], axis=1, keepdims=True)


env = ModelEnv(client, "push_bb", reward_fn=box_distance_reward)
assert env.info.version == 1 and env.observation_shape == (17,) and env.action_shape == (2,)
model_state = env.reset(states)
obs, rewards, dones, model_state = env.step(actions, model_state)
np.testing.assert_allclose(obs, step.mean, atol=1e-6)
assert rewards.shape == (3, 1) and dones.shape == (3, 1) and not dones.any()
np.testing.assert_allclose(rewards, box_distance_reward(actions, step.mean), rtol=1e-6)
assert model_state["epistemic_std"].shape == (3, 16)
obs2, _, _, _ = env.step(actions, model_state)
expected = client.predict("push_bb", step.mean, actions).mean
np.testing.assert_allclose(obs2, expected, atol=1e-6)

sequences = np.random.default_rng(2).uniform(-0.3, 0.3, (4, 5, 2))
totals = env.evaluate_action_sequences(sequences, states[0])
rolled = client.rollout("push_bb", states[:1], sequences).mean
manual = sum(box_distance_reward(sequences[:, t], rolled[:, t + 1])[:, 0]
             for t in range(5))
assert totals.shape == (4,), totals.shape
np.testing.assert_allclose(totals, manual, rtol=1e-5)
always_done = ModelEnv(client, "push_bb", lambda a, o: np.ones((len(o), 1), bool),
                       box_distance_reward)
_, _, dones, _ = always_done.step(actions, always_done.reset(states))
assert dones.all()
np.testing.assert_allclose(  # rewards stop after the first (terminal) step
    always_done.evaluate_action_sequences(sequences, states[0]),
    box_distance_reward(sequences[:, 0], rolled[:, 1])[:, 0], rtol=1e-5)
try:
    env.reset(np.zeros((2, 5)))
    raise AssertionError("reset accepted [2, 5] observations")
except ValueError:
    pass

expect_error(grpc.StatusCode.NOT_FOUND, client.model_info, "no_such_model")
expect_error(grpc.StatusCode.NOT_FOUND, client.predict, "no_such_model", states, actions)
expect_error(grpc.StatusCode.NOT_FOUND, client.predict, "push_bb", states, actions, version=99)
expect_error(grpc.StatusCode.INVALID_ARGUMENT, client.predict, "push_bb",
             states[:, :5], actions)
expect_error(grpc.StatusCode.FAILED_PRECONDITION, client.infer_parameters, "push_bb",
             states[None, :3], actions[None, :2])
client.close()
print("client checks passed")
