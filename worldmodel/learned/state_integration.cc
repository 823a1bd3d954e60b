#include "worldmodel/learned/state_integration.h"

namespace wm::worldmodel {

torch::Tensor QuatMultiply(const torch::Tensor& a, const torch::Tensor& b) {
  auto aw = a.select(-1, 0), ax = a.select(-1, 1), ay = a.select(-1, 2),
       az = a.select(-1, 3);
  auto bw = b.select(-1, 0), bx = b.select(-1, 1), by = b.select(-1, 2),
       bz = b.select(-1, 3);
  return torch::stack({aw * bw - ax * bx - ay * by - az * bz,
                       aw * bx + ax * bw + ay * bz - az * by,
                       aw * by - ax * bz + ay * bw + az * bx,
                       aw * bz + ax * by - ay * bx + az * bw},
                      -1);
}

torch::Tensor QuatExp(const torch::Tensor& r) {
  // exp(r) = (cos(|r|/2), sin(|r|/2) r/|r|), with the small-angle series.
  auto angle_sq = (r * r).sum(-1, true);
  auto angle = torch::sqrt(angle_sq + 1e-20);
  auto half = 0.5 * angle;
  auto small = angle_sq < 1e-8;
  auto sinc =
      torch::where(small, 0.5 - angle_sq / 48.0, torch::sin(half) / angle);
  auto w = torch::where(small, 1.0 - angle_sq / 8.0, torch::cos(half));
  return torch::cat({w, r * sinc}, -1);
}

torch::Tensor QuatLog(const torch::Tensor& q_in) {
  // Shortest path: flip to w >= 0; r = 2 atan2(|v|, w) v/|v|.
  auto sign = torch::where(q_in.select(-1, 0).unsqueeze(-1) < 0, -1.0, 1.0);
  auto q = q_in * sign;
  auto w = q.narrow(-1, 0, 1);
  auto v = q.narrow(-1, 1, 3);
  auto norm_sq = (v * v).sum(-1, true);
  auto norm = torch::sqrt(norm_sq + 1e-20);
  auto small = norm_sq < 1e-12;
  auto scale = torch::where(small, 2.0 / w.clamp_min(1e-6),
                            2.0 * torch::atan2(norm, w) / norm);
  return v * scale;
}

torch::Tensor QuatRotateInverse(const torch::Tensor& q,
                                const torch::Tensor& v) {
  // v' = v - 2 w (u x v) + 2 u x (u x v) for q = (w, u).
  auto w = q.narrow(-1, 0, 1);
  auto u = q.narrow(-1, 1, 3).expand_as(v);
  auto uv = torch::cross(u, v, -1);
  return v - 2.0 * w * uv + 2.0 * torch::cross(u, uv, -1);
}

StateIntegration::StateIntegration(const v1::StateSpec& spec, double dt,
                                   int frame_skip)
    : nq_(spec.nq()),
      nv_(spec.nv()),
      dt_(dt),
      substep_factor_((frame_skip + 1.0) / (2.0 * frame_skip)) {
  std::vector<int64_t> linear_qpos, linear_qvel;
  for (const v1::Joint& joint : spec.joints()) {
    switch (joint.type()) {
      case v1::Joint::FREE:
        for (int i = 0; i < 3; ++i) {
          linear_qpos.push_back(joint.qpos_offset() + i);
          linear_qvel.push_back(joint.qvel_offset() + i);
        }
        quaternion_qpos_.push_back(joint.qpos_offset() + 3);
        quaternion_qvel_.push_back(joint.qvel_offset() + 3);
        break;
      case v1::Joint::BALL:
        quaternion_qpos_.push_back(joint.qpos_offset());
        quaternion_qvel_.push_back(joint.qvel_offset());
        break;
      default:
        linear_qpos.push_back(joint.qpos_offset());
        linear_qvel.push_back(joint.qvel_offset());
        break;
    }
  }
  if (spec.joints_size() == 0) {
    for (int i = 0; i < nq_; ++i) {
      linear_qpos.push_back(i);
      linear_qvel.push_back(i);
    }
  }
  linear_qpos_ = torch::tensor(linear_qpos, torch::kLong);
  linear_qvel_ = torch::tensor(linear_qvel, torch::kLong);
}

torch::Tensor StateIntegration::TangentDelta(const torch::Tensor& a,
                                             const torch::Tensor& b) const {
  const int64_t batch = a.size(0);
  auto position = torch::zeros({batch, nv_}, a.options());
  if (linear_qpos_.numel() > 0) {
    position.index_copy_(
        1, linear_qvel_,
        b.index_select(1, linear_qpos_) - a.index_select(1, linear_qpos_));
  }
  for (size_t j = 0; j < quaternion_qpos_.size(); ++j) {
    auto qa = a.narrow(1, quaternion_qpos_[j], 4);
    auto qb = b.narrow(1, quaternion_qpos_[j], 4);
    auto conjugate_a = qa * torch::tensor({1.0f, -1.0f, -1.0f, -1.0f});
    position.narrow(1, quaternion_qvel_[j], 3)
        .copy_(QuatLog(QuatMultiply(conjugate_a, qb)));
  }
  auto velocity = b.narrow(1, nq_, nv_) - a.narrow(1, nq_, nv_);
  return torch::cat({position, velocity}, 1);
}

torch::Tensor StateIntegration::TangentIntegrate(
    const torch::Tensor& state, const torch::Tensor& delta) const {
  std::vector<torch::Tensor> columns;
  auto qpos = state.narrow(1, 0, nq_);
  auto dpos = delta.narrow(1, 0, nv_);
  // Start from qpos and overwrite the moved coordinates functionally.
  auto next_qpos = qpos;
  if (linear_qpos_.numel() > 0) {
    next_qpos = next_qpos.index_add(1, linear_qpos_,
                                    dpos.index_select(1, linear_qvel_));
  }
  for (size_t j = 0; j < quaternion_qpos_.size(); ++j) {
    auto q = qpos.narrow(1, quaternion_qpos_[j], 4);
    auto r = dpos.narrow(1, quaternion_qvel_[j], 3);
    auto moved = QuatMultiply(q, QuatExp(r));
    moved = moved / moved.norm(2, -1, true).clamp_min(1e-12);
    auto before = next_qpos.narrow(1, 0, quaternion_qpos_[j]);
    auto after = next_qpos.narrow(1, quaternion_qpos_[j] + 4,
                                  nq_ - quaternion_qpos_[j] - 4);
    next_qpos = torch::cat({before, moved, after}, 1);
  }
  auto next_qvel = state.narrow(1, nq_, nv_) + delta.narrow(1, nv_, nv_);
  return torch::cat({next_qpos, next_qvel}, 1);
}

torch::Tensor StateIntegration::IntegrateVelocityChange(
    const torch::Tensor& state, const torch::Tensor& dv,
    const torch::Tensor& correction) const {
  auto qvel = state.narrow(1, nq_, nv_);
  auto mean_velocity = qvel + substep_factor_ * dv;
  if (correction.defined()) mean_velocity = mean_velocity + correction;
  return TangentIntegrate(state, torch::cat({dt_ * mean_velocity, dv}, 1));
}

torch::Tensor StateIntegration::PositionCorrection(
    const torch::Tensor& state, const torch::Tensor& next) const {
  auto qvel = state.narrow(1, nq_, nv_);
  auto dv = next.narrow(1, nq_, nv_) - qvel;
  auto position_change = TangentDelta(state, next).narrow(1, 0, nv_);
  return position_change / dt_ - (qvel + substep_factor_ * dv);
}

}  // namespace wm::worldmodel
