#include "worldmodel/learned/fused_state_ops.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "util/logging.h"
#include "worldmodel/learned/torch_state_ops.h"

namespace wm::worldmodel {
namespace {

// The largest nx (and 2 nv) of the row buffers on the stack.
constexpr int kMaxStateSize = 512;

std::vector<float> Floats(const torch::Tensor& tensor) {
  if (!tensor.defined()) return {};
  torch::Tensor t = tensor.to(torch::kFloat32).contiguous();
  return std::vector<float>(t.data_ptr<float>(),
                            t.data_ptr<float>() + t.numel());
}

std::vector<int> Ints(const torch::Tensor& tensor) {
  if (!tensor.defined()) return {};
  torch::Tensor t = tensor.to(torch::kLong).contiguous();
  return std::vector<int>(t.data_ptr<int64_t>(),
                          t.data_ptr<int64_t>() + t.numel());
}

// Quaternions (w first) and 3-vectors, as in state_integration.cc.
void QuatMultiply(const float* a, const float* b, float* out) {
  out[0] = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
  out[1] = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
  out[2] = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
  out[3] = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
}

void QuatExp(const float* r, float* out) {
  const float angle_sq = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  const float angle = std::sqrt(angle_sq + 1e-20f);
  const bool small = angle_sq < 1e-8f;
  const float sinc =
      small ? 0.5f - angle_sq / 48.0f : std::sin(0.5f * angle) / angle;
  out[0] = small ? 1.0f - angle_sq / 8.0f : std::cos(0.5f * angle);
  for (int i = 0; i < 3; ++i) out[i + 1] = r[i] * sinc;
}

void QuatLog(const float* q_in, float* out) {
  const float sign = q_in[0] < 0 ? -1.0f : 1.0f;
  const float w = q_in[0] * sign;
  const float v[3] = {q_in[1] * sign, q_in[2] * sign, q_in[3] * sign};
  const float norm_sq = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  const float norm = std::sqrt(norm_sq + 1e-20f);
  const float scale = norm_sq < 1e-12f ? 2.0f / std::max(w, 1e-6f)
                                       : 2.0f * std::atan2(norm, w) / norm;
  for (int i = 0; i < 3; ++i) out[i] = v[i] * scale;
}

void Cross(const float* a, const float* b, float* out) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

// v rotated by the inverse of unit quaternion q: v - 2 w (u x v) + 2 u x
// (u x v).
void QuatRotateInverse(const float* q, const float* v, float* out) {
  const float* u = q + 1;
  float uv[3], uuv[3];
  Cross(u, v, uv);
  Cross(u, uv, uuv);
  for (int i = 0; i < 3; ++i)
    out[i] = v[i] - 2.0f * q[0] * uv[i] + 2.0f * uuv[i];
}

}  // namespace

FusedStateOps::FusedStateOps(const StateOps& ops)
    : nq_(ops.nq()),
      nv_(ops.nv()),
      nu_(ops.nu()),
      dt_(ops.integration().dt_),
      substep_factor_(ops.integration().substep_factor_) {
  CHECK_LE(nx(), kMaxStateSize) << "state too large for the fused path";
  CHECK_LE(3 * ops.features().num_tracked_bodies_, kMaxStateSize);
  const StateNormalization& n = ops.normalization();
  state_mean_ = Floats(n.state_mean_);
  state_std_ = Floats(n.state_std_);
  action_mean_ = Floats(n.action_mean_);
  action_std_ = Floats(n.action_std_);
  param_mean_ = Floats(n.param_mean_);
  param_std_ = Floats(n.param_std_);
  param_unit_ = Floats(n.param_unit_);
  mass_indices_ = Ints(n.mass_indices_);
  delta_mean_ = Floats(n.delta_mean_);
  delta_std_ = Floats(n.delta_std_);
  delta_varies_ = Floats(n.delta_varies_);

  const StateIntegration& integration = ops.integration();
  linear_qpos_ = Ints(integration.linear_qpos_);
  linear_qvel_ = Ints(integration.linear_qvel_);
  quaternion_qpos_ = integration.quaternion_qpos_;
  quaternion_qvel_ = integration.quaternion_qvel_;

  const auto& features = ops.features();
  horizontal_invariance_ = features.horizontal_invariance_;
  num_state_features_ = features.num_state_features_;
  num_geometry_features_ = features.num_geometry_features_;
  num_tracked_bodies_ = features.num_tracked_bodies_;
  if (horizontal_invariance_) {
    visible_ = Ints(features.visible_state_entries_);
  } else {
    for (int i = 0; i < nx(); ++i) visible_.push_back(i);
  }
  origins_ = Floats(features.origins_);
  // The maps' non-zero entries.
  const std::vector<float> position_maps = Floats(features.position_maps_);
  const std::vector<float> velocity_maps = Floats(features.velocity_maps_);
  const int columns = 3 * num_tracked_bodies_;
  for (int i = 0; i < static_cast<int>(position_maps.size()); ++i) {
    if (position_maps[i] != 0.0f) {
      position_terms_.push_back({i / columns, i % columns, position_maps[i]});
    }
    if (velocity_maps[i] != 0.0f) {
      velocity_terms_.push_back({i / columns, i % columns, velocity_maps[i]});
    }
  }
  for (size_t f = 0; f < features.free_bodies_.size(); ++f) {
    const auto& body = features.free_bodies_[f];
    FreeBody free;
    free.quaternion_offset = body.quaternion_offset;
    free.tracked_index = body.tracked_index;
    free.position_scale = static_cast<float>(body.position_scale);
    free.velocity_scale = static_cast<float>(body.velocity_scale);
    free.others = Ints(features.other_indices_[f]);
    free.scales = Floats(features.relative_scales_[f]);
    free_bodies_.push_back(std::move(free));
  }
}

void FusedStateOps::StateFeatures(const float* state, float* out) const {
  float c[kMaxStateSize];
  const int n = nx();
  for (int i = 0; i < n; ++i)
    c[i] = (state[i] - state_mean_[i]) / state_std_[i];
  // Quaternions: sign-canonicalised (w >= 0), unscaled.
  for (int offset : quaternion_qpos_) {
    const float sign = state[offset] < 0 ? -1.0f : 1.0f;
    for (int k = 0; k < 4; ++k) c[offset + k] = state[offset + k] * sign;
  }
  for (int i = 0; i < num_state_features_; ++i) out[i] = c[visible_[i]];
}

void FusedStateOps::Geometry(const float* state, float* out) const {
  if (free_bodies_.empty()) return;
  const int columns = 3 * num_tracked_bodies_;
  float positions[kMaxStateSize], velocities[kMaxStateSize];
  std::copy(origins_.begin(), origins_.end(), positions);
  std::fill(velocities, velocities + columns, 0.0f);
  for (const MapTerm& term : position_terms_) {
    positions[term.column] += state[term.entry] * term.coefficient;
  }
  for (const MapTerm& term : velocity_terms_) {
    velocities[term.column] += state[term.entry] * term.coefficient;
  }
  for (const FreeBody& free : free_bodies_) {
    float q[4];
    const float* raw = state + free.quaternion_offset;
    const float norm = std::max(std::sqrt(raw[0] * raw[0] + raw[1] * raw[1] +
                                          raw[2] * raw[2] + raw[3] * raw[3]),
                                1e-9f);
    for (int k = 0; k < 4; ++k) q[k] = raw[k] / norm;
    const float* x = &positions[3 * free.tracked_index];
    const float* v = &velocities[3 * free.tracked_index];
    // [up, v, then per other body: its offset and relative velocity].
    float vectors[2 * kMaxStateSize];
    const float up_and_velocity[6] = {0.0f, 0.0f, 1.0f, v[0], v[1], v[2]};
    std::copy(up_and_velocity, up_and_velocity + 6, vectors);
    int count = 2;
    const float reach = 2.0f * free.position_scale;  // state_features.cc
    for (int o : free.others) {
      float offset[3];
      for (int i = 0; i < 3; ++i) offset[i] = positions[3 * o + i] - x[i];
      if (horizontal_invariance_) {
        const float length_sq = offset[0] * offset[0] + offset[1] * offset[1] +
                                offset[2] * offset[2];
        const float shrink = std::sqrt(1.0f + length_sq / (reach * reach));
        for (float& value : offset) value /= shrink;
      }
      for (int i = 0; i < 3; ++i) {
        vectors[3 * count + i] = offset[i];
        vectors[3 * count + 3 + i] = velocities[3 * o + i] - v[i];
      }
      count += 2;
    }
    for (int m = 0; m < count; ++m) {
      QuatRotateInverse(q, &vectors[3 * m], out);
      for (int i = 0; i < 3; ++i) out[i] /= free.scales[m];
      out += 3;
    }
    if (horizontal_invariance_) {
      for (int m = 2; m < count; ++m) {
        for (int i = 0; i < 3; ++i)
          *out++ = vectors[3 * m + i] / free.scales[m];
      }
    }
  }
}

void FusedStateOps::NormalizeActions(const float* actions, float* out) const {
  for (int i = 0; i < nu_; ++i) {
    out[i] = (actions[i] - action_mean_[i]) / action_std_[i];
  }
}

void FusedStateOps::ScaleActions(const float* actions, float* out) const {
  for (int i = 0; i < nu_; ++i) out[i] = actions[i] / action_std_[i];
}

void FusedStateOps::NormalizeParameters(const float* parameters,
                                        float* out) const {
  for (int i = 0; i < num_parameters(); ++i) {
    out[i] = (parameters[i] - param_mean_[i]) / param_std_[i];
  }
}

void FusedStateOps::ParameterFeatures(const float* normalized, float* ratios,
                                      float* inverse_masses) const {
  constexpr float kMinMassRatio = 0.05f;  // state_normalization.cc
  for (int i = 0; i < num_parameters(); ++i) {
    ratios[i] = std::max(
        (normalized[i] * param_std_[i] + param_mean_[i]) / param_unit_[i],
        0.0f);
  }
  for (int m = 0; m < num_masses(); ++m) {
    inverse_masses[m] =
        1.0f / std::max(ratios[mass_indices_[m]], kMinMassRatio);
  }
}

void FusedStateOps::TangentDelta(const float* a, const float* b,
                                 float* out) const {
  std::fill(out, out + nv_, 0.0f);
  for (size_t i = 0; i < linear_qpos_.size(); ++i) {
    out[linear_qvel_[i]] = b[linear_qpos_[i]] - a[linear_qpos_[i]];
  }
  for (size_t j = 0; j < quaternion_qpos_.size(); ++j) {
    const float* qa = a + quaternion_qpos_[j];
    const float conjugate[4] = {qa[0], -qa[1], -qa[2], -qa[3]};
    float relative[4];
    QuatMultiply(conjugate, b + quaternion_qpos_[j], relative);
    QuatLog(relative, out + quaternion_qvel_[j]);
  }
  for (int i = 0; i < nv_; ++i) out[nv_ + i] = b[nq_ + i] - a[nq_ + i];
}

void FusedStateOps::TangentIntegrate(const float* state, const float* delta,
                                     float* out) const {
  std::copy(state, state + nq_, out);
  for (size_t i = 0; i < linear_qpos_.size(); ++i) {
    out[linear_qpos_[i]] += delta[linear_qvel_[i]];
  }
  for (size_t j = 0; j < quaternion_qpos_.size(); ++j) {
    float rotation[4], moved[4];
    QuatExp(delta + quaternion_qvel_[j], rotation);
    QuatMultiply(state + quaternion_qpos_[j], rotation, moved);
    const float norm =
        std::max(std::sqrt(moved[0] * moved[0] + moved[1] * moved[1] +
                           moved[2] * moved[2] + moved[3] * moved[3]),
                 1e-12f);
    for (int k = 0; k < 4; ++k) out[quaternion_qpos_[j] + k] = moved[k] / norm;
  }
  for (int i = 0; i < nv_; ++i) out[nq_ + i] = state[nq_ + i] + delta[nv_ + i];
}

void FusedStateOps::IntegrateVelocityChange(const float* state, const float* dv,
                                            const float* correction,
                                            float* out) const {
  float d[kMaxStateSize];
  const float dt = static_cast<float>(dt_);
  const float factor = static_cast<float>(substep_factor_);
  for (int i = 0; i < nv_; ++i) {
    d[i] = dt * (state[nq_ + i] + factor * dv[i] + correction[i]);
    d[nv_ + i] = dv[i];
  }
  TangentIntegrate(state, d, out);
}

}  // namespace wm::worldmodel
