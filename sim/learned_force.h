#ifndef WM_SIM_LEARNED_FORCE_H_
#define WM_SIM_LEARNED_FORCE_H_

// A learned generalised force that MuJoCo adds at every step of the
// integration (v1::LearnedForce, model.proto): a one-hidden-layer tanh
// network over physical features of the current state, evaluated in plain
// C++ (a few hundred multiply-adds, no LibTorch dispatch), written to
// mjData.qfrc_applied before each mj_step. All-zero output weights give zero
// force: the plain simulation.
//
// Features and outputs:
//   "box_corners" (a scene whose first joint is a free joint of a box of
//     half-width h; the floor is z = 0): for each of the 8 corners c, its
//     height z_c, its velocity v_c (world), normal speed v_n = v_c.z and slip
//     speed s = |(v_c.x, v_c.y)|. Input [z_c / h, v_n, s] (SI units);
//     outputs (o_n, o_t). The corner's force, world frame:
//       F_c = m g gate(z_c) (o_n e_z + o_t (v_c.x, v_c.y, 0) / sqrt(s^2 +
//             0.01^2)),
//     m the body's mass, g = 9.81, gate(z) = sigmoid((0.005 a - z) /
//     (0.002 exp(b))) (a, b the two last weights): the force acts only near
//     the floor, the same network at every corner.
//   "joints" (every joint a hinge): input [sin q_j, cos q_j, qdot_j / 10]
//     for all J joints; output o_j, the torque 0.1 o_j N m on joint j.
// Weight layout: W1 [hidden, inputs] row-major, b1 [hidden], W2 [outputs,
// hidden], b2 [outputs], then box_corners' (a, b).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mujoco/mujoco.h"
#include "wm/v1/model.pb.h"

namespace wm::sim {

class LearnedForceLaw {
 public:
  // The number of weights of `features` ("box_corners" or "joints") with
  // `hidden` units on `model`. INVALID_ARGUMENT naming the feature set for an
  // unknown one or a model it does not fit (box_corners: joint 0 free;
  // joints: hinges only), or hidden outside [1, 64].
  static absl::StatusOr<int> NumWeights(const std::string& features, int hidden,
                                        const mjModel& model);

  // The law of `force` on `model` (a scene's compiled model; parameters may
  // change the mass later: the law reads it at each step).
  // INVALID_ARGUMENT as NumWeights, for a weight count that differs from
  // NumWeights (both named), a non-finite weight, or box_corners with a
  // half_width that is not positive.
  static absl::StatusOr<std::shared_ptr<const LearnedForceLaw>> Create(
      const v1::LearnedForce& force, const mjModel& model);

  // Writes the force at `data`'s current qpos and qvel into
  // data->qfrc_applied (nv values; every entry is overwritten).
  void Apply(const mjModel& model, mjData* data) const;

  const v1::LearnedForce& proto() const { return proto_; }

 private:
  LearnedForceLaw(v1::LearnedForce proto, int inputs, int outputs);

  // The network's outputs for `input` [inputs_] into `output` [outputs_].
  void Evaluate(const double* input, double* output) const;
  void ApplyBoxCorners(const mjModel& model, mjData* data) const;
  void ApplyJoints(const mjModel& model, mjData* data) const;

  v1::LearnedForce proto_;
  bool box_corners_;
  int inputs_, outputs_, hidden_;
  std::vector<double> weights_;
};

}  // namespace wm::sim

#endif  // WM_SIM_LEARNED_FORCE_H_
