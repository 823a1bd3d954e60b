// `wm plan`: closed-loop planning in MuJoCo with the served world model
// (and optionally a served baseline and the MuJoCo oracle), scored over
// episodes with hidden, randomised friction and mass; prints a table and
// writes a JSON report.

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
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/planning/planning_episode.h"

namespace wm::tools {
namespace {

using worldmodel::PlanningEpisode;

// One planner under test: its label, model source and settings.
struct Contender {
  std::string label;  // "physics", "blackbox", "oracle"
  worldmodel::EpisodeModelFactory models;
  v1::PlannerConfig planner;
  int episodes = 0;
};

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  return values[std::min<size_t>(values.size() - 1, q * values.size())];
}

std::string Number(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.6g", value) : "null";
}

// What one contender's episodes amount to.
struct Summary {
  double success_rate = NAN;
  double median_time_to_goal_s = NAN;  // over the successful episodes
  double median_position_error_m = NAN, median_yaw_error_deg = NAN;
  double planning_hz = NAN;  // 1000 / mean plan latency
  double p50_ms = NAN, p99_ms = NAN;
};

Summary Summarize(const std::vector<PlanningEpisode>& episodes) {
  std::vector<double> times, positions, yaws, latencies;
  int successes = 0;
  for (const auto& episode : episodes) {
    if (episode.success) {
      ++successes;
      times.push_back(episode.time_to_goal_s);
    }
    positions.push_back(episode.final_position_error_m);
    yaws.push_back(episode.final_yaw_error_deg);
    latencies.insert(latencies.end(), episode.plan_ms.begin(),
                     episode.plan_ms.end());
  }
  double mean_ms = 0;
  for (double ms : latencies) mean_ms += ms / latencies.size();
  Summary summary;
  if (!episodes.empty()) {
    summary.success_rate = double(successes) / episodes.size();
  }
  summary.median_time_to_goal_s = Percentile(times, 0.5);
  summary.median_position_error_m = Percentile(positions, 0.5);
  summary.median_yaw_error_deg = Percentile(yaws, 0.5);
  if (mean_ms > 0) summary.planning_hz = 1000.0 / mean_ms;
  summary.p50_ms = Percentile(latencies, 0.5);
  summary.p99_ms = Percentile(latencies, 0.99);
  return summary;
}

// The JSON object of one contender's episodes, planned with
// `history_seconds` of context.
std::string ContenderJson(const Contender& contender,
                          const std::vector<PlanningEpisode>& episodes,
                          const Summary& summary, double history_seconds) {
  auto points = [](const std::vector<std::pair<float, float>>& xy) {
    std::vector<std::string> out;
    for (const auto& [x, y] : xy) {
      out.push_back(absl::StrFormat("[%.4f,%.4f]", x, y));
    }
    return absl::StrJoin(out, ",");
  };
  std::vector<std::string> per_episode;
  for (const auto& episode : episodes) {
    per_episode.push_back(absl::StrCat(
        "{\"seed\": ", episode.seed, ", \"success\": ",
        episode.success ? "true" : "false", ", \"time_to_goal_s\": ",
        episode.success ? Number(episode.time_to_goal_s) : "null",
        ", \"final_pos_err_m\": ", Number(episode.final_position_error_m),
        ", \"final_rot_deg\": ", Number(episode.final_yaw_error_deg),
        ", \"goal\": [", Number(episode.goal_x), ", ", Number(episode.goal_y),
        ", ", Number(episode.goal_yaw), "], \"true_parameters\": [",
        absl::StrJoin(episode.true_parameters, ", "), "], \"path\": [",
        points(episode.path), "], \"tool_path\": [", points(episode.tool_path),
        "]}"));
  }
  const v1::PlannerConfig& planner = contender.planner;
  return absl::StrCat(
      "{\"episodes\": ", episodes.size(),
      ", \"success_rate\": ", Number(summary.success_rate),
      ", \"median_time_to_goal_s\": ", Number(summary.median_time_to_goal_s),
      ", \"final_pos_err_m\": ", Number(summary.median_position_error_m),
      ", \"final_rot_deg\": ", Number(summary.median_yaw_error_deg),
      ", \"planning_hz\": ", Number(summary.planning_hz),
      ", \"plan_latency_ms\": {\"p50\": ", Number(summary.p50_ms),
      ", \"p99\": ", Number(summary.p99_ms), "}",
      ", \"planner\": {\"kind\": \"", planner.kind(),
      "\", \"samples\": ", planner.samples(),
      ", \"horizon\": ", planner.horizon(),
      ", \"iterations\": ", planner.iterations(),
      ", \"history_seconds\": ", Number(history_seconds),
      "}, \"per_episode\": [", absl::StrJoin(per_episode, ",\n  "), "]}");
}

absl::StatusOr<worldmodel::EpisodeModelFactory> RemoteModels(
    const std::string& spec) {
  v1::ModelSpec model;
  const size_t slash = spec.rfind('/');
  model.set_name(spec.substr(0, slash));
  if (slash != std::string::npos) {
    model.set_version(std::stoll(spec.substr(slash + 1)));
  }
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

absl::Status Plan(const Invocation& invocation) {
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
  v1::TaskConfig task;
  WM_RETURN_IF_ERROR(ReadTextProtoFile(absl::GetFlag(FLAGS_task), &task));
  WM_ASSIGN_OR_RETURN(const v1::SceneConfig scene_config,
                      sim::LoadSceneConfig(absl::GetFlag(FLAGS_scene)));
  WM_ASSIGN_OR_RETURN(auto scene, sim::Scene::Create(scene_config));

  std::vector<Contender> contenders;
  const int episodes = absl::GetFlag(FLAGS_episodes);
  if (!absl::GetFlag(FLAGS_model).empty()) {
    WM_ASSIGN_OR_RETURN(auto models, RemoteModels(absl::GetFlag(FLAGS_model)));
    contenders.push_back({"physics", models, planner, episodes});
  }
  if (!absl::GetFlag(FLAGS_baseline).empty()) {
    WM_ASSIGN_OR_RETURN(auto models,
                        RemoteModels(absl::GetFlag(FLAGS_baseline)));
    contenders.push_back({"blackbox", models, planner, episodes});
  }
  if (absl::GetFlag(FLAGS_oracle)) {
    // MuJoCo rollouts cost far more than the learned model's: fewer samples.
    v1::PlannerConfig oracle = planner;
    oracle.set_samples(absl::GetFlag(FLAGS_oracle_samples));
    contenders.push_back(
        {"oracle",
         [scene_config](const std::vector<double>& truth)
             -> absl::StatusOr<std::shared_ptr<const worldmodel::WorldModel>> {
           WM_ASSIGN_OR_RETURN(auto model, worldmodel::MujocoModel::Create(
                                               scene_config, truth));
           return std::shared_ptr<const worldmodel::WorldModel>(
               std::move(model));
         },
         oracle,
         absl::GetFlag(FLAGS_oracle_episodes) > 0
             ? absl::GetFlag(FLAGS_oracle_episodes)
             : episodes});
  }

  std::vector<std::string> reports;
  std::cout << absl::StrFormat("%-10s %8s %9s %12s %12s %11s %10s\n", "planner",
                               "episodes", "success", "time_to_goal",
                               "final_pos_m", "final_rot°", "plan_hz");
  for (const Contender& contender : contenders) {
    ProgressBar bar(contender.label, contender.episodes);
    std::vector<PlanningEpisode> results;
    int successes = 0;
    for (int e = 0; e < contender.episodes; ++e) {
      const uint64_t seed = absl::GetFlag(FLAGS_seed) * 1000003 + e;
      WM_ASSIGN_OR_RETURN(
          PlanningEpisode episode,
          worldmodel::RunPlanningEpisode(scene, task, contender.planner,
                                         contender.models, seed, options));
      successes += episode.success;
      results.push_back(std::move(episode));
      bar.Update(e + 1, absl::StrCat(successes, "/", e + 1, " reached"));
    }
    bar.Finish();
    const Summary summary = Summarize(results);
    reports.push_back(absl::StrCat(
        "\"", contender.label, "\": ",
        ContenderJson(contender, results, summary, options.history_seconds)));
    std::cout << absl::StrFormat(
        "%-10s %8d %8.0f%% %11.2fs %12.3f %11.1f %10.1f\n", contender.label,
        contender.episodes, 100.0 * summary.success_rate,
        summary.median_time_to_goal_s, summary.median_position_error_m,
        summary.median_yaw_error_deg, summary.planning_hz);
  }
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty()) {
    WM_RETURN_IF_ERROR(WriteFileAtomically(
        json, absl::StrCat("{", absl::StrJoin(reports, ",\n"), "}\n")));
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
