// `wm sysid`: fits named MuJoCo parameters to a dataset's trajectories
// (CMA-ES on a multi-step simulation error, bootstrap uncertainty), writes
// the JSON report and optionally publishes a servable "mujoco" version.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "datasets/dataset.h"
#include "sim/scene_library.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/sysid/ensemble_fit.h"
#include "worldmodel/sysid/sysid.h"
#include "worldmodel/sysid/sysid_data.h"
#include "worldmodel/sysid/sysid_report.h"
#include "worldmodel/sysid/toss_protocol_objective.h"
#include "worldmodel/sysid/window_rollout_objective.h"

#ifndef WM_GIT_REVISION
#define WM_GIT_REVISION "unknown"
#endif

namespace wm::tools {
namespace {

using worldmodel::SysidProgress;

absl::StatusOr<v1::SysidConfig> ResolveConfig(const Invocation& invocation) {
  v1::SysidConfig config;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(absl::GetFlag(FLAGS_config), &config));
  }
  if (invocation.Given("seed")) config.set_seed(absl::GetFlag(FLAGS_seed));
  if (invocation.Given("workers")) {
    config.set_workers(absl::GetFlag(FLAGS_workers));
  }
  if (invocation.Given("max_episodes")) {
    config.set_max_episodes(absl::GetFlag(FLAGS_max_episodes));
  }
  if (absl::GetFlag(FLAGS_data).empty()) {
    return absl::InvalidArgumentError("--data is required");
  }
  if (absl::GetFlag(FLAGS_params).empty()) {
    return absl::InvalidArgumentError(
        "--params is required (comma-separated <element>/<quantity>, e.g. "
        "shoulder/damping,elbow/frictionloss)");
  }
  if (absl::GetFlag(FLAGS_json).empty()) {
    return absl::InvalidArgumentError("--json is required");
  }
  return config;
}

// The --scene config, or the dataset's embedded scene without --scene.
absl::StatusOr<v1::SceneConfig> SceneConfigFor(
    const datasets::Dataset& dataset) {
  if (!absl::GetFlag(FLAGS_scene).empty()) {
    return sim::LoadSceneConfig(absl::GetFlag(FLAGS_scene));
  }
  if (dataset.manifest().scene().mjcf().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset ", dataset.directory(),
                     " embeds no scene MJCF: give --scene"));
  }
  return dataset.manifest().scene();
}

// Progress: one bar for the main fit, one for all bootstrap generations.
class SysidProgressLine {
 public:
  void Update(const SysidProgress& state) {
    if (bar_ == nullptr || (state.fit > 0 && fit_ == 0)) {
      if (bar_ != nullptr) bar_->Finish();
      fit_ = state.fit;
      const int64_t total =
          state.fit == 0 ? state.max_generations
                         : int64_t{state.max_generations} * (state.fits - 1);
      bar_ = std::make_unique<ProgressBar>(
          state.fit == 0 ? "generations" : "bootstrap generations",
          std::max<int64_t>(total, 1));
      start_evaluations_ = previous_evaluations_;
    }
    previous_evaluations_ = state.evaluations;
    const int64_t done =
        state.fit == 0
            ? state.generation
            : int64_t{state.fit - 1} * state.max_generations + state.generation;
    const double rate = (state.evaluations - start_evaluations_) /
                        std::max(bar_->ElapsedSeconds(), 1e-9);
    bar_->Update(done, absl::StrFormat(
                           "%s best %.4g, sigma %.3g, %s evals/s",
                           state.fit == 0 ? std::string("fit")
                                          : absl::StrCat("fit ", state.fit, "/",
                                                         state.fits - 1),
                           state.best, state.sigma, CompactNumber(rate)));
  }
  void Finish() {
    if (bar_ != nullptr) bar_->Finish();
  }

 private:
  std::unique_ptr<ProgressBar> bar_;
  int fit_ = 0;
  int64_t start_evaluations_ = 0;
  int64_t previous_evaluations_ = 0;
};

void PrintEstimates(
    const char* title,
    const google::protobuf::RepeatedPtrField<v1::SysidEstimate>& estimates) {
  if (estimates.empty()) return;
  std::cout << absl::StrFormat("%-26s %12s %10s %25s %12s  %s\n", title,
                               "estimate", "std", "90% interval", "nominal",
                               "unit");
  for (const v1::SysidEstimate& e : estimates) {
    std::cout << absl::StrFormat(
        "%-26s %12.5g %10.3g %25s %12.5g  %s\n", e.name(), e.estimate(),
        e.std(),
        absl::StrFormat("[%.5g, %.5g]", e.interval90(0), e.interval90(1)),
        e.nominal(), e.unit());
  }
}

// The objective config.objective() names, over `episodes`, and what it
// scores (for the progress line and the report's window count).
struct Objective {
  std::unique_ptr<worldmodel::SysidObjective> objective;
  int windows = 0;  // windows, or tosses for acosta_toss
  std::string description;
};

absl::StatusOr<Objective> MakeObjective(const v1::SysidConfig& config,
                                        std::vector<datasets::Episode> episodes,
                                        const sim::Scene& scene, int horizon,
                                        int stride,
                                        const std::vector<double>& scale) {
  Objective made;
  if (config.objective() == "acosta_toss") {
    const int tosses = static_cast<int>(episodes.size());
    WM_ASSIGN_OR_RETURN(
        made.objective,
        worldmodel::TossProtocolObjective::Create(
            std::move(episodes), -scene.model().opt.gravity[2]));
    made.windows = tosses;
    made.description = "whole tosses scored by the acosta_toss e_q";
    return made;
  }
  if (!config.objective().empty() && config.objective() != "windows") {
    return absl::InvalidArgumentError(
        absl::StrCat("objective '", config.objective(),
                     "' is unknown; known: windows, acosta_toss"));
  }
  WM_ASSIGN_OR_RETURN(auto windows, worldmodel::WindowRolloutObjective::Create(
                                        std::move(episodes), scene.spec(),
                                        horizon, stride, scale));
  made.windows = windows->num_windows();
  made.description = absl::StrCat("windows of ", horizon, " steps");
  made.objective = std::move(windows);
  return made;
}

// Fits a SimulationEnsemble at `estimate` (SysidConfig.ensemble_members)
// and records it, its objective and its evaluations in `report`.
absl::Status FitEnsemble(const worldmodel::SysidSetup& setup,
                         const std::vector<double>& estimate,
                         const v1::SysidConfig& config, const Objective& fit,
                         const Objective& holdout, v1::SysidReport* report) {
  worldmodel::EnsembleFitOptions options;
  options.members = config.ensemble_members();
  options.seed = config.seed();
  options.generations = config.ensemble_generations();
  options.workers = config.workers();
  std::cerr << "wm sysid: fitting an ensemble of " << options.members
            << " simulations (perturbed parameters and start states)\n";
  ProgressBar bar("ensemble generations", options.generations);
  WM_ASSIGN_OR_RETURN(
      const worldmodel::EnsembleFitResult fitted,
      worldmodel::FitSimulationEnsemble(
          setup.scene, estimate, *fit.objective, holdout.objective.get(),
          options, [&](int generation, double best) {
            bar.Update(generation, absl::StrFormat("best %.4g", best));
          }));
  bar.Finish();
  *report->mutable_ensemble() = fitted.ensemble;
  report->set_ensemble_objective(fitted.objective);
  report->set_evaluations(report->evaluations() + fitted.evaluations);
  if (fitted.holdout_objective.has_value()) {
    report->mutable_ensemble_holdout_objective()->set_value(
        *fitted.holdout_objective);
  }
  return absl::OkStatus();
}

absl::Status Sysid(v1::SysidConfig config) {
  const auto start = std::chrono::steady_clock::now();
  WM_ASSIGN_OR_RETURN(auto dataset,
                      datasets::Dataset::Open(absl::GetFlag(FLAGS_data)));
  WM_ASSIGN_OR_RETURN(v1::SceneConfig scene, SceneConfigFor(*dataset));
  if (!config.friction_cone().empty()) {
    scene.set_friction_cone(config.friction_cone());
  }
  const std::vector<std::string> names =
      absl::StrSplit(absl::GetFlag(FLAGS_params), ',', absl::SkipWhitespace());
  WM_ASSIGN_OR_RETURN(const worldmodel::SysidSetup setup,
                      worldmodel::PrepareSysid(scene, names, config));
  const double dt = setup.scene->dt();
  WM_ASSIGN_OR_RETURN(config, worldmodel::ResolveSysidConfig(config, dt));
  WM_ASSIGN_OR_RETURN(
      worldmodel::SysidData data,
      worldmodel::LoadSysidData(*dataset, *setup.scene, config.max_episodes(),
                                absl::GetFlag(FLAGS_holdout)));
  const int horizon =
      std::max(1, static_cast<int>(std::lround(config.horizon_seconds() / dt)));
  const int stride = std::max(
      1, static_cast<int>(std::lround(config.window_stride_seconds() / dt)));
  const std::vector<double> scale =
      worldmodel::TangentScales(setup.scene->spec(), data.fit);
  std::vector<int64_t> fit_indices, holdout_indices;
  for (const auto& episode : data.fit) fit_indices.push_back(episode.index);
  for (const auto& episode : data.holdout) {
    holdout_indices.push_back(episode.index);
  }
  WM_ASSIGN_OR_RETURN(Objective fit,
                      MakeObjective(config, std::move(data.fit), *setup.scene,
                                    horizon, stride, scale));
  Objective holdout;
  if (!data.holdout.empty()) {
    WM_ASSIGN_OR_RETURN(
        holdout, MakeObjective(config, std::move(data.holdout), *setup.scene,
                               horizon, stride, scale));
  }
  std::cerr << "wm sysid: scene '" << setup.scene->name() << "', "
            << setup.scene->parameters().size() << " parameters, "
            << fit_indices.size() << " fit episodes (" << fit.windows << " "
            << fit.description << "), " << holdout_indices.size()
            << " held out, " << config.workers() << " workers\n";

  SysidProgressLine line;
  absl::StatusOr<worldmodel::SysidResult> result = worldmodel::RunSysid(
      setup, *fit.objective, holdout.objective.get(), config,
      [&](const SysidProgress& state) { line.Update(state); });
  line.Finish();
  WM_RETURN_IF_ERROR(result.status());
  WM_ASSIGN_OR_RETURN(v1::SysidReport report,
                      worldmodel::BuildSysidReport(setup, *result, fit_indices,
                                                   holdout_indices, config));
  report.set_dataset(dataset->directory());
  report.set_windows(fit.windows);
  report.set_horizon_steps(horizon);
  if (config.ensemble_members() >= 2) {
    WM_RETURN_IF_ERROR(
        FitEnsemble(setup, result->estimate, config, fit, holdout, &report));
  }

  if (!absl::GetFlag(FLAGS_out).empty()) {
    v1::CheckpointManifest manifest = worldmodel::SysidManifest(setup, report);
    manifest.set_dataset_fingerprint(dataset->Fingerprint());
    manifest.set_dataset_dir(dataset->directory());
    manifest.set_git_revision(WM_GIT_REVISION);
    WM_ASSIGN_OR_RETURN(const std::string version_dir,
                        worldmodel::PublishModelVersion(
                            absl::GetFlag(FLAGS_out), &manifest, {}));
    report.set_model_version(version_dir);
  }
  report.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  WM_RETURN_IF_ERROR(
      worldmodel::WriteSysidReportJson(absl::GetFlag(FLAGS_json), report));

  PrintEstimates("parameter", report.parameters());
  PrintEstimates("base parameter", report.base_parameters());
  std::cout << absl::StrFormat(
      "objective %.4g (nominal %.4g)%s; %d evaluations, %d generations, "
      "%.1f s\n",
      report.objective(), report.nominal_objective(),
      report.has_holdout_objective()
          ? absl::StrFormat(", held out %.4g",
                            report.holdout_objective().value())
          : std::string(", no held-out episodes"),
      report.evaluations(), report.generations(), report.seconds());
  if (config.ensemble_members() >= 2) {
    const v1::SimulationEnsemble& ensemble = report.ensemble();
    if (ensemble.members() >= 2) {
      std::cout << absl::StrFormat(
          "ensemble of %d: objective %.4g%s; stds: parameters x exp(%.3g), "
          "angle %.3g rad, linear velocity %.3g m/s, angular velocity %.3g "
          "rad/s\n",
          ensemble.members(), report.ensemble_objective(),
          report.has_ensemble_holdout_objective()
              ? absl::StrFormat(", held out %.4g",
                                report.ensemble_holdout_objective().value())
              : std::string(),
          ensemble.parameter_log_std(), ensemble.angle_std(),
          ensemble.linear_velocity_std(), ensemble.angular_velocity_std());
    } else {
      std::cout << "ensemble: none beat the single simulation; the model "
                   "keeps one\n";
    }
  }
  if (!report.model_version().empty()) {
    std::cout << "published " << report.model_version() << "\n";
  }
  std::cout << "wrote " << absl::GetFlag(FLAGS_json) << "\n";
  return absl::OkStatus();
}

}  // namespace

int RunSysid(const Invocation& invocation) {
  absl::StatusOr<v1::SysidConfig> config = ResolveConfig(invocation);
  absl::Status status = config.ok() ? Sysid(*config) : config.status();
  if (!status.ok()) {
    std::cerr << "wm sysid: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
