// A closed-loop episode survives its model: a plan that fails (here every
// model call throws) is retried, then the previous action is held and the
// reason counted (digits as #, so the ten failures count as one reason);
// the episode runs to its end instead of aborting.

#include "worldmodel/planning/planning_episode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/scene.h"
#include "sim/scene_library.h"
#include "tests/testing/fault_models.h"
#include "tests/testing/status_matchers.h"
#include "worldmodel/guarded_model.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;

TEST(PlanningEpisodeTest, FailedPlansAreCountedAndTheEpisodeEnds) {
  auto config = sim::LoadSceneConfig("slide");
  ASSERT_THAT(config, IsOk());
  auto scene = sim::Scene::Create(*config);
  ASSERT_THAT(scene, IsOk());
  v1::TaskConfig task;
  task.add_position_joints("box_x");
  task.add_position_joints("box_y");
  v1::PlannerConfig planner;
  planner.set_samples(8);
  planner.set_horizon(3);
  planner.set_iterations(1);
  planner.set_threads(1);
  ::wm::testing::Faults faults;
  faults.throw_every_nth_rollout = 1;  // every plan fails
  int built = 0;
  EpisodeModelFactory models = [&](const std::vector<double>& truth)
      -> absl::StatusOr<std::shared_ptr<const WorldModel>> {
    ++built;
    auto model = MujocoModel::Create(*config, truth);
    if (!model.ok()) return model.status();
    return std::shared_ptr<const WorldModel>(
        GuardModel(std::make_unique<::wm::testing::FaultInjectingModel>(
            std::move(model).value(), faults)));
  };
  PlanningEpisodeOptions options;
  options.max_seconds = 0.2;  // 10 control steps of 20 ms
  auto episode = RunPlanningEpisode(*scene, task, planner, models, 5, options);
  ASSERT_THAT(episode, IsOk());
  EXPECT_EQ(built, 1);
  EXPECT_FALSE(episode->success);
  EXPECT_EQ(episode->plan_ms.size(), 10u);
  ASSERT_EQ(episode->failed_plans.size(), 1u);
  EXPECT_THAT(episode->failed_plans.begin()->first,
              HasSubstr("INTERNAL: mujoco model Rollout: injected fault: "
                        "Rollout call #"));
  EXPECT_EQ(episode->failed_plans.begin()->second, 10);
}

}  // namespace
}  // namespace wm::worldmodel
