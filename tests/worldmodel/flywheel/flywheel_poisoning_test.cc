// A bad robot cannot poison the model: three honest robots and one whose
// data is valid but wrong (its actions logged 4 steps late, and a table
// friction of 0.5 claimed where it is 0.05-0.07) stream post-drift push
// episodes into the store; the flywheel runs a cycle after each round. On
// an audit set of honest episodes the gate never reads, no published
// version may be worse than the one it replaced.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/worldmodel/flywheel/flywheel_test_util.h"
#include "util/text_proto.h"
#include "worldmodel/eval/evaluator.h"
#include "worldmodel/eval/metrics.h"
#include "worldmodel/flywheel/flywheel_cycle.h"
#include "worldmodel/flywheel/flywheel_gate.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {
namespace {

constexpr int kRobots = 4;  // robot 3 is the adversary
constexpr int kEpisodesPerRound = 10;
constexpr int kShiftSteps = 4;

// Valid but wrong: each action is the one applied kShiftSteps later, and
// the claimed table friction is 0.5.
void Falsify(datasets::Episode* episode, int friction_column) {
  const int nu = episode->nu;
  const int64_t steps = episode->num_steps();
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t source = std::min(t + kShiftSteps, steps - 1);
    for (int i = 0; i < nu; ++i) {
      episode->ctrl[t * nu + i] = episode->ctrl[source * nu + i];
    }
  }
  episode->params[friction_column] = 0.5;
}

// Round `round`'s episodes of every robot, indices following `store`'s.
void AddRound(int round, int friction_column,
              std::vector<datasets::Episode>* store) {
  const v1::SceneConfig drifted = *testing::DriftedPush();
  for (int robot = 0; robot < kRobots; ++robot) {
    auto episodes = testing::SimulateEpisodes(
        drifted, kEpisodesPerRound, 80, 100 * round + robot + 1,
        static_cast<int64_t>(store->size()));
    ASSERT_THAT(episodes, wm::testing::IsOk());
    for (datasets::Episode& episode : *episodes) {
      if (robot == kRobots - 1) Falsify(&episode, friction_column);
      store->push_back(std::move(episode));
    }
  }
}

// The gate's error on the audit set, scaled by the pre-drift model's
// normalisation (`scale_from`, the same for every version compared).
double MeanAuditError(const std::string& version_dir,
                      const std::vector<datasets::Episode>& audit,
                      const std::string& scale_from,
                      const v1::FlywheelConfig& config) {
  ModelFactory factory;
  RegisterLearnedModels(&factory);
  auto model = factory.Load(version_dir);
  EXPECT_THAT(model, wm::testing::IsOk());
  v1::CheckpointManifest manifest;
  EXPECT_THAT(ReadTextProtoFile(scale_from + "/manifest.pbtxt", &manifest),
              wm::testing::IsOk());
  auto errors = GateErrors(
      **model, audit,
      GateStateScale((*model)->spec(), manifest.normalization()), 0.05, config);
  EXPECT_THAT(errors, wm::testing::IsOk());
  return Mean(*errors);
}

TEST(FlywheelPoisoningTest, NoPublishedVersionIsWorseOnTheAuditSet) {
  wm::testing::TempDir dir;
  const std::string model_dir = dir.Join("models/push");
  const pid_t child = fork();  // LibTorch first runs in the child
  if (child == 0) {
    _exit(testing::TrainPreDriftModel(dir.Join("pre"), model_dir, 100).ok()
              ? 0
              : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto scene = sim::LoadScene("push");
  ASSERT_THAT(scene, wm::testing::IsOk());
  const v1::DatasetManifest manifest = sim::ManifestForScene(**scene);
  int friction_column = -1;
  for (int i = 0; i < manifest.parameters_size(); ++i) {
    if (manifest.parameters(i).name() == "box_table/friction") {
      friction_column = i;
    }
  }
  ASSERT_GE(friction_column, 0);
  auto audit =
      testing::SimulateEpisodes(*testing::DriftedPush(), 30, 80, 99, 1000000);
  ASSERT_THAT(audit, wm::testing::IsOk());
  FlywheelJob job;
  job.store_dir = dir.Join("store");
  job.model_dir = model_dir;
  job.log_path = DefaultFlywheelLog(model_dir);
  job.config = *WithFlywheelDefaults(testing::TestFlywheelConfig(120, 3e-3));
  std::vector<datasets::Episode> store;
  std::vector<v1::FlywheelDecision> decisions;
  for (int round = 0; round < 2; ++round) {
    AddRound(round, friction_column, &store);
    WM_ASSERT_OK(testing::WriteStore(job.store_dir, store));
    absl::StatusOr<FlywheelStep> step = RunFlywheelStep(job);
    ASSERT_THAT(step, wm::testing::IsOk());
    ASSERT_TRUE(step->decided) << step->waiting_reason;
    decisions.push_back(step->decision);
  }
  const std::string models = dir.Join("models");
  for (const v1::FlywheelDecision& decision : decisions) {
    const double before =
        MeanAuditError(models + "/" + decision.current_version(), *audit,
                       model_dir + "/1", job.config);
    const double candidate = MeanAuditError(decision.candidate(), *audit,
                                            model_dir + "/1", job.config);
    std::cout << "cycle " << decision.cycle() << ": " << decision.decision()
              << " (" << decision.reason() << "); audit error served " << before
              << ", candidate " << candidate << "\n";
    if (decision.decision() == "published") {
      EXPECT_LE(candidate, before) << "cycle " << decision.cycle();
    }
  }
}

}  // namespace
}  // namespace wm::worldmodel
