#include "worldmodel/learned/torch_state_ops.h"

#include <algorithm>
#include <cmath>

#include "datasets/normalizer.h"
#include "util/logging.h"

namespace wm::worldmodel {
namespace {

torch::Tensor VectorTensor(const google::protobuf::RepeatedField<double>& v,
                           int size, double fill) {
  std::vector<float> values(size, static_cast<float>(fill));
  for (int i = 0; i < size && i < v.size(); ++i) values[i] = v[i];
  return torch::tensor(values, torch::kFloat32);
}

// Stds of entries that never varied in training (a joint the data never
// moves sits at the normaliser's 1e-6 floor) become 1: dividing by the floor
// would turn the model's tiny errors there into huge inputs and losses, and
// rollouts blow up through them.
torch::Tensor StdTensor(const google::protobuf::RepeatedField<double>& v,
                        int size) {
  std::vector<float> values(size, 1.0f);
  for (int i = 0; i < size && i < v.size(); ++i) {
    if (v[i] > datasets::kConstantStd) values[i] = v[i];
  }
  return torch::tensor(values, torch::kFloat32);
}

}  // namespace

torch::Tensor ToTorch(const Tensor& tensor) {
  return torch::from_blob(const_cast<float*>(tensor.data.data()), tensor.shape,
                          torch::kFloat32)
      .clone();
}

Tensor FromTorch(const torch::Tensor& tensor) {
  torch::Tensor contiguous = tensor.detach().to(torch::kFloat32).contiguous();
  Tensor out;
  out.shape.assign(contiguous.sizes().begin(), contiguous.sizes().end());
  const float* data = contiguous.data_ptr<float>();
  out.data.assign(data, data + contiguous.numel());
  return out;
}

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

StateOps::StateOps(const v1::StateSpec& spec,
                   const v1::NormalizationStats& stats, double dt,
                   int frame_skip,
                   const std::vector<std::string>& parameter_names,
                   bool horizontal_invariance)
    : nq_(spec.nq()),
      nv_(spec.nv()),
      nu_(spec.nu()),
      num_parameters_(stats.param_mean_size()),
      dt_(dt),
      substep_factor_((frame_skip + 1.0) / (2.0 * frame_skip)),
      horizontal_invariance_(horizontal_invariance) {
  const int nx = nq_ + nv_;
  state_mean_ = VectorTensor(stats.state_mean(), nx, 0.0);
  state_std_ = StdTensor(stats.state_std(), nx);
  action_mean_ = VectorTensor(stats.action_mean(), nu_, 0.0);
  action_std_ = StdTensor(stats.action_std(), nu_);
  param_mean_ = VectorTensor(stats.param_mean(), num_parameters_, 0.0);
  param_std_ = StdTensor(stats.param_std(), num_parameters_);
  // Ratios are taken to the training mean, or to the std for parameters
  // centred near zero.
  param_unit_ = torch::where(param_mean_.abs() > 0.1 * param_std_,
                             param_mean_.abs(), param_std_)
                    .clamp_min(1e-12);
  std::vector<int64_t> masses;
  for (int i = 0;
       i < num_parameters_ && i < static_cast<int>(parameter_names.size());
       ++i) {
    const std::string& name = parameter_names[i];
    const size_t slash = name.rfind('/');
    if (name.substr(slash == std::string::npos ? 0 : slash + 1) == "mass") {
      masses.push_back(i);
    }
  }
  mass_indices_ = torch::tensor(masses, torch::kLong);
  delta_mean_ = VectorTensor(stats.delta_mean(), 2 * nv_, 0.0);
  delta_std_ = StdTensor(stats.delta_std(), 2 * nv_);
  // 1 where StdTensor kept the std (entries the stats lack count as 1).
  delta_varies_ =
      (VectorTensor(stats.delta_std(), 2 * nv_, 1.0) > datasets::kConstantStd)
          .to(torch::kFloat32);
  delta_mean_v_ = delta_mean_.narrow(0, nv_, nv_).clone();
  delta_std_v_ = delta_std_.narrow(0, nv_, nv_).clone();
  delta_varies_v_ = delta_varies_.narrow(0, nv_, nv_).clone();

  std::vector<float> mask(nx, 0.0f);
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
  for (int offset : quaternion_qpos_) {
    for (int k = 0; k < 4; ++k) mask[offset + k] = 1.0f;
  }
  quaternion_mask_ = torch::tensor(mask, torch::kFloat32);
  linear_qpos_ = torch::tensor(linear_qpos, torch::kLong);
  linear_qvel_ = torch::tensor(linear_qvel, torch::kLong);
  DescribeBodies(spec, stats);
  if (horizontal_invariance) {
    // Plus each other body's world-frame relative position and velocity.
    num_geometry_features_ +=
        static_cast<int>(free_bodies_.size()) * 6 * (num_tracked_bodies_ - 1);
    std::vector<bool> hidden(nx, false);
    for (const v1::Joint& joint : spec.joints()) {
      if (joint.type() == v1::Joint::FREE) {
        hidden[joint.qpos_offset()] = hidden[joint.qpos_offset() + 1] = true;
      } else if (joint.type() == v1::Joint::SLIDE &&
                 joint.world_axis_size() == 3 && joint.world_axis(2) == 0) {
        hidden[joint.qpos_offset()] = true;
      }
    }
    std::vector<int64_t> visible;
    for (int i = 0; i < nx; ++i) {
      if (!hidden[i]) visible.push_back(i);
    }
    visible_state_entries_ = torch::tensor(visible, torch::kLong);
  }
  num_state_features_ = horizontal_invariance_
                            ? static_cast<int>(visible_state_entries_.numel())
                            : nx;
}

void StateOps::DescribeBodies(const v1::StateSpec& spec,
                              const v1::NormalizationStats& stats) {
  const int nx = nq_ + nv_;
  auto rms_std = [&](int first) {
    double sum = 0;
    for (int i = 0; i < 3; ++i) {
      const double s =
          first + i < stats.state_std_size() ? stats.state_std(first + i) : 1.0;
      sum += s * s;
    }
    return std::max(std::sqrt(sum / 3.0), 1e-6);
  };
  auto has_world_slide = [](const v1::Joint& joint) {
    return joint.type() == v1::Joint::SLIDE && !joint.body().empty() &&
           joint.world_axis_size() == 3 && joint.body_origin_size() == 3;
  };
  // Tracked bodies: free bodies, then world slide bodies in order of first
  // appearance. Body b's maps are columns [3 b, 3 b + 3).
  std::vector<std::string> slide_bodies;
  for (const v1::Joint& joint : spec.joints()) {
    if (has_world_slide(joint) &&
        std::find(slide_bodies.begin(), slide_bodies.end(), joint.body()) ==
            slide_bodies.end()) {
      slide_bodies.push_back(joint.body());
    }
  }
  int tracked = 0;
  for (const v1::Joint& joint : spec.joints()) {
    if (joint.type() == v1::Joint::FREE) ++tracked;
  }
  num_tracked_bodies_ = tracked + static_cast<int>(slide_bodies.size());
  if (num_tracked_bodies_ == 0) return;
  position_maps_ = torch::zeros({nx, 3 * num_tracked_bodies_});
  velocity_maps_ = torch::zeros({nx, 3 * num_tracked_bodies_});
  origins_ = torch::zeros({3 * num_tracked_bodies_});
  int next = 0;
  for (const v1::Joint& joint : spec.joints()) {
    if (joint.type() != v1::Joint::FREE) continue;
    for (int i = 0; i < 3; ++i) {
      position_maps_[joint.qpos_offset() + i][3 * next + i] = 1.0;
      velocity_maps_[nq_ + joint.qvel_offset() + i][3 * next + i] = 1.0;
    }
    free_bodies_.push_back(FreeBody{joint.qpos_offset() + 3, next,
                                    rms_std(joint.qpos_offset()),
                                    rms_std(nq_ + joint.qvel_offset())});
    ++next;
  }
  for (const std::string& name : slide_bodies) {
    for (const v1::Joint& joint : spec.joints()) {
      if (!has_world_slide(joint) || joint.body() != name) continue;
      for (int i = 0; i < 3; ++i) {
        position_maps_[joint.qpos_offset()][3 * next + i] = joint.world_axis(i);
        velocity_maps_[nq_ + joint.qvel_offset()][3 * next + i] =
            joint.world_axis(i);
        origins_[3 * next + i] = joint.body_origin(i);
      }
    }
    ++next;
  }
  for (const FreeBody& free : free_bodies_) {
    std::vector<int64_t> others;
    for (int b = 0; b < num_tracked_bodies_; ++b) {
      if (b != free.tracked_index) others.push_back(b);
    }
    other_indices_.push_back(torch::tensor(others, torch::kLong));
    // up: 1; own velocity: velocity scale; then position, velocity per other.
    std::vector<float> scales = {1.0f, static_cast<float>(free.velocity_scale)};
    for (size_t o = 0; o < others.size(); ++o) {
      scales.push_back(static_cast<float>(free.position_scale));
      scales.push_back(static_cast<float>(free.velocity_scale));
    }
    relative_scales_.push_back(
        torch::tensor(scales, torch::kFloat32).unsqueeze(-1));  // [M, 1]
  }
  // Per free body: up (3), own velocity (3), and 6 per other tracked body.
  num_geometry_features_ = static_cast<int>(free_bodies_.size()) *
                           (6 + 6 * (num_tracked_bodies_ - 1));
}

torch::Tensor StateOps::GeometryFeatures(const torch::Tensor& states) const {
  if (free_bodies_.empty()) {
    auto shape = states.sizes().vec();
    shape.back() = 0;
    return torch::zeros(shape, states.options());
  }
  // All tracked bodies' positions and velocities in two products, [..., N, 3].
  auto shape = states.sizes().vec();
  shape.back() = num_tracked_bodies_;
  shape.push_back(3);
  auto positions =
      (torch::matmul(states, position_maps_) + origins_).view(shape);
  auto velocities = torch::matmul(states, velocity_maps_).view(shape);
  std::vector<torch::Tensor> features;
  for (size_t f = 0; f < free_bodies_.size(); ++f) {
    const FreeBody& free = free_bodies_[f];
    auto q = states.narrow(-1, free.quaternion_offset, 4);
    q = (q / q.norm(2, -1, true).clamp_min(1e-9)).unsqueeze(-2);
    auto x = positions.narrow(-2, free.tracked_index, 1);
    auto v = velocities.narrow(-2, free.tracked_index, 1);
    // [up, v, p_o - x, v_o - v per other body o], rotated at once and
    // scaled per vector (relative_scales_[f]).
    auto offsets = positions - x;
    if (horizontal_invariance_) {
      // Contact is local: beyond a few position stds, how far another body
      // is tells nothing, and a network would extrapolate from the data's
      // largest distances. Lengths saturate smoothly at kReach stds.
      constexpr double kReach = 2.0;
      const double reach = kReach * free.position_scale;
      offsets = offsets / torch::sqrt(1.0 + offsets.pow(2).sum(-1, true) /
                                                (reach * reach));
    }
    auto relative =
        torch::stack({offsets, velocities - v}, -2);  // [..., N, 2, 3]
    auto others = relative.index_select(-3, other_indices_[f])
                      .flatten(-3, -2);  // [..., 2 (N - 1), 3]
    auto up = torch::zeros_like(v);
    up.select(-1, 2).fill_(1.0);
    auto vectors = torch::cat({up, v, others}, -2);
    features.push_back(
        (QuatRotateInverse(q, vectors) / relative_scales_[f]).flatten(-2));
    if (horizontal_invariance_ && others.size(-2) > 0) {
      // The world-frame view, which hidden world positions no longer give:
      // a push moves the box along the world-frame line between the bodies.
      features.push_back(
          (others / relative_scales_[f].narrow(0, 2, others.size(-2)))
              .flatten(-2));
    }
  }
  return features.size() == 1 ? features.front() : torch::cat(features, -1);
}

torch::Tensor StateOps::StateFeatures(const torch::Tensor& states) const {
  torch::Tensor canonical = states;
  if (!quaternion_qpos_.empty()) {
    canonical = states.clone();
    for (int offset : quaternion_qpos_) {
      auto q = canonical.narrow(-1, offset, 4);
      auto sign = torch::where(q.select(-1, 0).unsqueeze(-1) < 0, -1.0, 1.0);
      q.copy_(q * sign);
    }
  }
  auto z = (canonical - state_mean_) / state_std_;
  auto features = torch::where(quaternion_mask_ > 0, canonical, z);
  return horizontal_invariance_
             ? features.index_select(-1, visible_state_entries_)
             : features;
}

torch::Tensor StateOps::NormalizeActions(const torch::Tensor& actions) const {
  return (actions - action_mean_) / action_std_;
}
torch::Tensor StateOps::NormalizeParameters(const torch::Tensor& p) const {
  return (p - param_mean_) / param_std_;
}
torch::Tensor StateOps::DenormalizeParameters(const torch::Tensor& z) const {
  return z * param_std_ + param_mean_;
}
torch::Tensor StateOps::ParameterRatios(const torch::Tensor& z) const {
  return (DenormalizeParameters(z) / param_unit_).clamp_min(0.0);
}
torch::Tensor StateOps::InverseMassRatios(const torch::Tensor& z) const {
  // Bounded so that an estimate near zero mass cannot blow up the dynamics.
  constexpr double kMinMassRatio = 0.05;
  return 1.0 / ParameterRatios(z)
                   .index_select(-1, mass_indices_)
                   .clamp_min(kMinMassRatio);
}
torch::Tensor StateOps::ScaleActions(const torch::Tensor& actions) const {
  return actions / action_std_;
}
torch::Tensor StateOps::NormalizeDelta(const torch::Tensor& delta) const {
  return (delta - delta_mean_) / delta_std_;
}
torch::Tensor StateOps::DenormalizeDelta(const torch::Tensor& z) const {
  return z * delta_std_ + delta_mean_;
}

torch::Tensor StateOps::TangentDelta(const torch::Tensor& a,
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

torch::Tensor StateOps::TangentIntegrate(const torch::Tensor& state,
                                         const torch::Tensor& delta) const {
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

torch::Tensor StateOps::IntegrateVelocityChange(
    const torch::Tensor& state, const torch::Tensor& dv,
    const torch::Tensor& correction) const {
  auto qvel = state.narrow(1, nq_, nv_);
  auto mean_velocity = qvel + substep_factor_ * dv;
  if (correction.defined()) mean_velocity = mean_velocity + correction;
  return TangentIntegrate(state, torch::cat({dt_ * mean_velocity, dv}, 1));
}

torch::Tensor StateOps::NormalizedVelocityChange(
    const torch::Tensor& states, const torch::Tensor& next) const {
  auto dv = next.narrow(1, nq_, nv_) - states.narrow(1, nq_, nv_);
  return (dv - delta_mean_v_) / delta_std_v_;
}

torch::Tensor StateOps::PositionCorrection(const torch::Tensor& state,
                                           const torch::Tensor& next) const {
  auto qvel = state.narrow(1, nq_, nv_);
  auto dv = next.narrow(1, nq_, nv_) - qvel;
  auto position_change = TangentDelta(state, next).narrow(1, 0, nv_);
  return position_change / dt_ - (qvel + substep_factor_ * dv);
}

}  // namespace wm::worldmodel
