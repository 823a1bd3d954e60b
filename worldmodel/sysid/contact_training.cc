#include "worldmodel/sysid/contact_training.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "sim/learned_force.h"
#include "sim/learned_force_shape.h"
#include "sim/scene.h"
#include "util/parallel.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/sysid/cma_es.h"
#include "worldmodel/sysid/sysid_data.h"
#include "worldmodel/sysid/sysid_objectives.h"
#include "worldmodel/sysid/window_rollout_objective.h"

namespace wm::worldmodel {
namespace {

// The search box of every weight (CMA-ES needs finite bounds).
constexpr double kWeightBound = 5.0;
// learn_ensemble_spread: the searched log scales of the ensemble's four
// stds, after the weights, each in [-kSpreadBound, kSpreadBound].
constexpr int kSpreadValues = 4;
constexpr double kSpreadBound = 3.0;

// The base checkpoint's manifest; it must be of kind mujoco.
absl::StatusOr<v1::CheckpointManifest> ReadBase(const std::string& base) {
  if (base.empty()) {
    return absl::InvalidArgumentError(
        "--model contact needs --base MODELS/NAME[/N], a 'mujoco' checkpoint "
        "(e.g. from wm sysid --out)");
  }
  absl::StatusOr<std::string> version_dir = ResolveModelVersionDir(base);
  v1::CheckpointManifest manifest;
  absl::Status read =
      version_dir.ok()
          ? ReadTextProtoFile(*version_dir + "/manifest.pbtxt", &manifest)
          : version_dir.status();
  if (!read.ok()) {
    return absl::Status(read.code(),
                        absl::StrCat("--base ", base, ": ", read.message()));
  }
  if (manifest.kind() != ModelKindName(ModelKind::kMujoco)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--base ", base, " is a '", manifest.kind(),
                     "' model; a contact model needs a 'mujoco' base"));
  }
  return manifest;
}

// The half-width of the cube the free joint moves (its first box geom).
absl::StatusOr<double> CubeHalfWidth(const mjModel& model) {
  const int body = model.jnt_bodyid[0];
  for (int g = 0; g < model.ngeom; ++g) {
    if (model.geom_bodyid[g] != body || model.geom_type[g] != mjGEOM_BOX) {
      continue;
    }
    const mjtNum* size = model.geom_size + 3 * g;
    if (std::abs(size[0] - size[1]) > 1e-9 ||
        std::abs(size[0] - size[2]) > 1e-9) {
      return absl::InvalidArgumentError(
          "learned force 'box_corners' needs a cube (equal half-sizes)");
    }
    return size[0];
  }
  return absl::InvalidArgumentError(
      "learned force 'box_corners': the free body has no box geom");
}

// Every episode of the dataset at `dir`, checked against `scene`.
absl::StatusOr<std::vector<datasets::Episode>> ReadEpisodes(
    const std::string& dir, const sim::Scene& scene, const char* flag,
    std::string* fingerprint) {
  if (dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " is required for --model contact (it ",
        std::string(flag) == "--data" ? "fits the force"
                                      : "selects the weights on episodes "
                                        "the fit does not see",
        ")"));
  }
  absl::StatusOr<std::unique_ptr<datasets::Dataset>> dataset =
      datasets::Dataset::Open(dir);
  absl::StatusOr<SysidData> data =
      dataset.ok() ? LoadSysidData(**dataset, scene, 0, "none")
                   : absl::StatusOr<SysidData>(dataset.status());
  if (!data.ok()) {
    return absl::Status(
        data.status().code(),
        absl::StrCat(flag, " ", dir, ": ", data.status().message()));
  }
  if (fingerprint != nullptr) *fingerprint = (*dataset)->Fingerprint();
  return std::move(data->fit);
}

// What the search needs: the base, the force's shape and both objectives.
struct ContactSetup {
  v1::CheckpointManifest base;
  std::shared_ptr<const sim::Scene> scene;
  std::vector<double> values;
  v1::LearnedForce force;  // features, half_width, hidden (no weights)
  v1::ContactTrainingConfig contact;
  SysidObjectiveSetup fit, validation;
  std::string fingerprint;
};

absl::StatusOr<ContactSetup> PrepareContact(const ContactTrainingJob& job) {
  ContactSetup setup;
  WM_ASSIGN_OR_RETURN(setup.base, ReadBase(job.base));
  WM_ASSIGN_OR_RETURN(setup.scene, sim::Scene::Create(setup.base.scene()));
  setup.values.assign(setup.base.parameter_values().begin(),
                      setup.base.parameter_values().end());
  const mjModel& model = setup.scene->model();
  const bool free_body = model.njnt > 0 && model.jnt_type[0] == mjJNT_FREE;
  WM_ASSIGN_OR_RETURN(setup.contact,
                      WithContactDefaults(job.config.contact(), free_body));
  if (setup.contact.learn_ensemble_spread() &&
      setup.base.simulation_ensemble().members() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "contact: learn_ensemble_spread needs a base with a simulation "
        "ensemble; --base ",
        job.base, " simulates once"));
  }
  setup.force.set_features(free_body ? "box_corners" : "joints");
  setup.force.set_hidden(setup.contact.hidden());
  if (free_body) {
    WM_ASSIGN_OR_RETURN(const double half, CubeHalfWidth(model));
    setup.force.set_half_width(half);
  }
  WM_RETURN_IF_ERROR(sim::LearnedForceLaw::NumWeights(
                         setup.force.features(), setup.force.hidden(), model)
                         .status());
  WM_ASSIGN_OR_RETURN(
      std::vector<datasets::Episode> fit,
      ReadEpisodes(job.data_dir, *setup.scene, "--data", &setup.fingerprint));
  WM_ASSIGN_OR_RETURN(std::vector<datasets::Episode> validation,
                      ReadEpisodes(job.validation_data_dir, *setup.scene,
                                   "--validation_data", nullptr));
  const double dt = setup.scene->dt();
  const int horizon = std::max(
      1, static_cast<int>(std::lround(setup.contact.horizon_seconds() / dt)));
  const int stride =
      std::max(1, static_cast<int>(
                      std::lround(setup.contact.window_stride_seconds() / dt)));
  const std::vector<double> scale = TangentScales(setup.scene->spec(), fit);
  WM_ASSIGN_OR_RETURN(
      setup.fit, MakeSysidObjective(setup.contact.objective(), std::move(fit),
                                    *setup.scene, horizon, stride, scale));
  WM_ASSIGN_OR_RETURN(
      setup.validation,
      MakeSysidObjective(setup.contact.objective(), std::move(validation),
                         *setup.scene, horizon, stride, scale));
  return setup;
}

// A searched point split into the force's weights and the ensembles it is
// simulated with: `hedged` (the validation's and the published model's)
// and `fit` (the fit's: none unless fit_with_ensemble).
struct Candidate {
  std::vector<double> weights;
  v1::SimulationEnsemble hedged, fit;
};

Candidate Split(const ContactSetup& setup, const std::vector<double>& point) {
  const v1::ContactTrainingConfig& contact = setup.contact;
  const int spread = contact.learn_ensemble_spread() ? kSpreadValues : 0;
  Candidate candidate;
  candidate.weights.assign(point.begin(), point.end() - spread);
  candidate.hedged = setup.base.simulation_ensemble();
  if (spread > 0) {
    const double* scale = point.data() + point.size() - spread;
    v1::SimulationEnsemble& hedged = candidate.hedged;
    hedged.set_parameter_log_std(hedged.parameter_log_std() *
                                 std::exp(scale[0]));
    hedged.set_angle_std(hedged.angle_std() * std::exp(scale[1]));
    hedged.set_linear_velocity_std(hedged.linear_velocity_std() *
                                   std::exp(scale[2]));
    hedged.set_angular_velocity_std(hedged.angular_velocity_std() *
                                    std::exp(scale[3]));
  }
  if (contact.fit_with_ensemble()) {
    candidate.fit = candidate.hedged;
    if (contact.fit_ensemble_members() > 0) {
      candidate.fit.set_members(contact.fit_ensemble_members());
    }
  }
  return candidate;
}

// The searched model's objective at `point` on the fit (its ensemble
// `fit`) or the validation (`hedged`) over the episodes `episode_weights`
// selects (empty: all).
double Score(const ContactSetup& setup, bool validation,
             const std::vector<double>& point,
             const std::vector<double>& episode_weights = {}) {
  const Candidate candidate = Split(setup, point);
  const SysidObjective& objective =
      validation ? *setup.validation.objective : *setup.fit.objective;
  const v1::SimulationEnsemble& ensemble =
      validation ? candidate.hedged : candidate.fit;
  v1::LearnedForce force = setup.force;
  force.mutable_weights()->Add(candidate.weights.begin(),
                               candidate.weights.end());
  absl::StatusOr<std::unique_ptr<MujocoModel>> model =
      MujocoModel::Create(setup.scene, setup.values, ensemble, force);
  if (!model.ok()) return std::numeric_limits<double>::infinity();
  return CombineEpisodeErrors(objective.Evaluate(**model, episode_weights),
                              episode_weights);
}

// Weight 1 on `count` episodes of `total` drawn without replacement, 0 on
// the others; empty (all) when count is 0 or at least total.
std::vector<double> DrawEpisodes(int total, int count, Rng* rng) {
  if (count <= 0 || count >= total) return {};
  std::vector<int> order(total);
  for (int i = 0; i < total; ++i) order[i] = i;
  std::vector<double> weights(total, 0.0);
  for (int i = 0; i < count; ++i) {
    const int j = i + static_cast<int>(rng->UniformIndex(total - i));
    std::swap(order[i], order[j]);
    weights[order[i]] = 1.0;
  }
  return weights;
}

// The search's start and box: hidden layer drawn from `seed` (unit inputs
// give unit-scale pre-activations), every output weight and bias zero (zero
// force: the base itself), the gate at its defaults, then the ensemble's
// log scales at 0 (the base's ensemble) when learn_ensemble_spread.
void StartingPoint(const ContactSetup& setup, uint64_t seed,
                   CmaEsOptions* options) {
  const int hidden = setup.force.hidden();
  const sim::LearnedForceShape shape =
      *sim::LearnedForceShapeOf(setup.force.features(), setup.scene->model());
  const int weights = shape.NumWeights(hidden);
  const int spread = setup.contact.learn_ensemble_spread() ? kSpreadValues : 0;
  options->initial.assign(weights + spread, 0.0);
  Rng rng(seed);
  for (int i = 0; i < hidden * shape.inputs; ++i) {
    options->initial[i] =
        rng.Normal() / std::sqrt(static_cast<double>(shape.inputs));
  }
  options->lower.assign(weights, -kWeightBound);
  options->upper.assign(weights, kWeightBound);
  options->lower.resize(weights + spread, -kSpreadBound);
  options->upper.resize(weights + spread, kSpreadBound);
}

struct Selected {
  std::vector<double> point;  // the weights, then the ensemble's log scales
  double validation = 0, fit = 0;
  int generations = 0;
  int64_t evaluations = 0;
  double base_validation = 0, base_fit = 0;
};

absl::StatusOr<Selected> Search(
    const ContactSetup& setup, uint64_t seed,
    const std::function<void(const ContactTrainingProgress&)>& progress) {
  const v1::ContactTrainingConfig& contact = setup.contact;
  CmaEsOptions options;
  StartingPoint(setup, seed, &options);
  options.sigma0 = contact.sigma0();
  options.population = contact.population();
  options.seed = seed;
  WM_ASSIGN_OR_RETURN(std::unique_ptr<CmaEs> es, CmaEs::Create(options));
  Selected selected;
  selected.point = options.initial;
  selected.base_fit = Score(setup, false, options.initial);
  selected.base_validation = Score(setup, true, options.initial);
  selected.validation = selected.base_validation;
  selected.fit = selected.base_fit;
  int stale = 0;
  Rng draws(seed + 1);
  for (int g = 1; g <= contact.max_generations() && !es->Converged(); ++g) {
    const std::vector<std::vector<double>> candidates = es->Ask();
    const std::vector<double> episodes =
        DrawEpisodes(setup.fit.objective->num_episodes(),
                     contact.fit_episodes_per_generation(), &draws);
    std::vector<double> values(candidates.size());
    ForEachOnWorkers(contact.workers(), candidates.size(), [&](int i) {
      values[i] = Score(setup, false, candidates[i], episodes);
    });
    es->Tell(values);
    selected.generations = g;
    const double generation_best =
        *std::min_element(values.begin(), values.end());
    if (g % contact.validate_every() == 0 || g == contact.max_generations()) {
      const std::vector<double> mean = es->mean();
      const double validation = Score(setup, true, mean);
      if (validation < selected.validation) {
        selected.point = mean;
        selected.validation = validation;
        selected.fit = Score(setup, false, mean);
        stale = 0;
      } else if (++stale >= contact.patience()) {
        break;
      }
    }
    if (progress) {
      progress({g, contact.max_generations(), generation_best,
                selected.validation, selected.base_validation});
    }
  }
  selected.evaluations = es->evaluations();
  return selected;
}

}  // namespace

absl::StatusOr<v1::ContactTrainingConfig> WithContactDefaults(
    v1::ContactTrainingConfig contact, bool free_body) {
  const double reals[] = {contact.horizon_seconds(),
                          contact.window_stride_seconds(), contact.sigma0()};
  const int counts[] = {contact.hidden(),
                        contact.population(),
                        contact.max_generations(),
                        contact.validate_every(),
                        contact.patience(),
                        contact.workers(),
                        contact.fit_ensemble_members()};
  for (double value : reals) {
    if (!std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "contact: a setting is negative or not finite: ", value));
    }
  }
  for (int value : counts) {
    if (value < 0 || contact.fit_episodes_per_generation() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("contact: a count is negative: ", value));
    }
  }
  if (contact.objective().empty()) {
    contact.set_objective(free_body ? "acosta_toss" : "windows");
  }
  if (contact.horizon_seconds() == 0) contact.set_horizon_seconds(1.0);
  if (contact.window_stride_seconds() == 0) {
    contact.set_window_stride_seconds(contact.horizon_seconds() / 2);
  }
  if (contact.hidden() == 0) contact.set_hidden(6);
  if (contact.max_generations() == 0) contact.set_max_generations(40);
  if (contact.sigma0() == 0) contact.set_sigma0(0.3);
  if (contact.validate_every() == 0) contact.set_validate_every(2);
  if (contact.patience() == 0) contact.set_patience(6);
  if (contact.workers() == 0) {
    contact.set_workers(
        std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  }
  return contact;
}

absl::StatusOr<v1::CheckpointManifest> TrainContactAndPublish(
    const ContactTrainingJob& job,
    const std::function<void(const ContactTrainingProgress&)>& progress) {
  WM_ASSIGN_OR_RETURN(const ContactSetup setup, PrepareContact(job));
  const uint64_t seed =
      setup.contact.seed() != 0 ? setup.contact.seed() : job.config.seed() + 1;
  WM_ASSIGN_OR_RETURN(const Selected selected, Search(setup, seed, progress));
  v1::CheckpointManifest manifest = setup.base;
  manifest.clear_metrics();
  manifest.set_kind(ModelKindName(ModelKind::kContact));
  *manifest.mutable_training() = job.config;
  manifest.mutable_training()->set_model(ModelKindName(ModelKind::kContact));
  *manifest.mutable_training()->mutable_contact() = setup.contact;
  const Candidate chosen = Split(setup, selected.point);
  *manifest.mutable_learned_force() = setup.force;
  manifest.mutable_learned_force()->mutable_weights()->Add(
      chosen.weights.begin(), chosen.weights.end());
  if (setup.base.has_simulation_ensemble()) {
    *manifest.mutable_simulation_ensemble() = chosen.hedged;
  }
  manifest.set_dataset_fingerprint(setup.fingerprint);
  manifest.set_dataset_dir(job.data_dir);
  manifest.set_git_revision(job.git_revision);
  auto& metrics = *manifest.mutable_metrics();
  metrics["validation_objective"] = selected.validation;
  metrics["base_validation_objective"] = selected.base_validation;
  metrics["fit_objective"] = selected.fit;
  metrics["base_fit_objective"] = selected.base_fit;
  metrics["generations"] = selected.generations;
  metrics["evaluations"] = static_cast<double>(selected.evaluations);
  WM_RETURN_IF_ERROR(
      PublishModelVersion(job.model_dir, &manifest, {}).status());
  return manifest;
}

}  // namespace wm::worldmodel
