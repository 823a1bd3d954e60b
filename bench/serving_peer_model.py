"""The blackbox ensemble's forward pass in python3-torch, for the serving
peer (serving_peer.py) and its check (serving_peer_check.py).

Mirrors, op for op, the C++ LearnedModel over BlackboxMembers
(worldmodel/learned_model.cc, learned_networks.cc, torch_state_ops.cc):
z-scored features with sign-canonical quaternions, the member MLP (swish
between Linear layers) predicting a normalised tangent delta and its
soft-bounded log-variance, integration on the manifold (quaternions by
q * exp(r)), the ensemble mean with quaternions sign-aligned to member 0 and
renormalised, and tangent-space RMS spreads. Keep it in step with that code:
serving_peer_check.py compares it with `wm serve`. Reads a checkpoint
version directory (manifest.pbtxt, text-format wm.v1.CheckpointManifest;
weights.pt, a name -> tensor dict). The wm.v1 stubs come from
WM_PYTHON_STUBS or <repo>/build/python (target wm_python_client).
"""

import os
import sys

import torch
import torch.nn.functional as F
from google.protobuf import text_format

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ.get("WM_PYTHON_STUBS")
                or os.path.join(_REPO, "build", "python"))
from wm.v1 import model_pb2, state_spec_pb2  # noqa: E402

FREE, BALL = state_spec_pb2.Joint.FREE, state_spec_pb2.Joint.BALL


# --- Quaternions [..., 4] (w first) and rotation vectors [..., 3] ---------

def quat_multiply(a, b):
    aw, ax, ay, az = a.unbind(-1)
    bw, bx, by, bz = b.unbind(-1)
    return torch.stack([aw * bw - ax * bx - ay * by - az * bz,
                        aw * bx + ax * bw + ay * bz - az * by,
                        aw * by - ax * bz + ay * bw + az * bx,
                        aw * bz + ax * by - ay * bx + az * bw], -1)


def quat_exp(r):
    angle_sq = (r * r).sum(-1, True)
    angle = torch.sqrt(angle_sq + 1e-20)
    small = angle_sq < 1e-8
    sinc = torch.where(small, 0.5 - angle_sq / 48.0, torch.sin(0.5 * angle) / angle)
    w = torch.where(small, 1.0 - angle_sq / 8.0, torch.cos(0.5 * angle))
    return torch.cat([w, r * sinc], -1)


def quat_log(q_in):
    q = q_in * torch.where(q_in[..., :1] < 0, -1.0, 1.0)
    w, v = q[..., :1], q[..., 1:]
    norm_sq = (v * v).sum(-1, True)
    norm = torch.sqrt(norm_sq + 1e-20)
    scale = torch.where(norm_sq < 1e-12, 2.0 / w.clamp_min(1e-6),
                        2.0 * torch.atan2(norm, w) / norm)
    return v * scale


# --- State operations (torch_state_ops.cc) --------------------------------

def _vector(values, size, fill):
    out = [fill] * size
    for i, value in enumerate(list(values)[:size]):
        out[i] = value
    return torch.tensor(out, dtype=torch.float32)


class StateOps:
    """Normalisation and tangent-space arithmetic on states [B, nq + nv]."""

    def __init__(self, spec, stats):
        self.nq, self.nv = spec.nq, spec.nv
        nx = self.nq + self.nv
        self.state_mean = _vector(stats.state_mean, nx, 0.0)
        self.state_std = _vector(stats.state_std, nx, 1.0)
        self.action_mean = _vector(stats.action_mean, spec.nu, 0.0)
        self.action_std = _vector(stats.action_std, spec.nu, 1.0)
        self.delta_mean = _vector(stats.delta_mean, 2 * self.nv, 0.0)
        self.delta_std = _vector(stats.delta_std, 2 * self.nv, 1.0)
        linear_qpos, linear_qvel = [], []
        self.quaternions = []  # (qpos offset of w, qvel offset of angular)
        for joint in spec.joints:
            if joint.type == FREE:
                linear_qpos += [joint.qpos_offset + i for i in range(3)]
                linear_qvel += [joint.qvel_offset + i for i in range(3)]
                self.quaternions.append((joint.qpos_offset + 3, joint.qvel_offset + 3))
            elif joint.type == BALL:
                self.quaternions.append((joint.qpos_offset, joint.qvel_offset))
            else:
                linear_qpos.append(joint.qpos_offset)
                linear_qvel.append(joint.qvel_offset)
        if len(spec.joints) == 0:
            linear_qpos = linear_qvel = list(range(self.nq))
        mask = torch.zeros(nx)
        for qpos, _ in self.quaternions:
            mask[qpos:qpos + 4] = 1.0
        self.quaternion_mask = mask > 0
        self.linear_qpos = torch.tensor(linear_qpos, dtype=torch.long)
        self.linear_qvel = torch.tensor(linear_qvel, dtype=torch.long)

    def features(self, states):
        canonical = states
        if self.quaternions:
            canonical = states.clone()
            for qpos, _ in self.quaternions:
                q = canonical[:, qpos:qpos + 4]
                q.copy_(q * torch.where(q[:, :1] < 0, -1.0, 1.0))
        z = (canonical - self.state_mean) / self.state_std
        return torch.where(self.quaternion_mask, canonical, z)

    def normalize_actions(self, actions):
        return (actions - self.action_mean) / self.action_std

    def tangent_delta(self, a, b):
        """b - a as [B, 2 nv]: position change (body rotation vectors of
        qa^-1 qb for quaternions) and velocity change."""
        position = torch.zeros(a.shape[0], self.nv)
        if self.linear_qpos.numel() > 0:
            position.index_copy_(1, self.linear_qvel,
                                 b.index_select(1, self.linear_qpos)
                                 - a.index_select(1, self.linear_qpos))
        conjugate = torch.tensor([1.0, -1.0, -1.0, -1.0])
        for qpos, qvel in self.quaternions:
            position[:, qvel:qvel + 3] = quat_log(
                quat_multiply(a[:, qpos:qpos + 4] * conjugate, b[:, qpos:qpos + 4]))
        velocity = b[:, self.nq:] - a[:, self.nq:]
        return torch.cat([position, velocity], 1)

    def tangent_integrate(self, state, delta):
        """state [B, nx] moved by a tangent delta [B, 2 nv]."""
        qpos, dpos = state[:, :self.nq], delta[:, :self.nv]
        next_qpos = qpos
        if self.linear_qpos.numel() > 0:
            next_qpos = next_qpos.index_add(
                1, self.linear_qpos, dpos.index_select(1, self.linear_qvel))
        for w, qvel in self.quaternions:
            moved = quat_multiply(qpos[:, w:w + 4], quat_exp(dpos[:, qvel:qvel + 3]))
            moved = moved / moved.norm(2, -1, True).clamp_min(1e-12)
            next_qpos = torch.cat([next_qpos[:, :w], moved, next_qpos[:, w + 4:]], 1)
        return torch.cat([next_qpos, state[:, self.nq:] + delta[:, self.nv:]], 1)


# --- The blackbox ensemble (learned_networks.cc, learned_model.cc) ---------

class BlackboxMember:
    """One PETS member: an MLP over [features | normalised actions] giving the
    normalised tangent delta [B, 2 nv] and its log-variance."""

    def __init__(self, weights, prefix):
        self.layers = []
        while f"{prefix}network.layer{len(self.layers)}.weight" in weights:
            i = len(self.layers)
            self.layers.append((weights[f"{prefix}network.layer{i}.weight"],
                                weights[f"{prefix}network.layer{i}.bias"]))
        self.max_log_variance = weights[prefix + "max_log_variance"]
        self.min_log_variance = weights[prefix + "min_log_variance"]

    def step(self, ops, states, actions):
        """(next states [B, nx], aleatoric std [B, 2 nv])."""
        x = torch.cat([ops.features(states), ops.normalize_actions(actions)], 1)
        for i, (weight, bias) in enumerate(self.layers):
            x = F.linear(x, weight, bias)
            if i + 1 < len(self.layers):
                x = x * torch.sigmoid(x)
        width = 2 * ops.nv
        mean, raw = x[:, :width], x[:, width:]
        bounded = self.max_log_variance - F.softplus(self.max_log_variance - raw)
        log_variance = self.min_log_variance + F.softplus(bounded - self.min_log_variance)
        next_state = ops.tangent_integrate(states, mean * ops.delta_std + ops.delta_mean)
        return next_state, torch.exp(0.5 * log_variance) * ops.delta_std


class BlackboxEnsemble:
    """A checkpoint version directory's ensemble: manifest.pbtxt + weights.pt."""

    def __init__(self, version_dir):
        with open(os.path.join(version_dir, "manifest.pbtxt")) as f:
            self.manifest = text_format.Parse(f.read(), model_pb2.CheckpointManifest())
        if self.manifest.kind != "blackbox":
            raise ValueError(f"{version_dir}: kind '{self.manifest.kind}', "
                             "this peer serves blackbox only")
        weights = torch.load(os.path.join(version_dir, "weights.pt"))
        self.ops = StateOps(self.manifest.spec, self.manifest.normalization)
        self.members = [BlackboxMember(weights, f"member{k}.")
                        for k in range(max(1, self.manifest.training.ensemble_size))]
        self.quaternion_offsets = [j.quaternion_offset for j in self.manifest.spec.joints
                                   if j.quaternion_offset >= 0]

    def mean(self, states):
        """Member average [B, nx]; quaternions sign-aligned to member 0."""
        aligned = [states[0]]
        for s in states[1:]:
            for w in self.quaternion_offsets:
                dot = (s[:, w:w + 4] * states[0][:, w:w + 4]).sum(1, True)
                s = torch.cat([s[:, :w], s[:, w:w + 4] * torch.where(dot < 0, -1.0, 1.0),
                               s[:, w + 4:]], 1)
            aligned.append(s)
        mean = torch.stack(aligned).mean(0)
        for w in self.quaternion_offsets:
            q = mean[:, w:w + 4]
            q.copy_(q / q.norm(2, 1, True).clamp_min(1e-12))
        return mean

    def spread(self, mean, states):
        return rms([self.ops.tangent_delta(mean, s) for s in states])

    def predict(self, states, actions):
        """states [B, nx], actions [B, nu] -> (mean [B, nx], epistemic and
        aleatoric std [B, 2 nv], member means [K, B, nx])."""
        steps = [m.step(self.ops, states, actions) for m in self.members]
        next_states = [s for s, _ in steps]
        mean = self.mean(next_states)
        return (mean, self.spread(mean, next_states), rms([n for _, n in steps]),
                torch.stack(next_states))

    def rollout(self, initial, actions):
        """initial [1 or N, nx], actions [N, H, nu] -> (mean [N, H + 1, nx],
        epistemic and aleatoric std [N, H + 1, 2 nv], member means
        [K, N, H + 1, nx])."""
        n, horizon = actions.shape[0], actions.shape[1]
        start = initial.expand(n, self.ops.nq + self.ops.nv)
        state = [start] * len(self.members)
        history = [[start] for _ in self.members]
        zeros = torch.zeros(n, 2 * self.ops.nv)
        means, epistemic, aleatoric = [start], [zeros], [zeros]
        for t in range(horizon):
            noise = []
            for k, member in enumerate(self.members):
                state[k], member_noise = member.step(self.ops, state[k], actions[:, t])
                history[k].append(state[k])
                noise.append(member_noise)
            mean = self.mean(state)
            means.append(mean)
            epistemic.append(self.spread(mean, state))
            aleatoric.append(rms(noise))
        return (torch.stack(means, 1), torch.stack(epistemic, 1),
                torch.stack(aleatoric, 1),
                torch.stack([torch.stack(h, 1) for h in history]))


def rms(tensors):
    return torch.sqrt(torch.stack(tensors).pow(2).mean(0))


def resolve_version_dir(path):
    """DIR/N as given, or DIR's largest integer version."""
    if os.path.isfile(os.path.join(path, "manifest.pbtxt")):
        return path
    versions = [int(v) for v in os.listdir(path) if v.isdigit()]
    if not versions:
        raise FileNotFoundError(f"{path}: no manifest.pbtxt and no version dirs")
    return os.path.join(path, str(max(versions)))
