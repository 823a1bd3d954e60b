// The simulated fleet: drift parsing and interpolation, and a short real
// run (MuJoCo robots planning through a MuJoCo model of push) whose
// acknowledged post-drift episodes become a dataset, the offline
// reference's training data in tools/fleet_benchmark.sh.

#include "worldmodel/flywheel/fleet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "datasets/dataset.h"
#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/planning/task_library.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using wm::testing::IsOk;
using wm::testing::StatusIs;

TEST(FleetTest, ParsesTheDriftAndMovesTheRangesLinearly) {
  const v1::SceneConfig push = *sim::LoadSceneConfig("push");
  auto drift = ParseDrift("box_table/friction=0.05:0.07,box/mass=3", push);
  ASSERT_THAT(drift, IsOk());
  ASSERT_EQ(drift->size(), 2u);
  EXPECT_EQ((*drift)[1].min, 3);
  EXPECT_EQ((*drift)[1].max, 3);
  const v1::SceneConfig half = DriftedScene(push, *drift, 0.5);
  for (const v1::ParameterRange& range : half.randomize()) {
    if (range.element() == "box_table") {  // 0.1-1 halfway to 0.05-0.07
      EXPECT_NEAR(range.min(), 0.075, 1e-12);
      EXPECT_NEAR(range.max(), 0.535, 1e-12);
    }
  }
  EXPECT_THAT(ParseDrift("box/volume=1:2", push),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("randomises no parameter box/volume")));
  EXPECT_THAT(ParseDrift("box/mass=3:2", push),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'box/mass=3:2'")));
}

TEST(FleetTest, KeepsTheAcknowledgedPostDriftEpisodesAsADataset) {
  FleetOptions options;
  options.scene = *sim::LoadSceneConfig("push");
  options.task = *LoadTaskConfig("push_to_goal");
  options.planner.set_samples(8);
  options.planner.set_horizon(5);
  options.planner.set_iterations(1);
  options.episode.max_seconds = 0.5;  // 10 steps
  options.robots = 1;
  options.seconds = 5;
  options.drift_start_s = options.drift_end_s = 0;  // drifted from the start
  options.drift = *ParseDrift("box_table/friction=0.05:0.07", options.scene);
  options.report_every_s = 100;  // a report at the start and one at the end
  options.probe_episodes = 1;
  options.probe_steps = 40;
  options.error_horizon_s = 0.5;

  std::shared_ptr<const WorldModel> model =
      *MujocoModel::Create(options.scene, {});
  std::vector<datasets::Episode> uploaded;
  std::vector<std::pair<std::string, datasets::Episode>> post_drift;
  FleetHooks hooks;
  hooks.served = [&]() {
    return absl::StatusOr<
        std::pair<std::shared_ptr<const WorldModel>, std::string>>(
        std::make_pair(model, std::string("push/1")));
  };
  hooks.upload = [&](int robot, const datasets::Episode& episode) {
    uploaded.push_back(episode);  // the first upload fails
    return uploaded.size() == 1 ? absl::UnavailableError("ingest down")
                                : absl::OkStatus();
  };
  hooks.report = [](const std::string&) {};
  hooks.post_drift_uploaded = [&](int robot, const datasets::Episode& episode,
                                  double acknowledged_s) {
    EXPECT_GT(acknowledged_s, 0);
    post_drift.emplace_back(
        "robot-" + std::to_string(robot) + "/e" + std::to_string(episode.index),
        episode);
  };
  ASSERT_THAT(RunFleet(options, hooks), IsOk());
  ASSERT_GE(uploaded.size(), 3u);
  ASSERT_EQ(post_drift.size(), uploaded.size() - 1);
  EXPECT_EQ(post_drift[0].second.qpos, uploaded[1].qpos);
  for (const auto& [name, episode] : post_drift) {
    EXPECT_GE(episode.params[1], 0.05) << name;  // box_table/friction
    EXPECT_LE(episode.params[1], 0.07) << name;
  }

  wm::testing::TempDir dir;
  auto scene = sim::Scene::Create(options.scene);
  ASSERT_THAT(scene, IsOk());
  ASSERT_THAT(WriteFleetEpisodes(**scene, post_drift, dir.Join("post")),
              IsOk());
  auto dataset = datasets::Dataset::Open(dir.Join("post"));
  ASSERT_THAT(dataset, IsOk());
  ASSERT_EQ((*dataset)->num_episodes(),
            static_cast<int64_t>(post_drift.size()));
  const v1::Provenance& provenance = (*dataset)->manifest().provenance();
  EXPECT_EQ(provenance.source(), "wm fleet");
  ASSERT_EQ(provenance.imported_files_size(),
            static_cast<int>(post_drift.size()));
  EXPECT_EQ(provenance.imported_files(1).file(), post_drift[1].first);
  EXPECT_EQ(provenance.imported_files(1).first_episode(), 1);
  auto stored = (*dataset)->ReadShard(0);
  ASSERT_THAT(stored, IsOk());
  ASSERT_GE(stored->size(), 2u);
  EXPECT_EQ((*stored)[1].index, 1);
  EXPECT_EQ((*stored)[1].qpos, post_drift[1].second.qpos);
  EXPECT_EQ((*stored)[1].ctrl, post_drift[1].second.ctrl);
  EXPECT_EQ((*stored)[1].params, post_drift[1].second.params);
}

}  // namespace
}  // namespace wm::worldmodel
