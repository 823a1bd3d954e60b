#include "worldmodel/eval/constant_velocity_model.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "datasets/state_layout.h"
#include "util/status_macros.h"
#include "worldmodel/tensor_checks.h"

namespace wm::worldmodel {

absl::StatusOr<std::unique_ptr<ConstantVelocityModel>>
ConstantVelocityModel::Create(const v1::StateSpec& spec, double dt) {
  WM_RETURN_IF_ERROR(datasets::ValidateStateSpec(spec));
  if (!std::isfinite(dt) || dt <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant velocity model: dt must be > 0 s, got ", dt));
  }
  return std::unique_ptr<ConstantVelocityModel>(
      new ConstantVelocityModel(spec, dt));
}

void ConstantVelocityModel::Step(const v1::StateSpec& spec, double dt,
                                 const double* state, double* next) {
  const int nq = spec.nq(), nv = spec.nv();
  // Tangent step: position change qvel * dt, no velocity change.
  std::vector<double> delta(2 * nv, 0.0);
  for (int i = 0; i < nv; ++i) delta[i] = state[nq + i] * dt;
  datasets::TangentIntegrate(spec, state, delta.data(), next);
}

absl::StatusOr<Prediction> ConstantVelocityModel::Predict(
    const Tensor& states, const Tensor& actions, const Context& context) const {
  WM_RETURN_IF_ERROR(CheckPredictInputs(spec_, states, actions));
  const int64_t batch = states.shape[0];
  WM_RETURN_IF_ERROR(CheckContext(spec_, 0, batch, context));
  const int nx = spec_.nq() + spec_.nv(), nv = spec_.nv();
  Prediction prediction;
  prediction.mean = Tensor::Filled({batch, nx});
  prediction.epistemic_std = Tensor::Filled({batch, 2 * nv});
  prediction.aleatoric_std = Tensor::Filled({batch, 2 * nv});
  std::vector<double> state(nx);
  for (int64_t row = 0; row < batch; ++row) {
    for (int i = 0; i < nx; ++i) state[i] = states.data[row * nx + i];
    Step(spec_, dt_, state.data(), state.data());
    for (int i = 0; i < nx; ++i) {
      prediction.mean.data[row * nx + i] = static_cast<float>(state[i]);
    }
  }
  return prediction;
}

absl::StatusOr<Trajectory> ConstantVelocityModel::Rollout(
    const Tensor& initial, const Tensor& actions,
    const Context& context) const {
  WM_RETURN_IF_ERROR(CheckRolloutInputs(spec_, initial, actions));
  const int64_t n = actions.shape[0], horizon = actions.shape[1];
  WM_RETURN_IF_ERROR(CheckContext(spec_, 0, n, context));
  const int nx = spec_.nq() + spec_.nv(), nv = spec_.nv();
  Trajectory trajectory;
  trajectory.mean = Tensor::Filled({n, horizon + 1, nx});
  trajectory.epistemic_std = Tensor::Filled({n, horizon + 1, 2 * nv});
  trajectory.aleatoric_std = Tensor::Filled({n, horizon + 1, 2 * nv});
  std::vector<double> state(nx);
  for (int64_t row = 0; row < n; ++row) {
    const float* start = &initial.data[(initial.shape[0] == 1 ? 0 : row) * nx];
    float* out = &trajectory.mean.data[row * (horizon + 1) * nx];
    for (int i = 0; i < nx; ++i) {
      state[i] = start[i];
      out[i] = start[i];
    }
    // The state stays in double between steps; only outputs are rounded.
    for (int64_t t = 1; t <= horizon; ++t) {
      Step(spec_, dt_, state.data(), state.data());
      for (int i = 0; i < nx; ++i) {
        out[t * nx + i] = static_cast<float>(state[i]);
      }
    }
  }
  return trajectory;
}

absl::StatusOr<ParameterEstimate> ConstantVelocityModel::InferParameters(
    const Context& history) const {
  return absl::FailedPreconditionError(
      "the constant velocity model has no physical parameters to infer");
}

}  // namespace wm::worldmodel
