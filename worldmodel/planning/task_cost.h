#ifndef WM_WORLDMODEL_PLANNING_TASK_COST_H_
#define WM_WORLDMODEL_PLANNING_TASK_COST_H_

// The cost of a planning task (wm.v1.TaskConfig) over predicted
// trajectories: an object's distance and yaw to a goal, action size and
// change, and the model's epistemic spread on the object's position.
// Torch-free.

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "util/tensor.h"
#include "wm/v1/planning.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// Where an object is in the plane.
struct PlanarPose {
  double x = 0, y = 0, yaw = 0;  // m, m, rad about z
};

class TaskCost {
 public:
  // Resolves the task's joints in `spec` and fills weight defaults.
  // INVALID_ARGUMENT naming the field: no object, a joint the spec lacks or
  // of the wrong type, a negative weight or tolerance.
  static absl::StatusOr<std::unique_ptr<TaskCost>> Create(
      v1::TaskConfig task, const v1::StateSpec& spec);

  // The object's pose in `state` (nx values).
  PlanarPose Pose(const float* state) const;

  // The tool's x, y in `state`, or nothing when the task names no tool.
  std::optional<std::pair<double, double>> ToolPosition(
      const float* state) const;

  // Distance (m) and absolute yaw error (rad, wrapped to [0, pi]) to the
  // goal in `state`.
  std::pair<double, double> GoalError(const float* state) const;

  // True when `state` is within the success tolerances.
  bool Reached(const float* state) const;

  // Total cost of each of N sequences: `mean` [N, H + 1, nx] and `epistemic`
  // [N, H + 1, 2 nv] as Rollout returns them for `actions` [N, H, nu];
  // `previous_action` [nu] is the action applied before step 0. Step 0 (the
  // current state) costs nothing. Thread-compatible (const).
  std::vector<double> Evaluate(const Tensor& mean, const Tensor& epistemic,
                               const Tensor& actions,
                               const std::vector<float>& previous_action) const;

  const v1::TaskConfig& task() const { return task_; }

 private:
  // Squared distance (m^2) of the tool from the pushing point behind the
  // object.
  double ReachError(const float* state) const;

  TaskCost(v1::TaskConfig task, const v1::StateSpec& spec)
      : task_(std::move(task)), spec_(spec) {}

  v1::TaskConfig task_;
  v1::StateSpec spec_;
  int x_offset_ = -1, y_offset_ = -1;  // qpos of the object's x and y
  int quaternion_offset_ = -1;         // qpos of its quaternion w, or -1
  int yaw_offset_ = -1;                // qpos of a yaw hinge, or -1
  // Offsets in the 2 nv tangent space of the object's x and y position
  // spread.
  int x_spread_ = -1, y_spread_ = -1;
  int tool_x_ = -1, tool_y_ = -1;  // qpos of the tool's x and y, or -1
  std::vector<double> half_range_, center_;  // per actuator
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_PLANNING_TASK_COST_H_
