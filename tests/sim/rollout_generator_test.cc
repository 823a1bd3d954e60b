#include "sim/rollout_generator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "datasets/in_memory_sink.h"
#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

std::vector<datasets::Episode> Generate(const std::string& scene_name,
                                        int workers, int64_t episodes = 6,
                                        int64_t steps = 20) {
  GenerationOptions options;
  options.episodes = episodes;
  options.steps = steps;
  options.seed = 7;
  options.workers = workers;
  auto generator = RolloutGenerator::Create(*LoadScene(scene_name), options);
  EXPECT_THAT(generator, IsOk());
  datasets::InMemorySink sink;
  auto summary = (*generator)->Run(&sink, nullptr);
  EXPECT_THAT(summary, IsOk());
  return sink.episodes();
}

bool SameEpisodes(const std::vector<datasets::Episode>& a,
                  const std::vector<datasets::Episode>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].index != b[i].index || a[i].qpos != b[i].qpos ||
        a[i].qvel != b[i].qvel || a[i].ctrl != b[i].ctrl ||
        a[i].time != b[i].time || a[i].params != b[i].params) {
      return false;
    }
  }
  return true;
}

TEST(RolloutGeneratorTest, OutputDoesNotDependOnWorkerCount) {
  for (const std::string& scene : {"push", "toss"}) {
    const auto one = Generate(scene, 1);
    const auto three = Generate(scene, 3);
    ASSERT_EQ(one.size(), 6u) << scene;
    EXPECT_TRUE(SameEpisodes(one, three)) << scene;
  }
}

TEST(RolloutGeneratorTest, ARangeSimulatesTheWholeRunsEpisodes) {
  // A shard of the run (wm gen --shard): episodes [2, 5) of 6, each the
  // same as in the whole run, and progress counted within the range.
  const auto whole = Generate("push", 2);
  GenerationOptions options;
  options.episodes = 6;
  options.first_episode = 2;
  options.end_episode = 5;
  options.steps = 20;
  options.seed = 7;
  options.workers = 2;
  auto generator = RolloutGenerator::Create(*LoadScene("push"), options);
  ASSERT_THAT(generator, IsOk());
  datasets::InMemorySink sink;
  GenerationProgress last;
  auto summary = (*generator)->Run(&sink, [&](const GenerationProgress& state) {
    last = state;
  });
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(last.episodes_done, 3);
  EXPECT_EQ(last.episodes_total, 3);
  ASSERT_EQ(sink.episodes().size(), 3u);
  EXPECT_TRUE(SameEpisodes(
      sink.episodes(),
      std::vector<datasets::Episode>(whole.begin() + 2, whole.begin() + 5)));
}

TEST(RolloutGeneratorTest, EpisodesHaveTheContractedShapeAndVary) {
  const auto episodes = Generate("push", 2, 4, 10);
  ASSERT_EQ(episodes.size(), 4u);
  for (size_t i = 0; i < episodes.size(); ++i) {
    const auto& episode = episodes[i];
    EXPECT_EQ(episode.index, static_cast<int64_t>(i));
    EXPECT_EQ(episode.num_steps(), 10);
    EXPECT_EQ(episode.qpos.size(), 11u * 9);
    EXPECT_EQ(episode.qvel.size(), 11u * 8);
    EXPECT_EQ(episode.ctrl.size(), 10u * 2);
    EXPECT_EQ(episode.params.size(), 3u);
    EXPECT_THAT(episode.Validate(), IsOk());
    EXPECT_NEAR(episode.time.back(), 10 * 0.05, 1e-9);
  }
  EXPECT_NE(episodes[0].params, episodes[1].params);
  EXPECT_NE(episodes[0].qpos, episodes[1].qpos);
}

TEST(RolloutGeneratorTest, UnstableEpisodesAreDroppedAndCounted) {
  // Initial speeds up to 2e10 m/s: those above MuJoCo's 1e10 limit trip its
  // bad-qvel check; the rest coast harmlessly.
  v1::SceneConfig config;
  config.set_name("runaway");
  config.set_mjcf(
      "<mujoco><option gravity='0 0 0'/><worldbody><body name='b'>"
      "<joint name='x' type='slide' axis='1 0 0'/><geom size='0.1' mass='1'/>"
      "</body></worldbody></mujoco>");
  config.set_frame_skip(1);
  auto* range = config.mutable_initial_state()->add_qvel();
  range->set_joint("x");
  range->set_min(0);
  range->set_max(2e10);
  auto scene = Scene::Create(config);
  ASSERT_THAT(scene, IsOk());
  GenerationOptions options;
  options.episodes = 40;
  options.steps = 3;
  options.workers = 2;
  auto generator = RolloutGenerator::Create(*scene, options);
  ASSERT_THAT(generator, IsOk());
  datasets::InMemorySink sink;
  auto summary = (*generator)->Run(&sink, nullptr);
  ASSERT_THAT(summary, IsOk());
  EXPECT_GT(summary->dropped, 5);
  EXPECT_GT(summary->episodes_written, 5);
  EXPECT_EQ(summary->dropped + summary->episodes_written, 40);
  EXPECT_EQ(sink.episodes().size(),
            static_cast<size_t>(summary->episodes_written));
  EXPECT_THAT(summary->drop_reasons.front(), HasSubstr("unstable"));
  for (const auto& episode : sink.episodes()) {
    EXPECT_LT(std::abs(episode.qvel.front()), 1e10);
  }
}

TEST(RolloutGeneratorTest, BadOptionsAreRefused) {
  auto scene = *LoadScene("slide");
  GenerationOptions options;
  options.episodes = 1;
  options.steps = 0;
  EXPECT_THAT(RolloutGenerator::Create(scene, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("steps must be >= 1")));
  options.steps = 5;
  options.episodes = 0;
  EXPECT_THAT(
      RolloutGenerator::Create(scene, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("episodes")));
  options.episodes = 4;
  options.first_episode = 3;
  options.end_episode = 5;
  EXPECT_THAT(RolloutGenerator::Create(scene, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("episode range [3, 5) is empty or not "
                                 "within the run's [0, 4)")));
  options.first_episode = 2;
  options.end_episode = 2;
  EXPECT_THAT(
      RolloutGenerator::Create(scene, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("[2, 2)")));
  options.first_episode = options.end_episode = 0;
  options.episodes = 1;
  auto* segment = options.policy.mutable_scripted()->add_segments();
  segment->set_duration(1);
  segment->add_ctrl_min(0);
  segment->add_ctrl_max(1);
  EXPECT_THAT(
      RolloutGenerator::Create(scene, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2 entries")));
}

}  // namespace
}  // namespace wm::sim
