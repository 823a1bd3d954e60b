#include "worldmodel/planning/planning_episode.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/simulator.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "worldmodel/planning/sampling_planner.h"

namespace wm::worldmodel {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The last `length` transitions of the episode as a history context
// ([1, L + 1, nx] states, [1, L, nu] actions); empty when there are none.
Context HistoryContext(const std::vector<float>& states,
                       const std::vector<float>& actions, int nx, int nu,
                       int64_t length) {
  Context context;
  const int64_t recorded = static_cast<int64_t>(actions.size()) / nu;
  const int64_t l = std::min(length, recorded);
  if (l < 1) return context;
  context.history_states.shape = {1, l + 1, nx};
  context.history_states.data.assign(states.end() - (l + 1) * nx, states.end());
  context.history_actions.shape = {1, l, nu};
  context.history_actions.data.assign(actions.end() - l * nu, actions.end());
  return context;
}

// A failure's reason for counting: its code and message with every run of
// digits as '#' (so "index 13357" and "index 12" count together), cut to a
// length that keeps the counts readable.
std::string FailureReason(const absl::Status& status) {
  constexpr size_t kMaxReasonChars = 160;
  const std::string full = absl::StrCat(absl::StatusCodeToString(status.code()),
                                        ": ", status.message());
  std::string reason;
  for (size_t i = 0; i < full.size() && reason.size() < kMaxReasonChars; ++i) {
    const bool digit = full[i] >= '0' && full[i] <= '9';
    if (!digit) {
      reason += full[i];
    } else if (reason.empty() || reason.back() != '#') {
      reason += '#';
    }
  }
  return reason;
}

// The task with its goal drawn from `seed`: from the object's start pose in
// `observed`, a random direction and distance, and a yaw within
// +- max_goal_yaw_deg of its start.
absl::StatusOr<v1::TaskConfig> DrawGoal(const sim::Scene& scene,
                                        const v1::TaskConfig& task,
                                        const std::vector<float>& observed,
                                        uint64_t seed,
                                        const PlanningEpisodeOptions& options) {
  WM_ASSIGN_OR_RETURN(auto probe, TaskCost::Create(task, scene.spec()));
  const PlanarPose start = probe->Pose(observed.data());
  Rng random(seed ^ 0x9e3779b97f4a7c15ULL);
  const double direction = 2 * kPi * random.Uniform();
  const double distance =
      random.Uniform(options.min_goal_distance_m, options.max_goal_distance_m);
  v1::TaskConfig goal_task = task;
  goal_task.set_goal_x(start.x + distance * std::cos(direction));
  goal_task.set_goal_y(start.y + distance * std::sin(direction));
  goal_task.set_goal_yaw(start.yaw + random.Uniform(-1, 1) *
                                         options.max_goal_yaw_deg * kPi / 180);
  return goal_task;
}

// The action to apply at `observed`: the plan's first action (one retry of a
// failed plan, a transient failure); when both fail, the last action applied
// (`actions`, nu per step; zero before any) with the failure's reason
// counted. Records the plan's time and counts in `episode`.
std::vector<double> NextAction(SamplingPlanner& planner,
                               const WorldModel& model,
                               const std::vector<float>& observed,
                               const Context& context,
                               const std::vector<float>& actions, int nu,
                               PlanningEpisode* episode) {
  const int64_t nx = observed.size();
  const absl::Time began = absl::Now();
  absl::StatusOr<PlanResult> plan =
      planner.Plan(model, Tensor{{nx}, observed}, context);
  if (!plan.ok()) plan = planner.Plan(model, Tensor{{nx}, observed}, context);
  episode->plan_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - began));
  std::vector<double> action(nu, 0.0);
  if (plan.ok()) {
    episode->diverged_samples += plan->diverged_samples;
    episode->failed_iterations += plan->failed_iterations;
    action.assign(plan->actions.data.begin(), plan->actions.data.begin() + nu);
  } else {
    ++episode->failed_plans[FailureReason(plan.status())];
    if (!actions.empty()) action.assign(actions.end() - nu, actions.end());
  }
  return action;
}

}  // namespace

absl::StatusOr<PlanningEpisode> RunPlanningEpisode(
    std::shared_ptr<const sim::Scene> scene, const v1::TaskConfig& task,
    const v1::PlannerConfig& planner_config,
    const EpisodeModelFactory& model_for_episode, uint64_t seed,
    const PlanningEpisodeOptions& options) {
  const int nx = scene->nx(), nu = scene->nu();
  sim::Simulator simulator(scene);
  PlanningEpisode episode;
  episode.seed = seed;
  episode.true_parameters = simulator.Reset(seed);
  std::vector<double> state(nx);
  simulator.GetState(absl::MakeSpan(state));
  std::vector<float> observed(state.begin(), state.end());
  episode.states = state;

  WM_ASSIGN_OR_RETURN(const v1::TaskConfig goal_task,
                      DrawGoal(*scene, task, observed, seed, options));
  episode.goal_x = goal_task.goal_x();
  episode.goal_y = goal_task.goal_y();
  episode.goal_yaw = goal_task.goal_yaw();

  // The loop applies only each plan's first action: skip its prediction.
  v1::PlannerConfig loop_config = planner_config;
  loop_config.set_skip_plan_rollout(true);
  WM_ASSIGN_OR_RETURN(auto planner, SamplingPlanner::Create(
                                        loop_config, goal_task, scene->spec()));
  WM_ASSIGN_OR_RETURN(std::shared_ptr<const WorldModel> model,
                      model_for_episode(episode.true_parameters));
  const int64_t history_steps =
      std::max<int64_t>(1, std::llround(options.history_seconds / scene->dt()));
  const int64_t max_steps = std::llround(options.max_seconds / scene->dt());
  std::vector<float> states = observed, actions;
  const TaskCost& cost = planner->cost();
  for (int64_t step = 0;; ++step) {
    const PlanarPose pose = cost.Pose(observed.data());
    episode.path.push_back(
        {static_cast<float>(pose.x), static_cast<float>(pose.y)});
    if (auto tool = cost.ToolPosition(observed.data())) {
      episode.tool_path.push_back(
          {static_cast<float>(tool->first), static_cast<float>(tool->second)});
    }
    if (cost.Reached(observed.data())) {
      episode.success = true;
      episode.time_to_goal_s = step * scene->dt();
      break;
    }
    if (step == max_steps) break;
    const std::vector<double> action =
        NextAction(*planner, *model, observed,
                   HistoryContext(states, actions, nx, nu, history_steps),
                   actions, nu, &episode);
    WM_RETURN_IF_ERROR(simulator.Step(action));
    simulator.GetState(absl::MakeSpan(state));
    episode.states.insert(episode.states.end(), state.begin(), state.end());
    episode.actions.insert(episode.actions.end(), action.begin(), action.end());
    observed.assign(state.begin(), state.end());
    states.insert(states.end(), observed.begin(), observed.end());
    actions.insert(actions.end(), action.begin(), action.end());
  }
  auto [position_error, yaw_error] = cost.GoalError(observed.data());
  episode.final_position_error_m = position_error;
  episode.final_yaw_error_deg = yaw_error * 180 / kPi;
  return episode;
}

}  // namespace wm::worldmodel
