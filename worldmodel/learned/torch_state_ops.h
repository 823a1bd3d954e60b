#ifndef WM_WORLDMODEL_LEARNED_TORCH_STATE_OPS_H_
#define WM_WORLDMODEL_LEARNED_TORCH_STATE_OPS_H_

// Batched, differentiable state-space operations in LibTorch: features,
// normalisation, tangent-space differences and semi-implicit integration on
// [qpos | qvel] states with quaternion joints. Internal to the LibTorch
// target (includes torch headers).

#include <torch/torch.h>

#include <string>
#include <vector>

#include "util/tensor.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// The StateSpec and normalisation statistics as tensors, built once per
// model. Immutable after construction; thread-safe for concurrent reads.
class StateOps {
 public:
  // `frame_skip` MuJoCo substeps per dt, for the position update.
  // `parameter_names` (`<element>/<quantity>`, in the order of the stats'
  // parameters; may be empty) mark which parameters are masses. With
  // `horizontal_invariance`, StateFeatures hides world horizontal positions
  // (see CheckpointManifest.horizontal_invariance).
  StateOps(const v1::StateSpec& spec, const v1::NormalizationStats& stats,
           double dt, int frame_skip,
           const std::vector<std::string>& parameter_names = {},
           bool horizontal_invariance = false);

  int nq() const { return nq_; }
  int nv() const { return nv_; }
  int nx() const { return nq_ + nv_; }
  int nu() const { return nu_; }
  int num_parameters() const { return num_parameters_; }
  // Number of parameters whose quantity is `mass`.
  int num_masses() const { return static_cast<int>(mass_indices_.numel()); }
  double dt() const { return dt_; }

  // Network input features of states [..., nx]: z-scored entries, with
  // quaternions sign-canonicalised (w >= 0) and left unscaled,
  // [..., num_state_features()]. Under horizontal invariance, world
  // horizontal positions (free bodies' x, y; world slide joints along a
  // horizontal axis) are left out; else num_state_features() == nx().
  torch::Tensor StateFeatures(const torch::Tensor& states) const;
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
  torch::Tensor GeometryFeatures(const torch::Tensor& states) const;
  int num_geometry_features() const { return num_geometry_features_; }
  // z-scored actions [..., nu] and parameters [..., P].
  torch::Tensor NormalizeActions(const torch::Tensor& actions) const;
  torch::Tensor NormalizeParameters(const torch::Tensor& parameters) const;
  torch::Tensor DenormalizeParameters(const torch::Tensor& normalized) const;
  // Physical scale features of normalised parameters [B, P]: each parameter
  // in SI units over its training mean (>= 0), [B, P]; and each mass's
  // training mean over the mass (inverse mass ratio, bounded), [B, masses].
  torch::Tensor ParameterRatios(const torch::Tensor& normalized) const;
  torch::Tensor InverseMassRatios(const torch::Tensor& normalized) const;
  // Actions [..., nu] divided by their training std (not centred: zero
  // stays zero, so a control-affine term vanishes without control).
  torch::Tensor ScaleActions(const torch::Tensor& actions) const;
  // The z-scored velocity change [B, nv] from states [B, nx] to next [B, nx]
  // (what a physics member predicts).
  torch::Tensor NormalizedVelocityChange(const torch::Tensor& states,
                                         const torch::Tensor& next) const;
  // Tangent deltas [..., 2 nv] to and from z-scores.
  torch::Tensor NormalizeDelta(const torch::Tensor& delta) const;
  torch::Tensor DenormalizeDelta(const torch::Tensor& normalized) const;
  // Std of the tangent deltas [2 nv], and of their velocity part [nv].
  const torch::Tensor& delta_std() const { return delta_std_; }
  const torch::Tensor& velocity_delta_std() const { return delta_std_v_; }
  const torch::Tensor& velocity_delta_mean() const { return delta_mean_v_; }
  // 1 for the tangent delta entries [2 nv] (velocity part [nv]) that varied
  // in training, 0 for those that never did (std <= datasets::kConstantStd,
  // such as a joint the data never moves): models predict their training
  // mean change there, with no spread, since the data say nothing else.
  const torch::Tensor& delta_varies() const { return delta_varies_; }
  const torch::Tensor& velocity_delta_varies() const { return delta_varies_v_; }

  // The scalar position coordinates (slide, hinge, free x y z): their qpos
  // indices and the qvel indices of their velocities, [n] each.
  const torch::Tensor& linear_qpos() const { return linear_qpos_; }
  const torch::Tensor& linear_qvel() const { return linear_qvel_; }

  // Tangent difference b - a [B, 2 nv] of states [B, nx] (quaternions: body
  // rotation vectors of q_a^-1 q_b).
  torch::Tensor TangentDelta(const torch::Tensor& a,
                             const torch::Tensor& b) const;
  // State [B, nx] advanced by a tangent delta [B, 2 nv]; quaternions stay
  // unit.
  torch::Tensor TangentIntegrate(const torch::Tensor& state,
                                 const torch::Tensor& delta) const;
  // MuJoCo's semi-implicit Euler over frame_skip substeps with a constant
  // velocity change `dv` [B, nv] over dt: v' = v + dv, position change
  // dt * (v + (n + 1) / (2 n) dv + correction). `correction` [B, nv] (m/s,
  // rad/s; may be undefined for none) is the mean velocity's departure from
  // that constant-acceleration profile: a contact that starts or ends
  // within the step, a servo that settles early. Returns the next states
  // [B, nx].
  torch::Tensor IntegrateVelocityChange(
      const torch::Tensor& state, const torch::Tensor& dv,
      const torch::Tensor& correction = torch::Tensor()) const;
  // The correction [B, nv] with which IntegrateVelocityChange maps `state`
  // to `next` (both [B, nx]) given their true velocity change.
  torch::Tensor PositionCorrection(const torch::Tensor& state,
                                   const torch::Tensor& next) const;

 private:
  // A free body: its quaternion's qpos offset, its index among the tracked
  // bodies and its position and velocity scales.
  struct FreeBody {
    int quaternion_offset;
    int tracked_index;
    double position_scale, velocity_scale;
  };
  void DescribeBodies(const v1::StateSpec& spec,
                      const v1::NormalizationStats& stats);

  int nq_, nv_, nu_, num_parameters_;
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
  double dt_;
  double substep_factor_;
  torch::Tensor state_mean_, state_std_, quaternion_mask_;
  // The state entries StateFeatures keeps under horizontal invariance
  // (undefined without it), and how many it returns.
  bool horizontal_invariance_;
  torch::Tensor visible_state_entries_;
  int num_state_features_ = 0;
  torch::Tensor action_mean_, action_std_;
  torch::Tensor param_mean_, param_std_;
  torch::Tensor param_unit_;  // per-parameter divisor of ParameterRatios
  torch::Tensor mass_indices_;
  torch::Tensor delta_mean_, delta_std_;
  torch::Tensor delta_mean_v_, delta_std_v_;
  torch::Tensor delta_varies_, delta_varies_v_;
  // Joints with quaternions: qpos offset of w and qvel offset of the angular
  // part; free joints also move their qpos[0:3] by qvel[0:3].
  std::vector<int> quaternion_qpos_, quaternion_qvel_;
  // Scalar coordinates: qpos index -> qvel index (slide, hinge, free xyz).
  torch::Tensor linear_qpos_, linear_qvel_;
};

// Conversions between wm::Tensor (float32, row-major) and torch tensors.
torch::Tensor ToTorch(const Tensor& tensor);
Tensor FromTorch(const torch::Tensor& tensor);

// Quaternion helpers on [..., 4] (w first) and rotation vectors [..., 3].
torch::Tensor QuatMultiply(const torch::Tensor& a, const torch::Tensor& b);
torch::Tensor QuatExp(const torch::Tensor& rotation_vector);
torch::Tensor QuatLog(const torch::Tensor& q);
// v [..., 3] rotated by the inverse of unit quaternion q [..., 4] (a world
// vector in the body frame of a body with orientation q).
torch::Tensor QuatRotateInverse(const torch::Tensor& q, const torch::Tensor& v);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TORCH_STATE_OPS_H_
