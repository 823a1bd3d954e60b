#include "worldmodel/planning/planning_benchmark.h"

#include <cmath>
#include <limits>
#include <utility>

#include "util/json_writer.h"
#include "util/quantile.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

void WritePoints(JsonWriter& json,
                 const std::vector<std::pair<float, float>>& xy) {
  json.BeginArray();
  for (const auto& [x, y] : xy) json.NumberArray({x, y});
  json.EndArray();
}

void WriteRobustness(JsonWriter& json, const PlanningSummary& summary) {
  json.BeginObject();
  json.Key("diverged_samples").Int(summary.diverged_samples);
  json.Key("failed_iterations").Int(summary.failed_iterations);
  json.Key("failed_plans").Int(summary.failed_plans);
  json.Key("failure_reasons").BeginObject();
  for (const auto& [reason, count] : summary.failure_reasons) {
    json.Key(reason).Int(count);
  }
  json.EndObject();
  json.EndObject();
}

void WriteEpisode(JsonWriter& json, const PlanningEpisode& episode) {
  json.BeginObject();
  json.Key("seed").Int(static_cast<int64_t>(episode.seed));
  json.Key("success").Bool(episode.success);
  json.Key("time_to_goal_s");
  if (episode.success) {
    json.Number(episode.time_to_goal_s);
  } else {
    json.Null();
  }
  json.Key("final_pos_err_m").Number(episode.final_position_error_m);
  json.Key("final_rot_deg").Number(episode.final_yaw_error_deg);
  json.Key("goal").NumberArray(
      {episode.goal_x, episode.goal_y, episode.goal_yaw});
  json.Key("true_parameters").NumberArray(episode.true_parameters);
  json.Key("path");
  WritePoints(json, episode.path);
  json.Key("tool_path");
  WritePoints(json, episode.tool_path);
  json.EndObject();
}

void WriteContender(JsonWriter& json, const ContenderResult& result,
                    double history_seconds) {
  const PlanningSummary& summary = result.summary;
  const v1::PlannerConfig& planner = result.planner;
  json.BeginObject();
  json.Key("model").String(result.model);
  json.Key("episodes").Int(static_cast<int64_t>(result.episodes.size()));
  json.Key("success_rate").Number(summary.success_rate);
  json.Key("median_time_to_goal_s").Number(summary.median_time_to_goal_s);
  json.Key("final_pos_err_m").Number(summary.median_position_error_m);
  json.Key("final_rot_deg").Number(summary.median_yaw_error_deg);
  json.Key("planning_hz").Number(summary.planning_hz);
  json.Key("plan_latency_ms").BeginObject();
  json.Key("p50").Number(summary.p50_ms).Key("p99").Number(summary.p99_ms);
  json.EndObject();
  json.Key("robustness");
  WriteRobustness(json, summary);
  json.Key("planner").BeginObject();
  json.Key("kind").String(planner.kind());
  json.Key("samples").Int(planner.samples());
  json.Key("horizon").Int(planner.horizon());
  json.Key("iterations").Int(planner.iterations());
  json.Key("history_seconds").Number(history_seconds);
  json.EndObject();
  json.Key("per_episode").BeginArray();
  for (const PlanningEpisode& episode : result.episodes) {
    WriteEpisode(json, episode);
  }
  json.EndArray();
  json.EndObject();
}

}  // namespace

PlanningSummary SummarizePlanning(
    const std::vector<PlanningEpisode>& episodes) {
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
  PlanningSummary summary;
  for (const auto& episode : episodes) {
    summary.diverged_samples += episode.diverged_samples;
    summary.failed_iterations += episode.failed_iterations;
    for (const auto& [reason, count] : episode.failed_plans) {
      summary.failed_plans += count;
      summary.failure_reasons[reason] += count;
    }
  }
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  double mean_ms = 0;
  for (double ms : latencies) mean_ms += ms / latencies.size();
  summary.success_rate =
      episodes.empty() ? kNan : double(successes) / episodes.size();
  summary.median_time_to_goal_s = Quantile(times, 0.5);
  summary.median_position_error_m = Quantile(positions, 0.5);
  summary.median_yaw_error_deg = Quantile(yaws, 0.5);
  summary.planning_hz = mean_ms > 0 ? 1000.0 / mean_ms : kNan;
  summary.p50_ms = Quantile(latencies, 0.5);
  summary.p99_ms = Quantile(latencies, 0.99);
  return summary;
}

absl::StatusOr<ContenderResult> RunContender(
    std::shared_ptr<const sim::Scene> scene, const v1::TaskConfig& task,
    const PlanningContender& contender, uint64_t base_seed,
    const PlanningEpisodeOptions& options,
    const std::function<void(int done, int reached)>& on_episode) {
  ContenderResult result;
  result.label = contender.label;
  result.model = contender.model;
  result.planner = contender.planner;
  int reached = 0;
  for (int e = 0; e < contender.episodes; ++e) {
    const uint64_t seed = base_seed * 1000003 + e;
    WM_ASSIGN_OR_RETURN(PlanningEpisode episode,
                        RunPlanningEpisode(scene, task, contender.planner,
                                           contender.models, seed, options));
    reached += episode.success;
    result.episodes.push_back(std::move(episode));
    if (on_episode) on_episode(e + 1, reached);
  }
  result.summary = SummarizePlanning(result.episodes);
  return result;
}

std::string PlanningReportJson(const std::vector<ContenderResult>& results,
                               double history_seconds) {
  JsonWriter json;
  json.BeginObject();
  for (const ContenderResult& result : results) {
    json.Key(result.label);
    WriteContender(json, result, history_seconds);
  }
  json.EndObject();
  return json.str() + "\n";
}

}  // namespace wm::worldmodel
