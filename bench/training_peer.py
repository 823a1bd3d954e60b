"""Python reference for wm_bench_training's blackbox training benchmark.

Contract: run by bench/training_bench.cc as
  /usr/bin/python3 training_peer.py --inputs FILE --steps N --warmup W
      --repeats R
FILE is a torch.load-able name -> tensor dictionary written by the C++ side:
the blackbox member's initial weights ("member.<name>"), one synthetic batch
("states" [B, 2, nx], "actions" [B, 1, nu], "parameters" [B, P]), the
normalisation statistics and the joint layout of the scene. This script
mirrors, op for op, what one C++ training step does (trainer.cc's
TrainMember loop around MemberLoss with history 0 and horizon 1 on a
BlackboxMember, learned_networks.cc, torch_state_ops.cc, training_batch.cc)
on one intra-op thread, and prints on stdout:
  loss_first <loss of warm-up step 1>
  loss_last <loss of warm-up step W>
  samples_per_s <rate of repeat 1> ... <rate of repeat R>
where a rate is N x B / seconds of N Adam steps on the fixed batch. Keep it
in step with the C++ code it mirrors: the losses are checked against C++'s.
"""

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402  (after the thread variables)
import torch.nn.functional as F  # noqa: E402


def quat_multiply(a, b):
    aw, ax, ay, az = a.select(-1, 0), a.select(-1, 1), a.select(-1, 2), a.select(-1, 3)
    bw, bx, by, bz = b.select(-1, 0), b.select(-1, 1), b.select(-1, 2), b.select(-1, 3)
    return torch.stack([aw * bw - ax * bx - ay * by - az * bz,
                        aw * bx + ax * bw + ay * bz - az * by,
                        aw * by - ax * bz + ay * bw + az * bx,
                        aw * bz + ax * by - ay * bx + az * bw], -1)


def quat_exp(r):
    angle_sq = (r * r).sum(-1, True)
    angle = torch.sqrt(angle_sq + 1e-20)
    half = 0.5 * angle
    small = angle_sq < 1e-8
    sinc = torch.where(small, 0.5 - angle_sq / 48.0, torch.sin(half) / angle)
    w = torch.where(small, 1.0 - angle_sq / 8.0, torch.cos(half))
    return torch.cat([w, r * sinc], -1)


def quat_log(q_in):
    sign = torch.where(q_in.select(-1, 0).unsqueeze(-1) < 0, -1.0, 1.0)
    q = q_in * sign
    w = q.narrow(-1, 0, 1)
    v = q.narrow(-1, 1, 3)
    norm_sq = (v * v).sum(-1, True)
    norm = torch.sqrt(norm_sq + 1e-20)
    small = norm_sq < 1e-12
    scale = torch.where(small, 2.0 / w.clamp_min(1e-6),
                        2.0 * torch.atan2(norm, w) / norm)
    return v * scale


class StateOps:
    """torch_state_ops.cc's StateOps, for the operations MemberLoss uses."""

    def __init__(self, d):
        self.nq, self.nv, self.nu = (int(v) for v in d["sizes"].tolist())
        self.state_mean, self.state_std = d["state_mean"], d["state_std"]
        self.action_mean, self.action_std = d["action_mean"], d["action_std"]
        self.delta_mean, self.delta_std = d["delta_mean"], d["delta_std"]
        self.quaternion_qpos = [int(v) for v in d["quaternion_qpos"].tolist()]
        self.quaternion_qvel = [int(v) for v in d["quaternion_qvel"].tolist()]
        self.linear_qpos, self.linear_qvel = d["linear_qpos"], d["linear_qvel"]
        mask = torch.zeros(self.nq + self.nv)
        for offset in self.quaternion_qpos:
            mask[offset:offset + 4] = 1.0
        self.quaternion_mask = mask

    def state_features(self, states):
        canonical = states
        if self.quaternion_qpos:
            canonical = states.clone()
            for offset in self.quaternion_qpos:
                q = canonical.narrow(-1, offset, 4)
                sign = torch.where(q.select(-1, 0).unsqueeze(-1) < 0, -1.0, 1.0)
                q.copy_(q * sign)
        z = (canonical - self.state_mean) / self.state_std
        return torch.where(self.quaternion_mask > 0, canonical, z)

    def normalize_actions(self, actions):
        return (actions - self.action_mean) / self.action_std

    def normalize_delta(self, delta):
        return (delta - self.delta_mean) / self.delta_std

    def denormalize_delta(self, z):
        return z * self.delta_std + self.delta_mean

    def tangent_delta(self, a, b):
        batch = a.size(0)
        position = torch.zeros(batch, self.nv, dtype=a.dtype)
        if self.linear_qpos.numel() > 0:
            position.index_copy_(1, self.linear_qvel,
                                 b.index_select(1, self.linear_qpos) -
                                 a.index_select(1, self.linear_qpos))
        for qp, qv in zip(self.quaternion_qpos, self.quaternion_qvel):
            qa = a.narrow(1, qp, 4)
            qb = b.narrow(1, qp, 4)
            conjugate_a = qa * torch.tensor([1.0, -1.0, -1.0, -1.0])
            position.narrow(1, qv, 3).copy_(
                quat_log(quat_multiply(conjugate_a, qb)))
        velocity = b.narrow(1, self.nq, self.nv) - a.narrow(1, self.nq, self.nv)
        return torch.cat([position, velocity], 1)

    def tangent_integrate(self, state, delta):
        nq, nv = self.nq, self.nv
        qpos = state.narrow(1, 0, nq)
        dpos = delta.narrow(1, 0, nv)
        next_qpos = qpos
        if self.linear_qpos.numel() > 0:
            next_qpos = next_qpos.index_add(
                1, self.linear_qpos, dpos.index_select(1, self.linear_qvel))
        for qp, qv in zip(self.quaternion_qpos, self.quaternion_qvel):
            q = qpos.narrow(1, qp, 4)
            r = dpos.narrow(1, qv, 3)
            moved = quat_multiply(q, quat_exp(r))
            moved = moved / moved.norm(2, -1, True).clamp_min(1e-12)
            before = next_qpos.narrow(1, 0, qp)
            after = next_qpos.narrow(1, qp + 4, nq - qp - 4)
            next_qpos = torch.cat([before, moved, after], 1)
        next_qvel = state.narrow(1, nq, nv) + delta.narrow(1, nv, nv)
        return torch.cat([next_qpos, next_qvel], 1)


class Mlp(torch.nn.Module):
    def __init__(self, sizes):
        super().__init__()
        for i in range(len(sizes) - 1):
            self.add_module("layer%d" % i, torch.nn.Linear(sizes[i], sizes[i + 1]))
        self.layers = [getattr(self, "layer%d" % i) for i in range(len(sizes) - 1)]

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i + 1 < len(self.layers):
                x = x * torch.sigmoid(x)
        return x


class BlackboxMember(torch.nn.Module):
    """learned_networks.cc's BlackboxMember (PETS), with its bounds."""

    def __init__(self, ops, hidden):
        super().__init__()
        self.network = Mlp([ops.nq + ops.nv + ops.nu] + hidden + [4 * ops.nv])
        self.max_log_variance = torch.nn.Parameter(torch.full((2 * ops.nv,), 0.5))
        self.min_log_variance = torch.nn.Parameter(torch.full((2 * ops.nv,), -10.0))

    def bound_log_variance(self, raw):
        bounded = self.max_log_variance - F.softplus(self.max_log_variance - raw)
        return self.min_log_variance + F.softplus(bounded - self.min_log_variance)

    def bound_penalty(self):
        return 0.01 * (self.max_log_variance.sum() - self.min_log_variance.sum())

    def step(self, ops, states, actions, parameters):
        out = self.network(torch.cat(
            [ops.state_features(states), ops.normalize_actions(actions)], 1))
        width = 2 * ops.nv
        mean = out.narrow(1, 0, width)
        log_variance = self.bound_log_variance(out.narrow(1, width, width))
        next_state = ops.tangent_integrate(states, ops.denormalize_delta(mean))
        return next_state, mean, log_variance


def gaussian_nll(mean, log_variance, target):
    return 0.5 * (log_variance + (target - mean).pow(2) * torch.exp(-log_variance))


def member_loss(member, ops, states, actions, parameters,
                multi_step_weight=1.0, parameter_weight=1.0):
    """training_batch.cc's MemberLoss for a blackbox member (history 0)."""
    b = states.size(0)
    L, H = 0, states.size(1) - 1
    nx, nu = ops.nq + ops.nv, ops.nu
    dynamics_parameters = torch.zeros(b, 0)
    parameter_nll = torch.zeros(())
    x = states.narrow(1, L, H).reshape(b * H, nx)
    x_next = states.narrow(1, L + 1, H).reshape(b * H, nx)
    a = actions.narrow(1, L, H).reshape(b * H, nu)
    p = dynamics_parameters.repeat_interleave(H, 0)
    _, mean, log_variance = member.step(ops, x, a, p)
    target = ops.normalize_delta(ops.tangent_delta(x, x_next))
    nll = gaussian_nll(mean, log_variance, target).mean()
    multi_step = torch.zeros(())
    total = (nll + multi_step_weight * multi_step +
             parameter_weight * parameter_nll + member.bound_penalty())
    nll.item(), multi_step.item(), parameter_nll.item()
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)

    d = torch.load(args.inputs)
    ops = StateOps(d)
    hidden = [int(v) for v in d["hidden"].tolist()]
    member = BlackboxMember(ops, hidden)
    with torch.no_grad():
        for name, parameter in member.named_parameters():
            parameter.copy_(d["member." + name])
    states, actions, parameters = d["states"], d["actions"], d["parameters"]
    optimizer = torch.optim.Adam(member.parameters(), lr=1e-3)

    def train_step():
        total = member_loss(member, ops, states, actions, parameters)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        return total.item()

    losses = [train_step() for _ in range(args.warmup)]
    print("loss_first %.9g" % losses[0])
    print("loss_last %.9g" % losses[-1])
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            train_step()
        rates.append(args.steps * states.size(0) / (time.perf_counter() - start))
    print("samples_per_s " + " ".join("%.6g" % r for r in rates))


if __name__ == "__main__":
    main()
