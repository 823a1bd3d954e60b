#include "worldmodel/planning/task_cost.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Below these the goal terms turn from linear to quadratic: 1 cm, 3 deg.
constexpr double kPositionScale = 0.01, kYawScale = 0.05;

// sqrt(x^2 + s^2) - s: |x| far away, quadratic near 0, so the planner keeps
// a firm pull all the way to the goal.
double SmoothAbs(double x, double scale) {
  return std::sqrt(x * x + scale * scale) - scale;
}

// The joint `name` of `type`; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<const v1::Joint*> JointOfType(const v1::StateSpec& spec,
                                             const std::string& name,
                                             v1::Joint::Type type,
                                             const char* field) {
  for (const auto& joint : spec.joints()) {
    if (joint.name() == name && joint.type() == type) return &joint;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("task.", field, ": the model has no ",
                   absl::AsciiStrToLower(v1::Joint::Type_Name(type)),
                   " joint named '", name, "'"));
}

// |a - b| wrapped to [0, pi].
double AngleBetween(double a, double b) {
  double d = std::fmod(std::abs(a - b), 2 * kPi);
  return d > kPi ? 2 * kPi - d : d;
}

// Weights and thresholds beyond this are implausible (a typo or an attack).
constexpr double kMaxTaskValue = 1e6;
// Goal coordinates beyond this (m, rad) are implausible.
constexpr double kMaxGoal = 1e4;

absl::Status CheckNonNegative(double value, const char* field) {
  if (!(value >= 0 && value <= kMaxTaskValue)) {
    return absl::InvalidArgumentError(
        absl::StrCat("task.", field, ": must be a finite value in [0, ",
                     kMaxTaskValue, "], got ", value));
  }
  return absl::OkStatus();
}

// `task` with its zero weights and thresholds at their defaults, checked:
// INVALID_ARGUMENT naming the field for a negative, non-finite or
// implausibly large one, or a non-finite or implausibly far goal.
absl::StatusOr<v1::TaskConfig> WithTaskDefaults(v1::TaskConfig task) {
  if (task.position_weight() == 0) task.set_position_weight(1.0);
  if (task.yaw_weight() == 0) task.set_yaw_weight(0.05);
  if (task.action_weight() == 0) task.set_action_weight(0.01);
  if (task.action_rate_weight() == 0) task.set_action_rate_weight(0.05);
  if (task.epistemic_weight() == 0) task.set_epistemic_weight(1.0);
  if (task.success_position_m() == 0) task.set_success_position_m(0.02);
  if (task.success_yaw_deg() == 0) task.set_success_yaw_deg(15.0);
  if (task.tool_joints_size() > 0 && task.reach_weight() == 0) {
    task.set_reach_weight(1.0);
  }
  if (task.reach_offset_m() == 0) task.set_reach_offset_m(0.07);
  for (auto [value, field] :
       {std::pair{task.position_weight(), "position_weight"},
        {task.yaw_weight(), "yaw_weight"},
        {task.action_weight(), "action_weight"},
        {task.action_rate_weight(), "action_rate_weight"},
        {task.epistemic_weight(), "epistemic_weight"},
        {task.success_position_m(), "success_position_m"},
        {task.success_yaw_deg(), "success_yaw_deg"},
        {task.reach_weight(), "reach_weight"},
        {task.reach_offset_m(), "reach_offset_m"}}) {
    if (absl::Status status = CheckNonNegative(value, field); !status.ok()) {
      return status;
    }
  }
  for (auto [value, field] : {std::pair{task.goal_x(), "goal_x"},
                              {task.goal_y(), "goal_y"},
                              {task.goal_yaw(), "goal_yaw"}}) {
    if (!(std::abs(value) <= kMaxGoal)) {
      return absl::InvalidArgumentError(
          absl::StrCat("task.", field, ": must be finite and within +-",
                       kMaxGoal, ", got ", value));
    }
  }
  return task;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TaskCost>> TaskCost::Create(
    v1::TaskConfig task, const v1::StateSpec& spec) {
  WM_ASSIGN_OR_RETURN(task, WithTaskDefaults(std::move(task)));
  std::unique_ptr<TaskCost> cost(new TaskCost(task, spec));
  if (!task.free_joint().empty()) {
    WM_ASSIGN_OR_RETURN(
        const v1::Joint* joint,
        JointOfType(spec, task.free_joint(), v1::Joint::FREE, "free_joint"));
    cost->x_offset_ = joint->qpos_offset();
    cost->y_offset_ = joint->qpos_offset() + 1;
    cost->quaternion_offset_ = joint->quaternion_offset();
    cost->x_spread_ = joint->qvel_offset();
    cost->y_spread_ = joint->qvel_offset() + 1;
  } else if (task.position_joints_size() == 2) {
    WM_ASSIGN_OR_RETURN(const v1::Joint* x,
                        JointOfType(spec, task.position_joints(0),
                                    v1::Joint::SLIDE, "position_joints"));
    WM_ASSIGN_OR_RETURN(const v1::Joint* y,
                        JointOfType(spec, task.position_joints(1),
                                    v1::Joint::SLIDE, "position_joints"));
    cost->x_offset_ = x->qpos_offset();
    cost->y_offset_ = y->qpos_offset();
    cost->x_spread_ = x->qvel_offset();
    cost->y_spread_ = y->qvel_offset();
    if (!task.yaw_joint().empty()) {
      WM_ASSIGN_OR_RETURN(
          const v1::Joint* yaw,
          JointOfType(spec, task.yaw_joint(), v1::Joint::HINGE, "yaw_joint"));
      cost->yaw_offset_ = yaw->qpos_offset();
    }
  } else {
    return absl::InvalidArgumentError(
        "task: name the object, free_joint or two position_joints (x, y)");
  }
  if (task.tool_joints_size() != 0) {
    if (task.tool_joints_size() != 2) {
      return absl::InvalidArgumentError(
          "task.tool_joints: name two slide joints (x, y)");
    }
    WM_ASSIGN_OR_RETURN(const v1::Joint* x,
                        JointOfType(spec, task.tool_joints(0), v1::Joint::SLIDE,
                                    "tool_joints"));
    WM_ASSIGN_OR_RETURN(const v1::Joint* y,
                        JointOfType(spec, task.tool_joints(1), v1::Joint::SLIDE,
                                    "tool_joints"));
    cost->tool_x_ = x->qpos_offset();
    cost->tool_y_ = y->qpos_offset();
  }
  for (const auto& actuator : spec.actuators()) {
    const bool limited = actuator.ctrl_max() > actuator.ctrl_min();
    cost->half_range_.push_back(
        limited ? 0.5 * (actuator.ctrl_max() - actuator.ctrl_min()) : 1.0);
    cost->center_.push_back(
        limited ? 0.5 * (actuator.ctrl_max() + actuator.ctrl_min()) : 0.0);
  }
  return cost;
}

std::optional<std::pair<double, double>> TaskCost::ToolPosition(
    const float* state) const {
  if (tool_x_ < 0) return std::nullopt;
  return std::make_pair(state[tool_x_], state[tool_y_]);
}

PlanarPose TaskCost::Pose(const float* state) const {
  PlanarPose pose;
  pose.x = state[x_offset_];
  pose.y = state[y_offset_];
  if (quaternion_offset_ >= 0) {
    const float* q = state + quaternion_offset_;  // w x y z
    pose.yaw = std::atan2(2.0 * (q[0] * q[3] + q[1] * q[2]),
                          1.0 - 2.0 * (q[2] * q[2] + q[3] * q[3]));
  } else if (yaw_offset_ >= 0) {
    pose.yaw = state[yaw_offset_];
  }
  return pose;
}

std::pair<double, double> TaskCost::GoalError(const float* state) const {
  const PlanarPose pose = Pose(state);
  const bool has_yaw = quaternion_offset_ >= 0 || yaw_offset_ >= 0;
  return {std::hypot(pose.x - task_.goal_x(), pose.y - task_.goal_y()),
          has_yaw ? AngleBetween(pose.yaw, task_.goal_yaw()) : 0.0};
}

double TaskCost::ReachError(const float* state) const {
  // The pushing point: behind the object, away from the goal.
  const double dx = task_.goal_x() - state[x_offset_],
               dy = task_.goal_y() - state[y_offset_];
  const double norm = std::max(std::hypot(dx, dy), 1e-6);
  const double px = state[x_offset_] - task_.reach_offset_m() * dx / norm;
  const double py = state[y_offset_] - task_.reach_offset_m() * dy / norm;
  const double ex = state[tool_x_] - px, ey = state[tool_y_] - py;
  return ex * ex + ey * ey;
}

bool TaskCost::Reached(const float* state) const {
  auto [distance, yaw] = GoalError(state);
  return distance <= task_.success_position_m() &&
         yaw <= task_.success_yaw_deg() * kPi / 180.0;
}

std::vector<double> TaskCost::Evaluate(
    const Tensor& mean, const Tensor& epistemic, const Tensor& actions,
    const std::vector<float>& previous_action) const {
  const int64_t n = actions.shape[0], horizon = actions.shape[1],
                nu = actions.shape[2];
  const int64_t nx = mean.shape[2], tangent = epistemic.shape[2];
  std::vector<double> costs(n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    double total = 0;
    for (int64_t t = 1; t <= horizon; ++t) {
      const float* state = &mean.data[(i * (horizon + 1) + t) * nx];
      auto [distance, yaw] = GoalError(state);
      const float* spread = &epistemic.data[(i * (horizon + 1) + t) * tangent];
      total +=
          task_.position_weight() * SmoothAbs(distance, kPositionScale) +
          task_.yaw_weight() * SmoothAbs(yaw, kYawScale) +
          task_.epistemic_weight() * (spread[x_spread_] * spread[x_spread_] +
                                      spread[y_spread_] * spread[y_spread_]);
      if (tool_x_ >= 0) total += task_.reach_weight() * ReachError(state);
      const float* action = &actions.data[(i * horizon + t - 1) * nu];
      const float* before = t == 1 ? previous_action.data() : action - nu;
      for (int64_t u = 0; u < nu; ++u) {
        const double size = (action[u] - center_[u]) / half_range_[u];
        const double change = (action[u] - before[u]) / half_range_[u];
        total += task_.action_weight() * size * size +
                 task_.action_rate_weight() * change * change;
      }
    }
    costs[i] = total;
  }
  return costs;
}

}  // namespace wm::worldmodel
