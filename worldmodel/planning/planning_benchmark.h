#ifndef WM_WORLDMODEL_PLANNING_PLANNING_BENCHMARK_H_
#define WM_WORLDMODEL_PLANNING_PLANNING_BENCHMARK_H_

// What `wm plan` does, as a library call: each planner under test (a model
// source and planner settings) plans the same seeded episodes in MuJoCo
// (planning_episode.h); the episodes are summarised (success rate, medians,
// planning rate) and reported as JSON. Torch-free.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scene.h"
#include "wm/v1/planning.pb.h"
#include "worldmodel/planning/planning_episode.h"

namespace wm::worldmodel {

// One planner under test.
struct PlanningContender {
  // The report's key, by role: "physics" (wm plan --model), "blackbox"
  // (--baseline), "oracle".
  std::string label;
  // What it plans with, as tables show it: the served model's name (NAME or
  // NAME/N), or "mujoco_true_parameters" for the oracle.
  std::string model;
  EpisodeModelFactory models;
  v1::PlannerConfig planner;
  int episodes = 0;
};

// What one contender's episodes amount to; NaN where there is nothing to
// summarise (no episodes, no success, no latencies).
struct PlanningSummary {
  double success_rate = 0;
  double median_time_to_goal_s = 0;  // over the successful episodes
  double median_position_error_m = 0, median_yaw_error_deg = 0;
  double planning_hz = 0;  // 1000 / mean plan latency
  double p50_ms = 0, p99_ms = 0;
  // Robustness, summed over episodes (PlanningEpisode): diverged samples,
  // skipped iterations, and control steps whose plan failed, by reason.
  int64_t diverged_samples = 0, failed_iterations = 0, failed_plans = 0;
  std::map<std::string, int64_t> failure_reasons;
};

struct ContenderResult {
  std::string label;
  std::string model;  // as PlanningContender::model
  v1::PlannerConfig planner;
  std::vector<PlanningEpisode> episodes;
  PlanningSummary summary;
};

// The summary of `episodes`: medians and latency percentiles by Quantile
// (util/quantile.h, interpolated).
PlanningSummary SummarizePlanning(const std::vector<PlanningEpisode>& episodes);

// Plans contender.episodes episodes of `scene` with `task`; episode e has
// seed base_seed * 1000003 + e. `on_episode` (may be empty) is called after
// each with (episodes done, goals reached so far). Errors: those of
// RunPlanningEpisode.
absl::StatusOr<ContenderResult> RunContender(
    std::shared_ptr<const sim::Scene> scene, const v1::TaskConfig& task,
    const PlanningContender& contender, uint64_t base_seed,
    const PlanningEpisodeOptions& options,
    const std::function<void(int done, int reached)>& on_episode);

// The JSON report of `results` planned with `history_seconds` of context:
// an object with one member per label (the model planned with, summary,
// planner settings and every episode with its path). Non-finite numbers are
// written as null.
std::string PlanningReportJson(const std::vector<ContenderResult>& results,
                               double history_seconds);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_PLANNING_PLANNING_BENCHMARK_H_
