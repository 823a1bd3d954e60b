#include "worldmodel/planning/planning_benchmark.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "util/quantile.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

std::string Number(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.6g", value) : "null";
}

std::string Points(const std::vector<std::pair<float, float>>& xy) {
  std::vector<std::string> out;
  for (const auto& [x, y] : xy) {
    out.push_back(absl::StrFormat("[%.4f,%.4f]", x, y));
  }
  return absl::StrJoin(out, ",");
}

// `text` as a JSON string literal.
std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string RobustnessJson(const PlanningSummary& summary) {
  std::vector<std::string> reasons;
  for (const auto& [reason, count] : summary.failure_reasons) {
    reasons.push_back(absl::StrCat(JsonString(reason), ": ", count));
  }
  return absl::StrCat("{\"diverged_samples\": ", summary.diverged_samples,
                      ", \"failed_iterations\": ", summary.failed_iterations,
                      ", \"failed_plans\": ", summary.failed_plans,
                      ", \"failure_reasons\": {", absl::StrJoin(reasons, ", "),
                      "}}");
}

std::string EpisodeJson(const PlanningEpisode& episode) {
  std::vector<std::string> truth;
  for (double value : episode.true_parameters) truth.push_back(Number(value));
  return absl::StrCat(
      "{\"seed\": ", episode.seed,
      ", \"success\": ", episode.success ? "true" : "false",
      ", \"time_to_goal_s\": ",
      episode.success ? Number(episode.time_to_goal_s) : "null",
      ", \"final_pos_err_m\": ", Number(episode.final_position_error_m),
      ", \"final_rot_deg\": ", Number(episode.final_yaw_error_deg),
      ", \"goal\": [", Number(episode.goal_x), ", ", Number(episode.goal_y),
      ", ", Number(episode.goal_yaw), "], \"true_parameters\": [",
      absl::StrJoin(truth, ", "), "], \"path\": [", Points(episode.path),
      "], \"tool_path\": [", Points(episode.tool_path), "]}");
}

std::string ContenderJson(const ContenderResult& result,
                          double history_seconds) {
  std::vector<std::string> per_episode;
  for (const auto& episode : result.episodes) {
    per_episode.push_back(EpisodeJson(episode));
  }
  const PlanningSummary& summary = result.summary;
  const v1::PlannerConfig& planner = result.planner;
  return absl::StrCat(
      "{\"episodes\": ", result.episodes.size(),
      ", \"success_rate\": ", Number(summary.success_rate),
      ", \"median_time_to_goal_s\": ", Number(summary.median_time_to_goal_s),
      ", \"final_pos_err_m\": ", Number(summary.median_position_error_m),
      ", \"final_rot_deg\": ", Number(summary.median_yaw_error_deg),
      ", \"planning_hz\": ", Number(summary.planning_hz),
      ", \"plan_latency_ms\": {\"p50\": ", Number(summary.p50_ms),
      ", \"p99\": ", Number(summary.p99_ms), "}",
      ", \"robustness\": ", RobustnessJson(summary),
      ", \"planner\": {\"kind\": \"", planner.kind(),
      "\", \"samples\": ", planner.samples(),
      ", \"horizon\": ", planner.horizon(),
      ", \"iterations\": ", planner.iterations(),
      ", \"history_seconds\": ", Number(history_seconds),
      "}, \"per_episode\": [", absl::StrJoin(per_episode, ",\n  "), "]}");
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
  std::vector<std::string> reports;
  for (const ContenderResult& result : results) {
    reports.push_back(absl::StrCat(
        "\"", result.label, "\": ", ContenderJson(result, history_seconds)));
  }
  return absl::StrCat("{", absl::StrJoin(reports, ",\n"), "}\n");
}

}  // namespace wm::worldmodel
