// `wm plan`: closed-loop planning in MuJoCo with the served world model
// (and optionally a served baseline and the MuJoCo oracle), scored over
// episodes with hidden, randomised friction and mass; prints a table and
// writes a JSON report. The work is worldmodel::RunContender.

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/client/remote_world_model.h"
#include "sim/scene_library.h"
#include "tools/wm/flags.h"
#include "tools/wm/model_spec_flag.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/guarded_model.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/planning/planning_benchmark.h"
#include "worldmodel/planning/task_library.h"

namespace wm::tools {
namespace {

// The served model `spec` (NAME or NAME/N, given as --<flag>), connected
// anew for each episode.
absl::StatusOr<worldmodel::EpisodeModelFactory> RemoteModels(
    const std::string& flag, const std::string& spec) {
  WM_ASSIGN_OR_RETURN(const v1::ModelSpec model, ParseModelSpec(flag, spec));
  services::ClientOptions options;
  if (const char* token = std::getenv("WM_SERVE_TOKEN")) {
    options.bearer_token = token;
  }
  const std::string server = absl::GetFlag(FLAGS_server);
  // Fail now, not in the first episode, for an unknown model.
  WM_RETURN_IF_ERROR(
      services::RemoteWorldModel::Connect(server, model, options).status());
  // Each episode connects anew: it pins the version serving at its start.
  return worldmodel::EpisodeModelFactory(
      [server, model, options](const std::vector<double>&)
          -> absl::StatusOr<std::shared_ptr<const worldmodel::WorldModel>> {
        WM_ASSIGN_OR_RETURN(auto remote, services::RemoteWorldModel::Connect(
                                             server, model, options));
        return std::shared_ptr<const worldmodel::WorldModel>(std::move(remote));
      });
}

// The median time to goal as the table shows it: "-" when no episode
// reached its goal.
std::string TimeToGoal(double seconds) {
  return std::isfinite(seconds) ? absl::StrFormat("%.2fs", seconds) : "-";
}

// The planner settings: --config, then the flags given, then defaults.
absl::StatusOr<v1::PlannerConfig> PlannerFromFlags(
    const Invocation& invocation) {
  v1::PlannerConfig planner;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(
        ReadTextProtoFile(absl::GetFlag(FLAGS_config), &planner));
  }
  if (invocation.Given("samples"))
    planner.set_samples(absl::GetFlag(FLAGS_samples));
  if (invocation.Given("horizon"))
    planner.set_horizon(absl::GetFlag(FLAGS_horizon));
  if (invocation.Given("iterations")) {
    planner.set_iterations(absl::GetFlag(FLAGS_iterations));
  }
  if (planner.samples() == 0) planner.set_samples(256);
  if (planner.horizon() == 0) planner.set_horizon(30);
  if (planner.iterations() == 0) planner.set_iterations(3);
  return planner;
}

// The planners under test: the served --model and --baseline, and the
// MuJoCo oracle with each episode's true parameters (--oracle).
absl::StatusOr<std::vector<worldmodel::PlanningContender>> Contenders(
    const v1::PlannerConfig& planner, const v1::SceneConfig& scene_config) {
  std::vector<worldmodel::PlanningContender> contenders;
  const int episodes = absl::GetFlag(FLAGS_episodes);
  // A served model gets all samples in one Rollout request unless the
  // config sets threads: `wm serve` splits it over its cores, and the
  // history is identified once (docs/performance.md: 0.75 of the step of
  // one request per core).
  v1::PlannerConfig served = planner;
  if (served.threads() == 0) served.set_threads(1);
  if (!absl::GetFlag(FLAGS_model).empty()) {
    WM_ASSIGN_OR_RETURN(auto models,
                        RemoteModels("model", absl::GetFlag(FLAGS_model)));
    contenders.push_back(
        {"physics", absl::GetFlag(FLAGS_model), models, served, episodes});
  }
  if (!absl::GetFlag(FLAGS_baseline).empty()) {
    WM_ASSIGN_OR_RETURN(
        auto models, RemoteModels("baseline", absl::GetFlag(FLAGS_baseline)));
    contenders.push_back(
        {"blackbox", absl::GetFlag(FLAGS_baseline), models, served, episodes});
  }
  if (absl::GetFlag(FLAGS_oracle)) {
    // MuJoCo rollouts cost far more than the learned model's: fewer samples.
    v1::PlannerConfig oracle = planner;
    oracle.set_samples(absl::GetFlag(FLAGS_oracle_samples));
    contenders.push_back(
        {"oracle", "mujoco_true_parameters",
         [scene_config](const std::vector<double>& truth)
             -> absl::StatusOr<std::shared_ptr<const worldmodel::WorldModel>> {
           WM_ASSIGN_OR_RETURN(auto model, worldmodel::MujocoModel::Create(
                                               scene_config, truth));
           return std::shared_ptr<const worldmodel::WorldModel>(
               worldmodel::GuardModel(std::move(model)));
         },
         oracle,
         absl::GetFlag(FLAGS_oracle_episodes) > 0
             ? absl::GetFlag(FLAGS_oracle_episodes)
             : episodes});
  }
  return contenders;
}

absl::Status Plan(const Invocation& invocation) {
  WM_ASSIGN_OR_RETURN(const v1::PlannerConfig planner,
                      PlannerFromFlags(invocation));
  worldmodel::PlanningEpisodeOptions options;
  options.history_seconds = absl::GetFlag(FLAGS_history_seconds);
  if (!(options.history_seconds > 0)) {
    return absl::InvalidArgumentError("--history_seconds must be positive");
  }
  if (absl::GetFlag(FLAGS_model).empty() &&
      absl::GetFlag(FLAGS_baseline).empty() && !absl::GetFlag(FLAGS_oracle)) {
    return absl::InvalidArgumentError(
        "nothing to plan with: give --model NAME (with --server), "
        "--baseline NAME or --oracle");
  }
  WM_ASSIGN_OR_RETURN(const v1::TaskConfig task,
                      worldmodel::LoadTaskConfig(absl::GetFlag(FLAGS_task)));
  WM_ASSIGN_OR_RETURN(const v1::SceneConfig scene_config,
                      sim::LoadSceneConfig(absl::GetFlag(FLAGS_scene)));
  WM_ASSIGN_OR_RETURN(auto scene, sim::Scene::Create(scene_config));
  WM_ASSIGN_OR_RETURN(const auto contenders, Contenders(planner, scene_config));

  std::vector<worldmodel::ContenderResult> results;
  std::cout << absl::StrFormat("%-24s %8s %9s %12s %12s %11s %10s\n", "model",
                               "episodes", "success", "time_to_goal",
                               "final_pos_m", "final_rot°", "plan_hz");
  for (const worldmodel::PlanningContender& contender : contenders) {
    ProgressBar bar(contender.label, contender.episodes);
    WM_ASSIGN_OR_RETURN(
        worldmodel::ContenderResult result,
        worldmodel::RunContender(
            scene, task, contender, absl::GetFlag(FLAGS_seed), options,
            [&](int done, int reached) {
              bar.Update(done, absl::StrCat(reached, "/", done, " reached"));
            }));
    bar.Finish();
    const worldmodel::PlanningSummary& summary = result.summary;
    std::cout << absl::StrFormat(
        "%-24s %8d %8.0f%% %12s %12.3f %11.1f %10.1f\n", contender.model,
        contender.episodes, 100.0 * summary.success_rate,
        TimeToGoal(summary.median_time_to_goal_s),
        summary.median_position_error_m, summary.median_yaw_error_deg,
        summary.planning_hz);
    if (summary.diverged_samples + summary.failed_iterations +
            summary.failed_plans >
        0) {
      std::cout << absl::StrFormat(
          "%-24s %d diverged samples (infinite cost), %d skipped iterations, "
          "%d failed plans (previous action held)\n",
          "", summary.diverged_samples, summary.failed_iterations,
          summary.failed_plans);
      for (const auto& [reason, count] : summary.failure_reasons) {
        std::cout << absl::StrFormat("%-24s   %dx %s\n", "", count, reason);
      }
    }
    results.push_back(std::move(result));
  }
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty()) {
    WM_RETURN_IF_ERROR(WriteFileAtomically(
        json,
        worldmodel::PlanningReportJson(results, options.history_seconds)));
    std::cout << "wrote " << json << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

int RunPlan(const Invocation& invocation) {
  absl::Status status = Plan(invocation);
  if (!status.ok()) {
    std::cerr << "wm plan: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
