#include "worldmodel/learned/state_features.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace wm::worldmodel {

StateFeatures::StateFeatures(const v1::StateSpec& spec,
                             const v1::NormalizationStats& stats,
                             bool horizontal_invariance,
                             const StateNormalization& normalization,
                             const StateIntegration& integration)
    : nq_(spec.nq()),
      nv_(spec.nv()),
      state_mean_(normalization.state_mean()),
      state_std_(normalization.state_std()),
      quaternion_qpos_(integration.quaternion_qpos()),
      horizontal_invariance_(horizontal_invariance) {
  const int nx = nq_ + nv_;
  std::vector<float> mask(nx, 0.0f);
  for (int offset : quaternion_qpos_) {
    for (int k = 0; k < 4; ++k) mask[offset + k] = 1.0f;
  }
  quaternion_mask_ = torch::tensor(mask, torch::kFloat32);
  DescribeBodies(spec, stats);
  num_state_features_ = nx;
  if (horizontal_invariance) HideWorldHorizontalPositions(spec);
}

// Under horizontal invariance: the visible state entries, and each other
// body's world-frame relative position and velocity as geometry features.
void StateFeatures::HideWorldHorizontalPositions(const v1::StateSpec& spec) {
  const int nx = nq_ + nv_;
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
  num_state_features_ = static_cast<int>(visible_state_entries_.numel());
}

void StateFeatures::DescribeBodies(const v1::StateSpec& spec,
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

torch::Tensor StateFeatures::Geometry(const torch::Tensor& states) const {
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

torch::Tensor StateFeatures::State(const torch::Tensor& states) const {
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

}  // namespace wm::worldmodel
