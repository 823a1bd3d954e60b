// MPPI and CEM on a point mass (where the right action is known) and on the
// slide box, planning with MuJoCo itself as the model.

#include "worldmodel/planning/sampling_planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "sim/scene_library.h"
#include "tests/testing/fault_models.h"
#include "tests/testing/status_matchers.h"
#include "worldmodel/guarded_model.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// A 1 kg point mass in the plane, forces up to 1 N on x and y, 50 ms steps.
constexpr char kPointMass[] = R"(
<mujoco model="point">
  <option timestep="0.01" gravity="0 0 0"/>
  <worldbody>
    <body name="mass">
      <joint name="x" type="slide" axis="1 0 0" damping="2"/>
      <joint name="y" type="slide" axis="0 1 0" damping="2"/>
      <geom type="sphere" size="0.02" mass="1" contype="0" conaffinity="0"/>
    </body>
  </worldbody>
  <actuator>
    <motor name="fx" joint="x" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="fy" joint="y" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>)";

std::unique_ptr<MujocoModel> PointMass() {
  v1::SceneConfig scene;
  scene.set_name("point");
  scene.set_mjcf(kPointMass);
  scene.set_frame_skip(5);
  auto model = MujocoModel::Create(scene, {});
  EXPECT_THAT(model, IsOk());
  return std::move(model).value();
}

v1::TaskConfig PointGoal(double x, double y) {
  v1::TaskConfig task;
  task.add_position_joints("x");
  task.add_position_joints("y");
  task.set_goal_x(x);
  task.set_goal_y(y);
  return task;
}

v1::PlannerConfig Settings(const std::string& kind, int samples, int horizon) {
  v1::PlannerConfig config;
  config.set_kind(kind);
  config.set_samples(samples);
  config.set_horizon(horizon);
  config.set_seed(7);
  return config;
}

// Closed loop: plan, apply the first action in the model itself, repeat;
// the steps it took to reach the goal, or -1.
int StepsToGoal(SamplingPlanner* planner, const WorldModel& plant, Tensor state,
                int max_steps) {
  for (int step = 0; step < max_steps; ++step) {
    if (planner->cost().Reached(state.data.data())) return step;
    auto plan = planner->Plan(plant, state, {});
    EXPECT_THAT(plan, IsOk());
    Tensor states{{1, state.NumElements()}, state.data};
    Tensor action{{1, plan->actions.shape[1]},
                  {plan->actions.data.begin(),
                   plan->actions.data.begin() + plan->actions.shape[1]}};
    auto next = plant.Predict(states, action, {});
    EXPECT_THAT(next, IsOk());
    state = Tensor{{state.NumElements()}, next->mean.data};
  }
  return planner->cost().Reached(state.data.data()) ? max_steps : -1;
}

TEST(SamplingPlannerTest, SkippingThePlanRolloutKeepsTheActions) {
  auto model = PointMass();
  v1::PlannerConfig settings = Settings("mppi", 64, 10);
  auto full =
      SamplingPlanner::Create(settings, PointGoal(0.3, 0.0), model->spec());
  settings.set_skip_plan_rollout(true);
  auto lean =
      SamplingPlanner::Create(settings, PointGoal(0.3, 0.0), model->spec());
  ASSERT_THAT(full, IsOk());
  ASSERT_THAT(lean, IsOk());
  auto full_plan = (*full)->Plan(*model, Tensor::Filled({4}), {});
  auto lean_plan = (*lean)->Plan(*model, Tensor::Filled({4}), {});
  ASSERT_THAT(full_plan, IsOk());
  ASSERT_THAT(lean_plan, IsOk());
  EXPECT_EQ(lean_plan->actions.data, full_plan->actions.data);
  EXPECT_TRUE(lean_plan->predicted_mean.data.empty());
  EXPECT_TRUE(std::isnan(lean_plan->cost));
  EXPECT_EQ(full_plan->predicted_mean.shape, (std::vector<int64_t>{11, 4}));
  EXPECT_FALSE(std::isnan(full_plan->cost));
}

class PointMassTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PointMassTest, FirstActionPushesTowardsTheGoal) {
  auto model = PointMass();
  auto planner = SamplingPlanner::Create(Settings(GetParam(), 128, 20),
                                         PointGoal(0.3, 0.0), model->spec());
  ASSERT_THAT(planner, IsOk());
  auto plan = (*planner)->Plan(*model, Tensor::Filled({4}), {});
  ASSERT_THAT(plan, IsOk());
  // Far from the goal along +x: full force along x, little along y.
  EXPECT_GT(plan->actions.data[0], 0.5);
  EXPECT_LT(std::abs(plan->actions.data[1]), 0.3);
  EXPECT_EQ(plan->predicted_mean.shape, (std::vector<int64_t>{21, 4}));
  EXPECT_GT(plan->predicted_mean.data[20 * 4], 0.05)
      << "the plan's predicted trajectory moves towards the goal";
}

TEST_P(PointMassTest, ClosedLoopReachesTheGoal) {
  auto model = PointMass();
  auto planner = SamplingPlanner::Create(Settings(GetParam(), 64, 15),
                                         PointGoal(0.15, -0.1), model->spec());
  ASSERT_THAT(planner, IsOk());
  const int steps =
      StepsToGoal(planner->get(), *model, Tensor::Filled({4}), 80);
  EXPECT_GE(steps, 0) << GetParam() << " never reached the goal";
}

INSTANTIATE_TEST_SUITE_P(Planners, PointMassTest,
                         ::testing::Values("mppi", "cem"));

TEST(SamplingPlannerTest, TimeBudgetCutsIterations) {
  auto model = PointMass();
  v1::PlannerConfig config = Settings("cem", 256, 30);
  config.set_iterations(100000);
  config.set_time_budget_ms(50);
  auto planner =
      SamplingPlanner::Create(config, PointGoal(0.3, 0.0), model->spec());
  ASSERT_THAT(planner, IsOk());
  const absl::Time start = absl::Now();
  auto plan = (*planner)->Plan(*model, Tensor::Filled({4}), {});
  ASSERT_THAT(plan, IsOk());
  EXPECT_GE(plan->iterations, 1);
  EXPECT_LT(plan->iterations, 100000);
  // Generous: the budget plus one iteration and the final rollout, on a
  // shared machine.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(SamplingPlannerTest, BadConfigsAreRefusedNamingTheField) {
  auto model = PointMass();
  const v1::StateSpec& spec = model->spec();
  EXPECT_THAT(
      SamplingPlanner::Create(Settings("ilqr", 8, 5), PointGoal(0, 0), spec)
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("planner.kind")));
  EXPECT_THAT(
      SamplingPlanner::Create(Settings("mppi", 1, 5), PointGoal(0, 0), spec)
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("planner.samples")));
  v1::TaskConfig no_object;
  EXPECT_THAT(
      SamplingPlanner::Create(Settings("mppi", 8, 5), no_object, spec).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("free_joint")));
  v1::TaskConfig wrong_joint = PointGoal(0, 0);
  wrong_joint.set_position_joints(1, "z");
  EXPECT_THAT(SamplingPlanner::Create(Settings("mppi", 8, 5), wrong_joint, spec)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'z'")));
  v1::TaskConfig negative = PointGoal(0, 0);
  negative.set_action_weight(-1);
  EXPECT_THAT(
      SamplingPlanner::Create(Settings("mppi", 8, 5), negative, spec).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("task.action_weight")));
}

// The point mass behind fault injection and the guard, as ModelFactory
// serves every model.
std::unique_ptr<WorldModel> FaultyPointMass(::wm::testing::Faults faults) {
  return GuardModel(std::make_unique<::wm::testing::FaultInjectingModel>(
      PointMass(), faults));
}

TEST_P(PointMassTest, ADivergingMemberCostsInfinityAndTheLoopStillArrives) {
  // Sequences whose first fx exceeds 0.6 N diverge from their third step,
  // as a runaway ensemble member does under exploratory actions.
  ::wm::testing::Faults faults;
  faults.diverge_above_action = 0.6f;
  faults.diverge_step = 2;
  auto model = FaultyPointMass(faults);
  auto planner = SamplingPlanner::Create(Settings(GetParam(), 64, 15),
                                         PointGoal(0.15, -0.1), model->spec());
  ASSERT_THAT(planner, IsOk());
  auto plan = (*planner)->Plan(*model, Tensor::Filled({4}), {});
  ASSERT_THAT(plan, IsOk());
  EXPECT_GT(plan->diverged_samples, 0);
  EXPECT_LE(plan->actions.data[0], 0.6f) << "a diverged sample never pulls";
  EXPECT_TRUE(std::isfinite(plan->cost));
  (*planner)->Reset();
  const int steps =
      StepsToGoal(planner->get(), *model, Tensor::Filled({4}), 80);
  EXPECT_GE(steps, 0) << GetParam() << " never reached the goal";
}

TEST(SamplingPlannerTest, AFailedIterationIsSkippedAndCounted) {
  ::wm::testing::Faults faults;
  faults.throw_every_nth_rollout = 3;  // the 3rd of 3 iterations throws
  auto model = FaultyPointMass(faults);
  v1::PlannerConfig config = Settings("mppi", 32, 10);
  config.set_iterations(3);
  config.set_threads(1);
  auto planner =
      SamplingPlanner::Create(config, PointGoal(0.3, 0.0), model->spec());
  ASSERT_THAT(planner, IsOk());
  auto plan = (*planner)->Plan(*model, Tensor::Filled({4}), {});
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(plan->failed_iterations, 1);
  EXPECT_EQ(plan->iterations, 2);
  EXPECT_TRUE(std::isfinite(plan->cost)) << "the final plan's own rollout";
  EXPECT_THAT(plan->last_failure, HasSubstr("injected fault"));
  EXPECT_GT(plan->actions.data[0], 0.5) << "the goal lies along +x";

  // When every iteration fails, the model's error comes back as INTERNAL.
  faults.throw_every_nth_rollout = 1;
  auto broken = FaultyPointMass(faults);
  EXPECT_THAT(
      (*planner)->Plan(*broken, Tensor::Filled({4}), {}).status(),
      StatusIs(absl::StatusCode::kInternal, HasSubstr("injected fault")));
}

TEST(SamplingPlannerTest, OracleClosedLoopPushesTheSlideBoxToItsGoal) {
  // The slide box with its true parameters as the model: friction and mass
  // make it coast and stop, so the planner must brake as well as push.
  auto model = MujocoModel::Create(*sim::LoadSceneConfig("slide"), {0.4, 1.0});
  ASSERT_THAT(model, IsOk());
  v1::TaskConfig task = PointGoal(0.25, 0.1);
  task.set_position_joints(0, "box_x");
  task.set_position_joints(1, "box_y");
  auto planner =
      SamplingPlanner::Create(Settings("mppi", 64, 15), task, (*model)->spec());
  ASSERT_THAT(planner, IsOk());
  const int steps =
      StepsToGoal(planner->get(), **model, Tensor::Filled({8}), 100);
  EXPECT_GE(steps, 0) << "the oracle never reached the goal";
}

}  // namespace
}  // namespace wm::worldmodel
