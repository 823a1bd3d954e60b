#include "sim/simulator.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/mujoco_errors.h"
#include "util/logging.h"

namespace wm::sim {

Simulator::Simulator(std::shared_ptr<const Scene> scene)
    : scene_(std::move(scene)),
      model_(CopyModel(scene_->model())),
      data_(mj_makeData(model_.get())) {
  CHECK(data_ != nullptr) << "mj_makeData failed";
  InstallMujocoErrorHandlers();
}

void Simulator::ApplyParameters(absl::Span<const double> values) {
  // Start from the nominal model every time: parameters never accumulate.
  mj_copyModel(model_.get(), &scene_->model());
  const auto& parameters = scene_->parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    WriteParameter(model_.get(), parameters[i], values[i]);
  }
  // Derived constants (subtree masses, inverse weights) follow the new values.
  mj_setConst(model_.get(), data_.get());
  mj_resetData(model_.get(), data_.get());
}

std::vector<double> Simulator::Reset(uint64_t seed) {
  Rng rng(seed);
  std::vector<double> values;
  for (const PhysicalParameter& parameter : scene_->parameters()) {
    values.push_back(rng.Uniform(parameter.min, parameter.max));
  }
  ApplyParameters(values);
  scene_->initial_state().Sample(*model_, data_.get(), &rng);
  return values;
}

absl::Status Simulator::SetParameters(absl::Span<const double> values) {
  if (values.size() != scene_->parameters().size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scene '", scene_->name(), "' has ", scene_->parameters().size(),
        " parameters, not ", values.size()));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter ", scene_->parameters()[i].name,
                       " is not finite: ", values[i]));
    }
  }
  ApplyParameters(values);
  mj_forward(model_.get(), data_.get());
  return absl::OkStatus();
}

void Simulator::GetState(absl::Span<double> state) const {
  CHECK_EQ(state.size(), static_cast<size_t>(model_->nq + model_->nv));
  mju_copy(state.data(), data_->qpos, model_->nq);
  mju_copy(state.data() + model_->nq, data_->qvel, model_->nv);
}

absl::Status Simulator::SetState(absl::Span<const double> state) {
  const size_t nx = model_->nq + model_->nv;
  if (state.size() != nx) {
    return absl::InvalidArgumentError(
        absl::StrCat("state has ", state.size(), " values, scene '",
                     scene_->name(), "' needs nq + nv = ", nx));
  }
  for (size_t i = 0; i < nx; ++i) {
    if (!std::isfinite(state[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("state[", i, "] is not finite: ", state[i]));
    }
  }
  mju_copy(data_->qpos, state.data(), model_->nq);
  mju_copy(data_->qvel, state.data() + model_->nq, model_->nv);
  mj_forward(model_.get(), data_.get());
  return absl::OkStatus();
}

absl::Status Simulator::Step(absl::Span<const double> action) {
  CHECK_EQ(action.size(), static_cast<size_t>(model_->nu));
  mju_copy(data_->ctrl, action.data(), model_->nu);
  const mjModel* model = model_.get();
  mjData* data = data_.get();
  const int substeps = scene_->frame_skip();
  const LearnedForceLaw* law = force_law_.get();
  absl::Status status = CallCatchingMujocoErrors([model, data, substeps, law] {
    for (int i = 0; i < substeps; ++i) {
      if (law != nullptr) law->Apply(*model, data);
      mj_step(model, data);
    }
  });
  if (!status.ok()) return status;
  const int bad = data->warning[mjWARN_BADQACC].number +
                  data->warning[mjWARN_BADQVEL].number +
                  data->warning[mjWARN_BADQPOS].number;
  if (bad > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "simulation unstable at t = ", data->time, " s (MuJoCo warnings)"));
  }
  for (int i = 0; i < model->nq; ++i) {
    if (!std::isfinite(data->qpos[i])) {
      return absl::FailedPreconditionError(
          absl::StrCat("simulation unstable at t = ", data->time, " s"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Simulator::StepJacobians> Simulator::Jacobians(
    absl::Span<const double> action, double epsilon) {
  CHECK_EQ(action.size(), static_cast<size_t>(model_->nu));
  const mjModel* model = model_.get();
  mjData* data = data_.get();
  const int n = 2 * model->nv + model->na, nu = model->nu;
  StepJacobians out;
  out.n = n;
  out.nu = nu;
  out.a.assign(static_cast<size_t>(n) * n, 0.0);
  out.b.assign(static_cast<size_t>(n) * nu, 0.0);
  for (int i = 0; i < n; ++i) out.a[i * n + i] = 1.0;
  // The state to come back to.
  const std::vector<double> qpos(data->qpos, data->qpos + model->nq);
  const std::vector<double> qvel(data->qvel, data->qvel + model->nv);
  const std::vector<double> act(data->act, data->act + model->na);
  const std::vector<double> ctrl(data->ctrl, data->ctrl + nu);
  const double time = data->time;
  mju_copy(data->ctrl, action.data(), nu);
  std::vector<double> a_step(out.a.size()), b_step(out.b.size());
  std::vector<double> a_next(out.a.size()), b_next(out.b.size());
  absl::Status status = CallCatchingMujocoErrors([&] {
    for (int s = 0; s < scene_->frame_skip(); ++s) {
      mjd_transitionFD(model, data, epsilon, /*centered=*/1, a_step.data(),
                       b_step.data(), nullptr, nullptr);
      // Chain: A <- A_s A, B <- A_s B + B_s.
      mju_mulMatMat(a_next.data(), a_step.data(), out.a.data(), n, n, n);
      if (nu > 0) {
        mju_mulMatMat(b_next.data(), a_step.data(), out.b.data(), n, n, nu);
        mju_addTo(b_next.data(), b_step.data(), n * nu);
      }
      out.a.swap(a_next);
      out.b.swap(b_next);
      mj_step(model, data);
    }
  });
  mju_copy(data->qpos, qpos.data(), model->nq);
  mju_copy(data->qvel, qvel.data(), model->nv);
  mju_copy(data->act, act.data(), model->na);
  mju_copy(data->ctrl, ctrl.data(), nu);
  data->time = time;
  mj_forward(model, data);
  if (!status.ok()) return status;
  return out;
}

}  // namespace wm::sim
