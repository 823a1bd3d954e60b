// `wm sysid`: fits named MuJoCo parameters to a dataset's trajectories
// (CMA-ES on a multi-step simulation error, bootstrap uncertainty), writes
// the JSON report and optionally publishes a servable "mujoco" version.

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/sysid/sysid_job.h"
#include "worldmodel/sysid/sysid_report.h"

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

absl::Status Sysid(const v1::SysidConfig& config) {
  worldmodel::SysidJob job;
  job.config = config;
  job.data_dir = absl::GetFlag(FLAGS_data);
  job.scene = absl::GetFlag(FLAGS_scene);
  job.parameters =
      absl::StrSplit(absl::GetFlag(FLAGS_params), ',', absl::SkipWhitespace());
  job.holdout = absl::GetFlag(FLAGS_holdout);
  job.publish_dir = absl::GetFlag(FLAGS_out);
  job.git_revision = WM_GIT_REVISION;
  SysidProgressLine line;
  std::unique_ptr<ProgressBar> ensemble_bar;
  worldmodel::SysidJobCallbacks callbacks;
  callbacks.on_start = [](const std::string& what) {
    std::cerr << "wm sysid: " << what << "\n";
  };
  callbacks.on_fit = [&](const SysidProgress& state) { line.Update(state); };
  callbacks.on_ensemble = [&](int generation, int generations, double best) {
    if (ensemble_bar == nullptr) {
      line.Finish();
      std::cerr << "wm sysid: fitting an ensemble of "
                << config.ensemble_members()
                << " simulations (perturbed parameters and start states)\n";
      ensemble_bar =
          std::make_unique<ProgressBar>("ensemble generations", generations);
    }
    ensemble_bar->Update(generation, absl::StrFormat("best %.4g", best));
  };
  absl::StatusOr<v1::SysidReport> ran = worldmodel::RunSysidJob(job, callbacks);
  line.Finish();
  if (ensemble_bar != nullptr) ensemble_bar->Finish();
  WM_ASSIGN_OR_RETURN(const v1::SysidReport report, std::move(ran));
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
