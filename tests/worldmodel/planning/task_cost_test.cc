#include "worldmodel/planning/task_cost.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::wm::testing::IsOk;

constexpr double kPi = 3.14159265358979323846;

// A free box (nq 7, nv 6) and one actuator with range [-2, 2].
v1::StateSpec FreeBoxSpec() {
  v1::StateSpec spec;
  spec.set_nq(7);
  spec.set_nv(6);
  spec.set_nu(1);
  auto* joint = spec.add_joints();
  joint->set_name("box");
  joint->set_type(v1::Joint::FREE);
  joint->set_qpos_offset(0);
  joint->set_qvel_offset(0);
  joint->set_quaternion_offset(3);
  auto* actuator = spec.add_actuators();
  actuator->set_ctrl_min(-2);
  actuator->set_ctrl_max(2);
  return spec;
}

// A box state at (x, y) turned by `yaw` about z.
std::vector<float> BoxAt(double x, double y, double yaw) {
  std::vector<float> state(13, 0.0f);
  state[0] = x;
  state[1] = y;
  state[3] = std::cos(yaw / 2);
  state[6] = std::sin(yaw / 2);
  return state;
}

std::unique_ptr<TaskCost> GoalCost() {
  v1::TaskConfig task;
  task.set_free_joint("box");
  task.set_goal_x(0.2);
  task.set_goal_y(0.1);
  task.set_goal_yaw(0.5);
  auto cost = TaskCost::Create(task, FreeBoxSpec());
  EXPECT_THAT(cost, IsOk());
  return std::move(cost).value();
}

TEST(TaskCostTest, ReadsPoseFromTheQuaternionAndWrapsYawErrors) {
  auto cost = GoalCost();
  const auto state = BoxAt(0.2, 0.1, 0.5 - 2 * kPi);
  const PlanarPose pose = cost->Pose(state.data());
  EXPECT_NEAR(pose.x, 0.2, 1e-6);
  EXPECT_NEAR(std::remainder(pose.yaw - 0.5, 2 * kPi), 0.0, 1e-5);
  auto [distance, yaw] = cost->GoalError(state.data());
  EXPECT_NEAR(distance, 0.0, 1e-6);
  EXPECT_NEAR(yaw, 0.0, 1e-5);
  EXPECT_TRUE(cost->Reached(state.data()));
  // 1.9 cm and 14 degrees off: reached; 2.1 cm or 16 degrees: not.
  EXPECT_TRUE(cost->Reached(BoxAt(0.219, 0.1, 0.5 + 14 * kPi / 180).data()));
  EXPECT_FALSE(cost->Reached(BoxAt(0.221, 0.1, 0.5).data()));
  EXPECT_FALSE(cost->Reached(BoxAt(0.2, 0.1, 0.5 + 16 * kPi / 180).data()));
}

TEST(TaskCostTest, ToolPositionReadsTheToolJointsOrNothing) {
  EXPECT_FALSE(GoalCost()->ToolPosition(BoxAt(0, 0, 0).data()).has_value());
  // The box plus a pusher on two slide joints (qpos 7, 8; qvel 6, 7).
  v1::StateSpec spec = FreeBoxSpec();
  spec.set_nq(9);
  spec.set_nv(8);
  for (int axis = 0; axis < 2; ++axis) {
    auto* joint = spec.add_joints();
    joint->set_name(axis == 0 ? "pusher_x" : "pusher_y");
    joint->set_type(v1::Joint::SLIDE);
    joint->set_qpos_offset(7 + axis);
    joint->set_qvel_offset(6 + axis);
    joint->set_quaternion_offset(-1);
  }
  v1::TaskConfig task;
  task.set_free_joint("box");
  task.add_tool_joints("pusher_x");
  task.add_tool_joints("pusher_y");
  auto cost = TaskCost::Create(task, spec);
  ASSERT_THAT(cost, IsOk());
  std::vector<float> state = BoxAt(0.1, 0.2, 0);
  state.insert(state.begin() + 7, {-0.3f, 0.4f});
  state.resize(17, 0.0f);
  auto tool = (*cost)->ToolPosition(state.data());
  ASSERT_TRUE(tool.has_value());
  EXPECT_NEAR(tool->first, -0.3, 1e-6);
  EXPECT_NEAR(tool->second, 0.4, 1e-6);
}

TEST(TaskCostTest, CloserCalmerAndBetterKnownSequencesCostLess) {
  auto cost = GoalCost();
  // Three one-step sequences: near the goal, far from it, and near it but
  // with a large epistemic spread on the box position.
  Tensor mean = Tensor::Filled({3, 2, 13});
  const auto near = BoxAt(0.19, 0.1, 0.5), far = BoxAt(0.0, 0.0, 0.0);
  for (int i = 0; i < 3; ++i) {
    const auto& end = i == 1 ? far : near;
    std::copy(end.begin(), end.end(), mean.data.begin() + (i * 2 + 1) * 13);
  }
  Tensor epistemic = Tensor::Filled({3, 2, 12});
  epistemic.data[(2 * 2 + 1) * 12 + 0] = 0.3f;  // x spread, sequence 2
  Tensor actions = Tensor::Filled({3, 1, 1});
  std::vector<double> costs = cost->Evaluate(mean, epistemic, actions, {0.0f});
  EXPECT_LT(costs[0], costs[1]);
  EXPECT_LT(costs[0], costs[2]);
  // A large action, and a large change from the previous action, cost more.
  actions.data[0] = 2.0f;
  EXPECT_GT(cost->Evaluate(mean, epistemic, actions, {0.0f})[0], costs[0]);
  EXPECT_GT(cost->Evaluate(mean, epistemic, actions, {-2.0f})[0],
            cost->Evaluate(mean, epistemic, actions, {2.0f})[0]);
}

}  // namespace
}  // namespace wm::worldmodel
