#ifndef WM_WORLDMODEL_EVAL_CONSTANT_VELOCITY_MODEL_H_
#define WM_WORLDMODEL_EVAL_CONSTANT_VELOCITY_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "wm/v1/state_spec.pb.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// The simplest baseline: velocities stay as they are and positions integrate
// them over dt (datasets::TangentIntegrate with the position change qvel *
// dt: free-joint positions by their world-frame linear velocity,
// quaternions by q * exp(omega_body * dt), slide and hinge joints
// linearly). Actions and context are ignored (a history is still
// validated); spreads are zero; it takes no physical parameters. Immutable
// and thread-safe.
class ConstantVelocityModel : public WorldModel {
 public:
  // INVALID_ARGUMENT when `spec` fails datasets::ValidateStateSpec or `dt`
  // (seconds) is not finite and > 0.
  static absl::StatusOr<std::unique_ptr<ConstantVelocityModel>> Create(
      const v1::StateSpec& spec, double dt);

  std::string kind() const override { return "constant_velocity"; }
  const v1::StateSpec& spec() const override { return spec_; }
  double dt() const override { return dt_; }
  // None.
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return parameters_;
  }

  // Errors: INVALID_ARGUMENT (tensor_checks.h); FAILED_PRECONDITION for
  // explicit context.parameters.
  absl::StatusOr<Prediction> Predict(const Tensor& states,
                                     const Tensor& actions,
                                     const Context& context) const override;
  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override;
  // Always FAILED_PRECONDITION.
  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override;

  // One step in double precision: `next` [nx] from `state` [nx]. `next` may
  // alias `state`. `spec` must pass ValidateStateSpec. Pure, thread-safe.
  static void Step(const v1::StateSpec& spec, double dt, const double* state,
                   double* next);

 private:
  ConstantVelocityModel(v1::StateSpec spec, double dt)
      : spec_(std::move(spec)), dt_(dt) {}

  v1::StateSpec spec_;
  double dt_;
  std::vector<v1::ParameterInfo> parameters_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_CONSTANT_VELOCITY_MODEL_H_
