#include "worldmodel/mujoco/mujoco_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/status_macros.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/model_registry_hooks.h"
#include "worldmodel/tensor_checks.h"

namespace wm::worldmodel {
namespace {

// Idle simulators kept for reuse; more are made when calls overlap.
constexpr size_t kMaxPooledSimulators = 8;

}  // namespace

absl::StatusOr<std::unique_ptr<MujocoModel>> MujocoModel::Create(
    const v1::SceneConfig& scene, std::vector<double> parameter_values,
    const v1::SimulationEnsemble& ensemble,
    const v1::LearnedForce& learned_force) {
  WM_ASSIGN_OR_RETURN(std::shared_ptr<const sim::Scene> compiled,
                      sim::Scene::Create(scene));
  return Create(std::move(compiled), std::move(parameter_values), ensemble,
                learned_force);
}

absl::StatusOr<std::unique_ptr<MujocoModel>> MujocoModel::Create(
    std::shared_ptr<const sim::Scene> scene,
    std::vector<double> parameter_values,
    const v1::SimulationEnsemble& ensemble,
    const v1::LearnedForce& learned_force) {
  const size_t count = scene->parameters().size();
  if (parameter_values.empty()) {
    parameter_values = scene->NominalParameters();
  } else if (parameter_values.size() != count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter_values: scene '", scene->name(), "' has ", count,
        " parameters, got ", parameter_values.size(), " values"));
  }
  for (size_t i = 0; i < parameter_values.size(); ++i) {
    if (!std::isfinite(parameter_values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter_values: ", scene->parameters()[i].name,
                       " is not finite: ", parameter_values[i]));
    }
  }
  WM_ASSIGN_OR_RETURN(
      SimulationMembers members,
      SimulationMembers::Create(ensemble, scene->spec(), count));
  std::shared_ptr<const sim::LearnedForceLaw> force_law;
  if (!learned_force.features().empty()) {
    WM_ASSIGN_OR_RETURN(
        force_law, sim::LearnedForceLaw::Create(learned_force, scene->model()));
  }
  return std::unique_ptr<MujocoModel>(
      new MujocoModel(std::move(scene), std::move(parameter_values),
                      std::move(members), std::move(force_law)));
}

MujocoModel::MujocoModel(std::shared_ptr<const sim::Scene> scene,
                         std::vector<double> values, SimulationMembers members,
                         std::shared_ptr<const sim::LearnedForceLaw> force_law)
    : scene_(std::move(scene)),
      values_(std::move(values)),
      members_(std::move(members)),
      force_law_(std::move(force_law)) {
  for (const sim::PhysicalParameter& parameter : scene_->parameters()) {
    v1::ParameterInfo info;
    info.set_name(parameter.name);
    info.set_unit(parameter.unit);
    parameters_.push_back(std::move(info));
  }
}

std::vector<double> MujocoModel::RowParameters(const Context& context,
                                               int64_t row) const {
  if (!context.has_parameters()) return values_;
  const int64_t count = static_cast<int64_t>(values_.size());
  const int64_t source = context.parameters.shape[0] == 1 ? 0 : row;
  std::vector<double> values(count);
  for (int64_t i = 0; i < count; ++i) {
    values[i] = context.parameters.data[source * count + i];
  }
  return values;
}

absl::Status MujocoModel::RunRow(sim::Simulator* simulator,
                                 const std::vector<double>& parameters,
                                 const float* state, const float* actions,
                                 int64_t steps, float* out) const {
  const int nx = scene_->nx(), nu = scene_->nu();
  WM_RETURN_IF_ERROR(simulator->SetParameters(parameters));
  std::vector<double> buffer(state, state + nx);
  WM_RETURN_IF_ERROR(simulator->SetState(buffer));
  std::vector<double> action(nu);
  for (int64_t t = 0; t < steps; ++t) {
    for (int i = 0; i < nu; ++i) action[i] = actions[t * nu + i];
    absl::Status stepped = simulator->Step(action);
    if (!stepped.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("step ", t, ": ", stepped.message()));
    }
    simulator->GetState(absl::MakeSpan(buffer));
    for (int i = 0; i < nx; ++i)
      out[t * nx + i] = static_cast<float>(buffer[i]);
  }
  return absl::OkStatus();
}

absl::Status MujocoModel::SimulateRow(
    sim::Simulator* simulator, const std::vector<double>& parameters,
    const float* state, const float* actions, int64_t steps, float* mean,
    float* spread, std::vector<std::vector<float>>* member_states) const {
  const int nx = scene_->nx(), nd = 2 * scene_->nv();
  const int k = members_.size();
  std::vector<std::vector<float>>& runs = *member_states;
  runs.assign(k, std::vector<float>(steps * nx));
  if (k == 1) {
    std::fill(spread, spread + steps * nd, 0.0f);
    WM_RETURN_IF_ERROR(
        RunRow(simulator, parameters, state, actions, steps, mean));
    std::copy_n(mean, steps * nx, runs[0].begin());
    return absl::OkStatus();
  }
  const std::vector<double> start(state, state + nx);
  std::vector<double> perturbed(nx);
  for (int m = 0; m < k; ++m) {
    members_.PerturbState(m, start.data(), perturbed.data());
    const std::vector<float> member_start(perturbed.begin(), perturbed.end());
    absl::Status status =
        RunRow(simulator, members_.Parameters(m, parameters),
               member_start.data(), actions, steps, runs[m].data());
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("ensemble member ", m,
                                                      ": ", status.message()));
    }
  }
  std::vector<std::vector<double>> states(k, std::vector<double>(nx));
  std::vector<double> average(nx), deviation(nd);
  for (int64_t t = 0; t < steps; ++t) {
    for (int m = 0; m < k; ++m) {
      std::copy_n(&runs[m][t * nx], nx, states[m].begin());
    }
    AverageStates(scene_->spec(), states, average.data(), deviation.data());
    std::copy(average.begin(), average.end(), mean + t * nx);
    std::copy(deviation.begin(), deviation.end(), spread + t * nd);
  }
  return absl::OkStatus();
}

absl::StatusOr<Prediction> MujocoModel::Predict(const Tensor& states,
                                                const Tensor& actions,
                                                const Context& context) const {
  WM_RETURN_IF_ERROR(CheckPredictInputs(spec(), states, actions));
  const int64_t batch = states.shape[0];
  WM_RETURN_IF_ERROR(CheckContext(spec(), values_.size(), batch, context));
  const int nx = scene_->nx(), nu = scene_->nu(), nv = scene_->nv();
  Prediction prediction;
  prediction.mean = Tensor::Filled({batch, nx});
  prediction.epistemic_std = Tensor::Filled({batch, 2 * nv});
  prediction.aleatoric_std = Tensor::Filled({batch, 2 * nv});
  const int k = members_.size();
  if (context.per_member)
    prediction.member_mean = Tensor::Filled({k, batch, nx});
  std::vector<std::vector<float>> runs;
  std::unique_ptr<sim::Simulator> simulator = AcquireSimulator();
  absl::Status status;
  for (int64_t row = 0; row < batch && status.ok(); ++row) {
    status = SimulateRow(simulator.get(), RowParameters(context, row),
                         &states.data[row * nx], actions.data.data() + row * nu,
                         1, &prediction.mean.data[row * nx],
                         &prediction.epistemic_std.data[row * 2 * nv], &runs);
    for (int m = 0; m < k && status.ok() && context.per_member; ++m) {
      std::copy_n(runs[m].begin(), nx,
                  &prediction.member_mean.data[(m * batch + row) * nx]);
    }
    if (!status.ok()) {
      status = absl::Status(status.code(),
                            absl::StrCat("row ", row, ": ", status.message()));
    }
  }
  ReleaseSimulator(std::move(simulator));
  WM_RETURN_IF_ERROR(status);
  return prediction;
}

absl::StatusOr<Trajectory> MujocoModel::Rollout(const Tensor& initial,
                                                const Tensor& actions,
                                                const Context& context) const {
  WM_RETURN_IF_ERROR(CheckRolloutInputs(spec(), initial, actions));
  const int64_t n = actions.shape[0], horizon = actions.shape[1];
  WM_RETURN_IF_ERROR(CheckContext(spec(), values_.size(), n, context));
  const int nx = scene_->nx(), nu = scene_->nu(), nv = scene_->nv();
  Trajectory trajectory;
  trajectory.mean = Tensor::Filled({n, horizon + 1, nx});
  trajectory.epistemic_std = Tensor::Filled({n, horizon + 1, 2 * nv});
  trajectory.aleatoric_std = Tensor::Filled({n, horizon + 1, 2 * nv});
  const int k = members_.size();
  if (context.per_member) {
    trajectory.member_mean = Tensor::Filled({k, n, horizon + 1, nx});
  }
  std::vector<std::vector<float>> runs;
  std::unique_ptr<sim::Simulator> simulator = AcquireSimulator();
  absl::Status status;
  for (int64_t row = 0; row < n && status.ok(); ++row) {
    const float* start = &initial.data[(initial.shape[0] == 1 ? 0 : row) * nx];
    float* out = &trajectory.mean.data[row * (horizon + 1) * nx];
    std::copy(start, start + nx, out);
    status = SimulateRow(
        simulator.get(), RowParameters(context, row), start,
        actions.data.data() + row * horizon * nu, horizon, out + nx,
        &trajectory.epistemic_std.data[(row * (horizon + 1) + 1) * 2 * nv],
        &runs);
    for (int m = 0; m < k && status.ok() && context.per_member; ++m) {
      float* member =
          &trajectory.member_mean.data[(m * n + row) * (horizon + 1) * nx];
      std::copy(start, start + nx, member);
      std::copy(runs[m].begin(), runs[m].end(), member + nx);
    }
    if (!status.ok()) {
      status = absl::Status(status.code(),
                            absl::StrCat("row ", row, ": ", status.message()));
    }
  }
  ReleaseSimulator(std::move(simulator));
  WM_RETURN_IF_ERROR(status);
  return trajectory;
}

absl::StatusOr<ParameterEstimate> MujocoModel::InferParameters(
    const Context& history) const {
  return absl::FailedPreconditionError(
      "a mujoco model simulates given parameters; it does not infer them");
}

std::unique_ptr<sim::Simulator> MujocoModel::AcquireSimulator() const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!pool_.empty()) {
      std::unique_ptr<sim::Simulator> simulator = std::move(pool_.back());
      pool_.pop_back();
      return simulator;
    }
  }
  auto simulator = std::make_unique<sim::Simulator>(scene_);
  simulator->SetForceLaw(force_law_);
  return simulator;
}

void MujocoModel::ReleaseSimulator(
    std::unique_ptr<sim::Simulator> simulator) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pool_.size() < kMaxPooledSimulators)
    pool_.push_back(std::move(simulator));
}

namespace {

absl::StatusOr<std::unique_ptr<WorldModel>> LoadMujocoModel(
    const std::string& version_dir, const v1::CheckpointManifest& manifest) {
  std::vector<double> values(manifest.parameter_values().begin(),
                             manifest.parameter_values().end());
  if (manifest.kind() == ModelKindName(ModelKind::kContact) &&
      manifest.learned_force().features().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(version_dir, ": a contact model without learned_force"));
  }
  absl::StatusOr<std::unique_ptr<MujocoModel>> model = MujocoModel::Create(
      manifest.scene(), std::move(values), manifest.simulation_ensemble(),
      manifest.kind() == ModelKindName(ModelKind::kContact)
          ? manifest.learned_force()
          : v1::LearnedForce());
  if (!model.ok()) {
    return absl::Status(
        model.status().code(),
        absl::StrCat(version_dir, ": ", model.status().message()));
  }
  return std::unique_ptr<WorldModel>(std::move(model).value());
}

}  // namespace

void RegisterMujocoModel(ModelFactory* factory) {
  factory->Register(ModelKindName(ModelKind::kMujoco), LoadMujocoModel);
  factory->Register(ModelKindName(ModelKind::kContact), LoadMujocoModel);
}

namespace {
constexpr char kNominalMujocoPrefix[] = "mujoco:";
}  // namespace

bool IsNominalMujocoPath(const std::string& path) {
  return absl::StartsWith(path, kNominalMujocoPrefix);
}

std::string NominalMujocoDataDir(const std::string& path) {
  return IsNominalMujocoPath(path)
             ? path.substr(sizeof(kNominalMujocoPrefix) - 1)
             : std::string();
}

absl::StatusOr<v1::SceneConfig> EmbeddedScene(
    const datasets::Dataset& dataset) {
  if (dataset.manifest().scene().mjcf().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("dataset ", dataset.directory(),
                     " embeds no scene MJCF, so it cannot be simulated"));
  }
  return dataset.manifest().scene();
}

}  // namespace wm::worldmodel
