#ifndef WM_WORLDMODEL_PLANNING_PLANNING_EPISODE_H_
#define WM_WORLDMODEL_PLANNING_PLANNING_EPISODE_H_

// One closed-loop planning episode in MuJoCo, in lock step: observe the true
// state, plan with a world model (the episode's history as its context, so
// inferred friction and mass update as the object moves), apply the first
// action in a simulation whose randomised parameters the planner never
// sees, repeat. The simulation waits while the planner thinks; planning
// time is measured on its own. Torch-free.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scene.h"
#include "wm/v1/planning.pb.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

struct PlanningEpisodeOptions {
  double max_seconds = 10;     // give up after this much simulated time
  double history_seconds = 1;  // the context passed to every plan
  double min_goal_distance_m = 0.1, max_goal_distance_m = 0.3;
  double max_goal_yaw_deg = 45;  // goal yaw within +- this of the start
};

struct PlanningEpisode {
  uint64_t seed = 0;
  std::vector<double> true_parameters;  // the hidden ones, scene order
  double goal_x = 0, goal_y = 0, goal_yaw = 0;
  bool success = false;
  double time_to_goal_s = -1;  // -1 when the goal was not reached
  double final_position_error_m = 0, final_yaw_error_deg = 0;
  std::vector<double> plan_ms;                // per control step
  std::vector<std::pair<float, float>> path;  // object x, y per step
  // Tool x, y per step; empty when the task names no tool.
  std::vector<std::pair<float, float>> tool_path;
  // Robustness: sampled sequences scored as diverged and planner iterations
  // skipped after a failed model call (PlanResult), and control steps whose
  // plan failed twice (then the previous action was held), by reason (code
  // and message, digits as #).
  int64_t diverged_samples = 0;
  int64_t failed_iterations = 0;
  std::map<std::string, int64_t> failed_plans;
  // The episode as a robot logs it: the T + 1 true states observed
  // [(T + 1) * nx] and the T actions applied [T * nu].
  std::vector<double> states;
  std::vector<double> actions;
};

// Builds the model a planner uses in one episode, given that episode's true
// parameters (the oracle uses them; other models ignore them).
using EpisodeModelFactory =
    std::function<absl::StatusOr<std::shared_ptr<const WorldModel>>(
        const std::vector<double>& true_parameters)>;

// Runs episode `seed` of `scene`: parameters and the initial state drawn
// from the seed, a goal drawn from it too (options' distance and yaw
// ranges, from the object's start), `task` with that goal, a fresh planner
// of `planner_config`. A plan that fails is retried once; when it fails
// again the previous action is held for that step and the reason counted
// (failed_plans): a model error never ends the episode. Errors:
// INVALID_ARGUMENT for a task or planner that does not fit the scene;
// building the episode's model fails; FAILED_PRECONDITION when the
// simulation goes unstable. Thread-compatible.
absl::StatusOr<PlanningEpisode> RunPlanningEpisode(
    std::shared_ptr<const sim::Scene> scene, const v1::TaskConfig& task,
    const v1::PlannerConfig& planner_config,
    const EpisodeModelFactory& model_for_episode, uint64_t seed,
    const PlanningEpisodeOptions& options);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_PLANNING_PLANNING_EPISODE_H_
