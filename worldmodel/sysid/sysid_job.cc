#include "worldmodel/sysid/sysid_job.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "sim/scene_library.h"
#include "util/status_macros.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/sysid/ensemble_fit.h"
#include "worldmodel/sysid/sysid_data.h"
#include "worldmodel/sysid/sysid_objectives.h"
#include "worldmodel/sysid/sysid_report.h"
#include "worldmodel/sysid/window_rollout_objective.h"

namespace wm::worldmodel {
namespace {

// The job's scene config, or the dataset's embedded scene without one.
absl::StatusOr<v1::SceneConfig> SceneConfigFor(
    const SysidJob& job, const datasets::Dataset& dataset) {
  if (!job.scene.empty()) return sim::LoadSceneConfig(job.scene);
  if (dataset.manifest().scene().mjcf().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset ", dataset.directory(),
                     " embeds no scene MJCF: give a scene"));
  }
  return dataset.manifest().scene();
}

// Fits a SimulationEnsemble at `estimate` (SysidConfig.ensemble_members)
// and records it, its objective and its evaluations in `report`.
absl::Status FitEnsemble(const SysidSetup& setup,
                         const std::vector<double>& estimate,
                         const v1::SysidConfig& config,
                         const SysidObjectiveSetup& fit,
                         const SysidObjectiveSetup& holdout,
                         const SysidJobCallbacks& callbacks,
                         v1::SysidReport* report) {
  EnsembleFitOptions options;
  options.members = config.ensemble_members();
  options.seed = config.seed();
  options.generations = config.ensemble_generations();
  options.workers = config.workers();
  WM_ASSIGN_OR_RETURN(
      const EnsembleFitResult fitted,
      FitSimulationEnsemble(
          setup.scene, estimate, *fit.objective, holdout.objective.get(),
          options, [&](int generation, double best) {
            if (callbacks.on_ensemble) {
              callbacks.on_ensemble(generation, options.generations, best);
            }
          }));
  *report->mutable_ensemble() = fitted.ensemble;
  report->set_ensemble_objective(fitted.objective);
  report->set_evaluations(report->evaluations() + fitted.evaluations);
  if (fitted.holdout_objective.has_value()) {
    report->mutable_ensemble_holdout_objective()->set_value(
        *fitted.holdout_objective);
  }
  return absl::OkStatus();
}

// Publishes the fit as the next "mujoco" version of job.publish_dir.
absl::Status Publish(const SysidJob& job, const SysidSetup& setup,
                     const datasets::Dataset& dataset,
                     v1::SysidReport* report) {
  v1::CheckpointManifest manifest = SysidManifest(setup, *report);
  manifest.set_dataset_fingerprint(dataset.Fingerprint());
  manifest.set_dataset_dir(dataset.directory());
  manifest.set_git_revision(job.git_revision);
  WM_ASSIGN_OR_RETURN(const std::string version_dir,
                      PublishModelVersion(job.publish_dir, &manifest, {}));
  report->set_model_version(version_dir);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::SysidReport> RunSysidJob(
    const SysidJob& job, const SysidJobCallbacks& callbacks) {
  const auto start = std::chrono::steady_clock::now();
  if (job.data_dir.empty()) {
    return absl::InvalidArgumentError("data is required");
  }
  if (job.parameters.empty()) {
    return absl::InvalidArgumentError(
        "parameters are required (<element>/<quantity>, e.g. "
        "shoulder/damping,elbow/frictionloss)");
  }
  WM_ASSIGN_OR_RETURN(auto dataset, datasets::Dataset::Open(job.data_dir));
  WM_ASSIGN_OR_RETURN(v1::SceneConfig scene, SceneConfigFor(job, *dataset));
  v1::SysidConfig config = job.config;
  if (!config.friction_cone().empty()) {
    scene.set_friction_cone(config.friction_cone());
  }
  WM_ASSIGN_OR_RETURN(const SysidSetup setup,
                      PrepareSysid(scene, job.parameters, config));
  const double dt = setup.scene->dt();
  WM_ASSIGN_OR_RETURN(config, ResolveSysidConfig(config, dt));
  WM_ASSIGN_OR_RETURN(SysidData data,
                      LoadSysidData(*dataset, *setup.scene,
                                    config.max_episodes(), job.holdout));
  const int horizon =
      std::max(1, static_cast<int>(std::lround(config.horizon_seconds() / dt)));
  const int stride = std::max(
      1, static_cast<int>(std::lround(config.window_stride_seconds() / dt)));
  const std::vector<double> scale =
      TangentScales(setup.scene->spec(), data.fit);
  std::vector<int64_t> fit_indices, holdout_indices;
  for (const auto& episode : data.fit) fit_indices.push_back(episode.index);
  for (const auto& episode : data.holdout) {
    holdout_indices.push_back(episode.index);
  }
  WM_ASSIGN_OR_RETURN(
      SysidObjectiveSetup fit,
      MakeSysidObjective(config.objective(), std::move(data.fit), *setup.scene,
                         horizon, stride, scale));
  SysidObjectiveSetup holdout;
  if (!data.holdout.empty()) {
    WM_ASSIGN_OR_RETURN(
        holdout, MakeSysidObjective(config.objective(), std::move(data.holdout),
                                    *setup.scene, horizon, stride, scale));
  }
  if (callbacks.on_start) {
    callbacks.on_start(absl::StrCat(
        "scene '", setup.scene->name(), "', ", setup.scene->parameters().size(),
        " parameters, ", fit_indices.size(), " fit episodes (", fit.windows,
        " ", fit.description, "), ", holdout_indices.size(), " held out, ",
        config.workers(), " workers"));
  }
  WM_ASSIGN_OR_RETURN(const SysidResult result,
                      RunSysid(setup, *fit.objective, holdout.objective.get(),
                               config, callbacks.on_fit));
  WM_ASSIGN_OR_RETURN(
      v1::SysidReport report,
      BuildSysidReport(setup, result, fit_indices, holdout_indices, config));
  report.set_dataset(dataset->directory());
  report.set_windows(fit.windows);
  report.set_horizon_steps(horizon);
  if (config.ensemble_members() >= 2) {
    WM_RETURN_IF_ERROR(FitEnsemble(setup, result.estimate, config, fit, holdout,
                                   callbacks, &report));
  }
  if (!job.publish_dir.empty()) {
    WM_RETURN_IF_ERROR(Publish(job, setup, *dataset, &report));
  }
  report.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  return report;
}

}  // namespace wm::worldmodel
