#ifndef WM_WORLDMODEL_LEARNED_STATE_INTEGRATION_H_
#define WM_WORLDMODEL_LEARNED_STATE_INTEGRATION_H_

// Batched, differentiable motion on [qpos | qvel] states with quaternion
// joints: tangent-space differences, integration of tangent deltas and
// MuJoCo's semi-implicit Euler step; and the quaternion helpers they use.
// Internal to the LibTorch target (includes torch headers).

#include <torch/torch.h>

#include <vector>

#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// The StateSpec's joint layout as index tensors, built once per model.
// Immutable after construction; thread-safe for concurrent reads.
class StateIntegration {
 public:
  // `frame_skip` MuJoCo substeps per dt, for the position update.
  StateIntegration(const v1::StateSpec& spec, double dt, int frame_skip);

  int nq() const { return nq_; }
  int nv() const { return nv_; }
  double dt() const { return dt_; }

  // The scalar position coordinates (slide, hinge, free x y z): their qpos
  // indices and the qvel indices of their velocities, [n] each.
  const torch::Tensor& linear_qpos() const { return linear_qpos_; }
  const torch::Tensor& linear_qvel() const { return linear_qvel_; }
  // The qpos offsets of the quaternions' w (free and ball joints).
  const std::vector<int>& quaternion_qpos() const { return quaternion_qpos_; }

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
  friend class FusedStateOps;  // copies the layout once for inference
  int nq_, nv_;
  double dt_;
  double substep_factor_;
  // Joints with quaternions: qpos offset of w and qvel offset of the angular
  // part; free joints also move their qpos[0:3] by qvel[0:3].
  std::vector<int> quaternion_qpos_, quaternion_qvel_;
  // Scalar coordinates: qpos index -> qvel index (slide, hinge, free xyz).
  torch::Tensor linear_qpos_, linear_qvel_;
};

// Quaternion helpers on [..., 4] (w first) and rotation vectors [..., 3].
torch::Tensor QuatMultiply(const torch::Tensor& a, const torch::Tensor& b);
torch::Tensor QuatExp(const torch::Tensor& rotation_vector);
torch::Tensor QuatLog(const torch::Tensor& q);
// v [..., 3] rotated by the inverse of unit quaternion q [..., 4] (a world
// vector in the body frame of a body with orientation q).
torch::Tensor QuatRotateInverse(const torch::Tensor& q, const torch::Tensor& v);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_STATE_INTEGRATION_H_
