// The continual trainer on real data and real training: a small push model
// trained briefly, a store of new episodes, one flywheel cycle that
// publishes a better candidate, one that refuses a candidate no better, and
// a cycle killed mid-training (and once more between publish and record)
// that resumes without losing or repeating work.

#include "worldmodel/flywheel/flywheel_cycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/worldmodel/flywheel/flywheel_test_util.h"
#include "util/file_util.h"
#include "util/text_proto.h"
#include "worldmodel/flywheel/flywheel_gate.h"
#include "worldmodel/flywheel/flywheel_state.h"
#include "worldmodel/model_factory.h"

namespace wm::worldmodel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FlywheelCycleTest : public ::testing::Test {
 protected:
  // Runs `body` in a child process (LibTorch is first used there, so the
  // parent forks with one thread); returns its wait status.
  template <typename Body>
  static int InChild(Body body) {
    const pid_t child = fork();
    if (child == 0) _exit(body());
    int status = 0;
    waitpid(child, &status, 0);
    return status;
  }

  // A pre-drift model trained `base_steps` steps at models/push/1 and a
  // store of 45 more pre-drift episodes; returns the job.
  FlywheelJob Prepare(const v1::FlywheelConfig& config, int base_steps) {
    const std::string pre = dir_.Join("pre");
    const std::string model = dir_.Join("models/push");
    const int status = InChild([&] {
      return testing::TrainPreDriftModel(pre, model, base_steps).ok() ? 0 : 1;
    });
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    absl::StatusOr<v1::SceneConfig> push = sim::LoadSceneConfig("push");
    EXPECT_THAT(push, wm::testing::IsOk());
    auto episodes = testing::SimulateEpisodes(*push, 45, 80, 11, 0);
    EXPECT_THAT(episodes, wm::testing::IsOk());
    EXPECT_THAT(testing::WriteStore(dir_.Join("store"), *episodes),
                wm::testing::IsOk());
    FlywheelJob job;
    job.store_dir = dir_.Join("store");
    job.model_dir = model;
    job.log_path = DefaultFlywheelLog(model);
    job.config = *WithFlywheelDefaults(config);
    return job;
  }

  static std::vector<std::string> LogLines(const std::string& path) {
    absl::StatusOr<std::string> text = ReadFileToString(path);
    std::vector<std::string> lines;
    if (!text.ok()) return lines;
    std::string line;
    for (const char c : *text) {
      if (c != '\n') {
        line += c;
      } else {
        lines.push_back(line);
        line.clear();
      }
    }
    return lines;
  }

  static double ManifestMetric(const std::string& version_dir,
                               const std::string& key) {
    v1::CheckpointManifest manifest;
    EXPECT_THAT(ReadTextProtoFile(version_dir + "/manifest.pbtxt", &manifest),
                wm::testing::IsOk());
    const auto it = manifest.metrics().find(key);
    return it == manifest.metrics().end() ? -1 : it->second;
  }

  wm::testing::TempDir dir_;
};

TEST_F(FlywheelCycleTest, PublishesABetterCandidateAndLogsIt) {
  const FlywheelJob job = Prepare(testing::TestFlywheelConfig(150, 3e-3), 30);
  absl::StatusOr<FlywheelStep> step = RunFlywheelStep(job);
  ASSERT_THAT(step, wm::testing::IsOk());
  ASSERT_TRUE(step->decided) << step->waiting_reason;
  EXPECT_EQ(step->decision.decision(), "published") << step->decision.reason();
  // The gate's bar: the 90% interval's upper end below 1 - 0.02.
  EXPECT_LT(step->decision.ratio_ci90_high(), 0.98);
  EXPECT_LT(step->decision.candidate_error(), step->decision.current_error());
  EXPECT_EQ(step->decision.published_version(), "push/2");
  EXPECT_THAT(ListModelVersions(job.model_dir), ElementsAre(1, 2));
  EXPECT_EQ(ManifestMetric(job.model_dir + "/2", "flywheel_cycle"), 1);
  EXPECT_EQ(step->decision.store_episodes(), 45);
  EXPECT_EQ(
      step->decision.trained_episodes() + step->decision.holdout_episodes(),
      45);
  const std::vector<std::string> log = LogLines(job.log_path);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_THAT(log[0], HasSubstr("\"decision\": \"published\""));
  // Nothing new: the next step waits.
  step = RunFlywheelStep(job);
  ASSERT_THAT(step, wm::testing::IsOk());
  EXPECT_FALSE(step->decided);
  EXPECT_THAT(step->waiting_reason, HasSubstr("0 new episodes"));
  absl::StatusOr<v1::FlywheelState> state =
      LoadFlywheelState(FlywheelDirectory(job.model_dir));
  ASSERT_THAT(state, wm::testing::IsOk());
  EXPECT_THAT(RenderFlywheelMetrics(*state, "push"),
              HasSubstr("wm_flywheel_decisions_total{model=\"push\","
                        "decision=\"published\"} 1\n"));
}

TEST_F(FlywheelCycleTest, RefusesACandidateThatIsNoBetter) {
  // A learning rate too small to move the weights: the candidate is the
  // served model again, and the gate must not publish it.
  const FlywheelJob job = Prepare(testing::TestFlywheelConfig(10, 1e-9), 30);
  absl::StatusOr<FlywheelStep> step = RunFlywheelStep(job);
  ASSERT_THAT(step, wm::testing::IsOk());
  ASSERT_TRUE(step->decided) << step->waiting_reason;
  EXPECT_EQ(step->decision.decision(), "refused");
  EXPECT_NEAR(step->decision.ratio(), 1.0, 0.01);
  EXPECT_THAT(step->decision.reason(), HasSubstr("does not stay below 0.98"));
  EXPECT_THAT(ListModelVersions(job.model_dir), ElementsAre(1));
  const std::vector<std::string> log = LogLines(job.log_path);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_THAT(log[0], HasSubstr("\"decision\": \"refused\""));
}

TEST_F(FlywheelCycleTest, ResumesAfterAKillWithoutLosingOrRepeatingWork) {
  const FlywheelJob job = Prepare(testing::TestFlywheelConfig(150, 3e-3), 30);
  // Killed halfway through fine-tuning.
  const int killed = InChild([&] {
    FlywheelJob dying = job;
    dying.progress = [](const TrainingProgress& progress) {
      if (progress.steps_done >= progress.steps_total / 2) {
        kill(getpid(), SIGKILL);
      }
    };
    return RunFlywheelStep(dying).ok() ? 0 : 1;
  });
  ASSERT_TRUE(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL);
  const std::string flywheel_dir = FlywheelDirectory(job.model_dir);
  absl::StatusOr<v1::FlywheelState> state = LoadFlywheelState(flywheel_dir);
  ASSERT_THAT(state, wm::testing::IsOk());
  EXPECT_EQ(state->cycle_in_progress(), 1);
  EXPECT_EQ(state->decisions_size(), 0);
  const v1::FlywheelState in_progress = *state;
  absl::StatusOr<FlywheelStep> step = RunFlywheelStep(job);
  ASSERT_THAT(step, wm::testing::IsOk());
  ASSERT_TRUE(step->decided);
  EXPECT_EQ(step->decision.cycle(), 1);
  EXPECT_EQ(step->decision.decision(), "published") << step->decision.reason();
  EXPECT_THAT(ListModelVersions(job.model_dir), ElementsAre(1, 2));
  // Killed again after the publish but before the decision was recorded:
  // the rerun records it once and publishes nothing more.
  WM_ASSERT_OK(SaveFlywheelState(flywheel_dir, in_progress, job.log_path));
  step = RunFlywheelStep(job);
  ASSERT_THAT(step, wm::testing::IsOk());
  ASSERT_TRUE(step->decided);
  EXPECT_EQ(step->decision.published_version(), "push/2");
  EXPECT_THAT(ListModelVersions(job.model_dir), ElementsAre(1, 2));
  state = LoadFlywheelState(flywheel_dir);
  ASSERT_THAT(state, wm::testing::IsOk());
  EXPECT_EQ(state->decisions_size(), 1);
  EXPECT_EQ(state->episodes_used(), 45);
  EXPECT_EQ(LogLines(job.log_path).size(), 1u);
}

}  // namespace
}  // namespace wm::worldmodel
