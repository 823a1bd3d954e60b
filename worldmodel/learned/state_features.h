#ifndef WM_WORLDMODEL_LEARNED_STATE_FEATURES_H_
#define WM_WORLDMODEL_LEARNED_STATE_FEATURES_H_

// What the networks read of a [qpos | qvel] state: its z-scored entries
// (quaternions canonicalised, world horizontal positions hidden under
// horizontal invariance) and the bodies' relative geometry. Internal to the
// LibTorch target (includes torch headers).

#include <torch/torch.h>

#include <vector>

#include "wm/v1/dataset.pb.h"
#include "wm/v1/state_spec.pb.h"
#include "worldmodel/learned/state_integration.h"
#include "worldmodel/learned/state_normalization.h"

namespace wm::worldmodel {

// Built once per model. Immutable after construction; thread-safe for
// concurrent reads.
class StateFeatures {
 public:
  // With `horizontal_invariance`, State() hides world horizontal positions
  // (see CheckpointManifest.horizontal_invariance). The z-scores come from
  // `normalization`, the quaternions' places from `integration`; `stats`
  // give the geometry's length and speed scales.
  StateFeatures(const v1::StateSpec& spec, const v1::NormalizationStats& stats,
                bool horizontal_invariance,
                const StateNormalization& normalization,
                const StateIntegration& integration);

  // Network input features of states [..., nx]: z-scored entries, with
  // quaternions sign-canonicalised (w >= 0) and left unscaled,
  // [..., num_state_features()]. Under horizontal invariance, world
  // horizontal positions (free bodies' x, y; world slide joints along a
  // horizontal axis) are left out; else num_state_features() == nx.
  torch::Tensor State(const torch::Tensor& states) const;
  int num_state_features() const { return num_state_features_; }
  // How the bodies sit relative to each free body, [..., G] for states
  // [..., nx]: contacts with the floor and between bodies depend on this,
  // not on world coordinates. Per free body (quaternion q, position x,
  // linear velocity v), all in its body frame: the world's up direction, v,
  // and for each other body with a known world position (free bodies and
  // world slide bodies, see Joint.body in state_spec.proto) its position
  // and velocity relative to x and v. Lengths and speeds are divided by the
  // free body's training std of position and linear velocity (RMS over x,
  // y, z). Under horizontal invariance, relative positions saturate
  // smoothly at 2 stds (contact is local: a network must not extrapolate
  // from the data's largest distances), and each other body's relative
  // position and velocity follow once more in the world frame (the view the
  // hidden world positions gave). G = num_geometry_features(): 0 without
  // free joints.
  torch::Tensor Geometry(const torch::Tensor& states) const;
  int num_geometry_features() const { return num_geometry_features_; }

 private:
  friend class FusedStateOps;  // copies the layout once for inference
  // A free body: its quaternion's qpos offset, its index among the tracked
  // bodies and its position and velocity scales.
  struct FreeBody {
    int quaternion_offset;
    int tracked_index;
    double position_scale, velocity_scale;
  };
  void DescribeBodies(const v1::StateSpec& spec,
                      const v1::NormalizationStats& stats);
  void HideWorldHorizontalPositions(const v1::StateSpec& spec);

  int nq_, nv_;
  int num_geometry_features_ = 0;
  // Bodies whose world position and velocity are linear in the state
  // (free bodies, world slide bodies): N of them, body b's position is
  // columns [3 b, 3 b + 3) of states . position_maps_ + origins_ ([nx, 3 N],
  // [3 N]), its velocity those of states . velocity_maps_. Per free body,
  // the indices of the other tracked bodies and the divisor of each of its
  // feature vectors [M, 1].
  int num_tracked_bodies_ = 0;
  std::vector<FreeBody> free_bodies_;
  torch::Tensor position_maps_, velocity_maps_, origins_;
  std::vector<torch::Tensor> other_indices_, relative_scales_;
  torch::Tensor state_mean_, state_std_, quaternion_mask_;
  std::vector<int> quaternion_qpos_;  // qpos offsets of the quaternions' w
  // The state entries State() keeps under horizontal invariance (undefined
  // without it), and how many it returns.
  bool horizontal_invariance_;
  torch::Tensor visible_state_entries_;
  int num_state_features_ = 0;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_STATE_FEATURES_H_
