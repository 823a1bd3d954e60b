#include "worldmodel/learned/fused_state_ops.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "util/logging.h"
#include "worldmodel/learned/fused_columns.h"
#include "worldmodel/learned/fused_math.h"
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

// Column helpers of the features, over `count` rows (fused_columns.h).
// out = (x - mean) inverse_std.
WM_VECTORIZED void NormalizeColumn(int count, float mean, float inverse_std,
                                   const float* __restrict x,
                                   float* __restrict out) {
  for (int i = 0; i < count; ++i) out[i] = (x[i] - mean) * inverse_std;
}

// out = x with the sign that makes the quaternion's w (`w`) non-negative.
WM_VECTORIZED void CanonicalSignColumn(int count, const float* __restrict w,
                                       const float* __restrict x,
                                       float* __restrict out) {
  for (int i = 0; i < count; ++i) out[i] = w[i] < 0 ? -x[i] : x[i];
}

// sum += coefficient x.
WM_VECTORIZED void AddScaledColumn(int count, float coefficient,
                                   const float* __restrict x,
                                   float* __restrict sum) {
  for (int i = 0; i < count; ++i) sum[i] += x[i] * coefficient;
}

// out = scale x.
WM_VECTORIZED void ScaleColumn(int count, float scale,
                               const float* __restrict x,
                               float* __restrict out) {
  for (int i = 0; i < count; ++i) out[i] = x[i] * scale;
}

// The quaternion columns [4] `raw` normalised (norm at least 1e-9) into q.
WM_VECTORIZED void UnitQuaternionColumns(int count, const float* __restrict raw,
                                         float* __restrict q) {
  constexpr int B = kBlockRows;
  for (int i = 0; i < count; ++i) {
    const float norm =
        std::max(std::sqrt(raw[i] * raw[i] + raw[B + i] * raw[B + i] +
                           raw[2 * B + i] * raw[2 * B + i] +
                           raw[3 * B + i] * raw[3 * B + i]),
                 1e-9f);
    const float inverse = 1.0f / norm;
    for (int k = 0; k < 4; ++k) q[k * B + i] = raw[k * B + i] * inverse;
  }
}

// out [3 columns] = a - b [3 columns each]; with inverse_reach > 0, shrunk
// by sqrt(1 + |a - b|^2 inverse_reach^2) (state_features.cc).
WM_VECTORIZED void OffsetColumns(int count, const float* __restrict a,
                                 const float* __restrict b, float inverse_reach,
                                 float* __restrict out) {
  constexpr int B = kBlockRows;
  const float reach_sq = inverse_reach * inverse_reach;
  for (int i = 0; i < count; ++i) {
    float d[3];
    for (int c = 0; c < 3; ++c) d[c] = a[c * B + i] - b[c * B + i];
    const float length_sq = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    const float inverse = 1.0f / std::sqrt(1.0f + length_sq * reach_sq);
    for (int c = 0; c < 3; ++c) out[c * B + i] = d[c] * inverse;
  }
}

// out [3 columns `ld` apart] = the vector columns v [3] rotated by the
// inverse of the unit quaternion columns q [4], times scale: v - 2 w (u x
// v) + 2 u x (u x v).
WM_VECTORIZED void RotateInverseColumns(int count, const float* __restrict q,
                                        const float* __restrict v, float scale,
                                        float* __restrict out, int64_t ld) {
  constexpr int B = kBlockRows;
  for (int i = 0; i < count; ++i) {
    const float w = q[i], u[3] = {q[B + i], q[2 * B + i], q[3 * B + i]};
    const float x[3] = {v[i], v[B + i], v[2 * B + i]};
    float uv[3], uuv[3];
    Cross(u, x, uv);
    Cross(u, uv, uuv);
    for (int c = 0; c < 3; ++c) {
      out[c * ld + i] = (x[c] - 2.0f * w * uv[c] + 2.0f * uuv[c]) * scale;
    }
  }
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
  for (float s : state_std_) inverse_state_std_.push_back(1.0f / s);
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
    for (float scale : Floats(features.relative_scales_[f])) {
      free.inverse_scales.push_back(1.0f / scale);
    }
    free_bodies_.push_back(std::move(free));
  }
}

void FusedStateOps::StateFeatureColumns(int count, const float* state,
                                        float* out, int64_t ld) const {
  for (int f = 0; f < num_state_features_; ++f) {
    const int j = visible_[f];
    // Quaternions: sign-canonicalised (w >= 0), unscaled.
    int quaternion = -1;
    for (int offset : quaternion_qpos_) {
      if (j >= offset && j < offset + 4) quaternion = offset;
    }
    if (quaternion < 0) {
      NormalizeColumn(count, state_mean_[j], inverse_state_std_[j],
                      state + j * kBlockRows, out + f * ld);
    } else {
      CanonicalSignColumn(count, state + quaternion * kBlockRows,
                          state + j * kBlockRows, out + f * ld);
    }
  }
}

void FusedStateOps::GeometryColumns(int count, const float* state, float* out,
                                    int64_t ld) const {
  if (free_bodies_.empty()) return;
  constexpr int B = kBlockRows;
  const int columns = 3 * num_tracked_bodies_;
  std::vector<float> positions(columns * B), velocities(columns * B, 0.0f);
  for (int c = 0; c < columns; ++c) {
    std::fill_n(&positions[c * B], count, origins_[c]);
  }
  for (const MapTerm& term : position_terms_) {
    AddScaledColumn(count, term.coefficient, state + term.entry * B,
                    &positions[term.column * B]);
  }
  for (const MapTerm& term : velocity_terms_) {
    AddScaledColumn(count, term.coefficient, state + term.entry * B,
                    &velocities[term.column * B]);
  }
  std::vector<float> q(4 * B), vectors(3 * B);
  for (const FreeBody& free : free_bodies_) {
    UnitQuaternionColumns(count, state + free.quaternion_offset * B, q.data());
    const float* x = &positions[3 * free.tracked_index * B];
    const float* v = &velocities[3 * free.tracked_index * B];
    // The rotated vectors: up, v, then per other body its offset and
    // relative velocity; without horizontal invariance the offsets and
    // relative velocities also unrotated after them.
    std::fill(vectors.begin(), vectors.begin() + 2 * B, 0.0f);
    std::fill_n(&vectors[2 * B], B, 1.0f);
    RotateInverseColumns(count, q.data(), vectors.data(),
                         free.inverse_scales[0], out, ld);
    RotateInverseColumns(count, q.data(), v, free.inverse_scales[1],
                         out + 3 * ld, ld);
    float* unrotated =
        out + 3 * static_cast<int64_t>(free.inverse_scales.size()) * ld;
    out += 6 * ld;
    const float inverse_reach = 1.0f / (2.0f * free.position_scale);
    for (size_t o = 0; o < free.others.size(); ++o) {
      const float* other = &positions[3 * free.others[o] * B];
      const float* other_velocity = &velocities[3 * free.others[o] * B];
      for (int pair = 0; pair < 2; ++pair) {
        const float scale = free.inverse_scales[2 + 2 * o + pair];
        if (pair == 0) {
          OffsetColumns(count, other, x,
                        horizontal_invariance_ ? inverse_reach : 0.0f,
                        vectors.data());
        } else {
          OffsetColumns(count, other_velocity, v, 0.0f, vectors.data());
        }
        RotateInverseColumns(count, q.data(), vectors.data(), scale, out, ld);
        out += 3 * ld;
        if (horizontal_invariance_) {
          for (int i = 0; i < 3; ++i) {
            ScaleColumn(count, scale, &vectors[i * B], unrotated + i * ld);
          }
          unrotated += 3 * ld;
        }
      }
    }
    if (horizontal_invariance_) out = unrotated;
  }
}

void FusedStateOps::NormalizeActionColumns(int count, const float* actions,
                                           int64_t stride, float* out,
                                           int64_t ld) const {
  for (int a = 0; a < nu_; ++a) {
    for (int i = 0; i < count; ++i) {
      out[a * ld + i] =
          (actions[i * stride + a] - action_mean_[a]) / action_std_[a];
    }
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
