// The member-training loop's divergence policy (member_training.h), for
// every learned kind, through TrainAndPublish: with a learning rate so large
// that the loss soon turns non-finite for good, each member diverges after
// kMaxConsecutiveNonFiniteSteps skipped steps and keeps its best weights by
// validation (the starting weights, validated at step 0, included), and the
// run still publishes, counting the diverged members. Every validation of
// every member goes to metrics.jsonl. A member killed and resumed ends as
// an uninterrupted one: same best validation loss, same weights.

#include "worldmodel/learned/member_training.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "datasets/window_sampler.h"
#include "tests/testing/learned_kinds.h"
#include "tests/testing/metrics_log.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "tests/testing/test_manifests.h"
#include "tests/testing/validation_losses.h"
#include "util/status_macros.h"
#include "worldmodel/learned/hybrid_objective.h"
#include "worldmodel/learned/hybrid_trainer.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/learned/training_batch.h"
#include "worldmodel/learned/weights_file.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {

namespace {

using ::wm::testing::IsOk;

constexpr int kMembers = 2;
constexpr int kMaxSteps = 300;  // room for 100 non-finite steps in a row
constexpr int kEvalEvery = 50;
// metrics.jsonl records 10 significant digits; a validation recomputed here
// runs the same float32 arithmetic.
constexpr double kLoggedPrecision = 1e-5;
constexpr double kRecomputedPrecision = 1e-6;

class TrainingDivergenceTest : public ::testing::TestWithParam<ModelKind> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ::wm::testing::TempDir();
    ASSERT_THAT(::wm::worldmodel::testing::GenerateDataset(
                    "slide", dir_->Join("data"), 30, 60, /*seed=*/2),
                IsOk());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static ::wm::testing::TempDir* dir_;
};

::wm::testing::TempDir* TrainingDivergenceTest::dir_ = nullptr;

TEST_P(TrainingDivergenceTest, DivergedMembersKeepTheirBestWeights) {
  const std::string kind = ModelKindName(GetParam());
  TrainingRequest request;
  request.config.set_model(kind);
  request.config.set_ensemble_size(kMembers);
  request.config.add_hidden(16);
  request.config.set_history_seconds(0.2);
  request.config.set_horizon(4);
  request.config.set_batch_size(16);
  request.config.set_learning_rate(1e9);
  request.config.set_max_steps(kMaxSteps);
  request.config.set_eval_every(kEvalEvery);
  request.config.set_patience(100);
  request.config.set_seed(5);
  request.config.set_workers(2);
  request.data_dir = dir_->Join("data");
  request.model_dir = dir_->Join("models/" + kind);
  if (GetParam() == ModelKind::kHybrid)
    request.base = "mujoco:" + request.data_dir;
  absl::StatusOr<v1::CheckpointManifest> manifest =
      TrainAndPublish(request, {});
  ASSERT_THAT(manifest, IsOk());
  ASSERT_EQ(manifest->metrics().count("diverged_members"), 1u);
  EXPECT_EQ(manifest->metrics().at("diverged_members"), kMembers);
  EXPECT_TRUE(std::isfinite(manifest->metrics().at("validation_loss")));

  // Each member's published weights score, on the kind's own validation,
  // the lowest validation loss its metrics.jsonl lines record.
  const std::map<int, std::vector<double>> logged =
      ::wm::testing::LoggedValidationLosses(request.model_dir +
                                            "/metrics.jsonl");
  LearnedEnsemble published = BuildEnsemble(*manifest);
  ASSERT_THAT(LoadEnsembleWeights(request.model_dir + "/1/weights.pt",
                                  published.members),
              IsOk());
  absl::StatusOr<std::vector<double>> scores =
      ::wm::testing::ValidationLosses(request, *manifest, published);
  ASSERT_THAT(scores, IsOk());
  for (int k = 0; k < kMembers; ++k) {
    // Validations at step 0 and every kEvalEvery steps until the member
    // diverged, at least 100 steps after its last finite step.
    ASSERT_EQ(logged.count(k), 1u) << kind << " member " << k;
    const std::vector<double>& losses = logged.at(k);
    EXPECT_GE(losses.size(), 1u + 100 / kEvalEvery) << kind << " member " << k;
    double best = INFINITY;
    for (double loss : losses) {
      if (std::isfinite(loss)) best = std::min(best, loss);
    }
    EXPECT_NEAR((*scores)[k], best, kLoggedPrecision * std::abs(best))
        << kind << " member " << k;
    EXPECT_NEAR(
        manifest->metrics().at(absl::StrCat("validation_loss_member", k)),
        (*scores)[k], kRecomputedPrecision * std::abs(best));
  }
}

INSTANTIATE_TEST_SUITE_P(LearnedKinds, TrainingDivergenceTest,
                         testing::kLearnedKinds, testing::LearnedKindTestName);

// A real loss (the member's squared weights, so that Adam moves them) and a
// validation score set by the steps trained: lowest at kBestStep, higher
// and rising after it, so that a resumed member must remember its best.
class StepScoredObjective : public MemberObjective {
 public:
  static constexpr int64_t kBestStep = 20;

  absl::StatusOr<torch::Tensor> NextBatchLoss(MemberNetwork& member) override {
    ++batches_;
    torch::Tensor loss = torch::zeros({});
    for (const torch::Tensor& weight : member.parameters()) {
      loss = loss + weight.pow(2).sum();
    }
    return 1e-3 * loss;
  }
  absl::Status SkipBatches(int64_t batches) override {
    batches_ += batches;
    return absl::OkStatus();
  }
  ValidationScore Validate(MemberNetwork& member) override {
    return {batches_ == kBestStep ? 0.5 : 1.0 + 1e-3 * batches_, {}};
  }

 private:
  int64_t batches_ = 0;
};

TEST(MemberResumeTest, ResumedMemberEndsAsAnUninterruptedOne) {
  ::wm::testing::TempDir dir;
  const v1::CheckpointManifest manifest = testing::WithUnitNormalization(
      testing::PlanarManifest("blackbox", {8}, 1));
  TrainingLog log("", 0, nullptr);
  MemberTrainingOptions options;
  options.kind = ModelKind::kBlackbox;
  options.learning_rate = 1e-2;
  options.max_steps = 100;
  options.eval_every = 10;
  options.patience = 100;
  options.budget = std::chrono::hours(1);
  options.log = &log;

  LearnedEnsemble straight = BuildEnsemble(manifest);
  options.ops = straight.ops.get();
  options.hidden = straight.hidden;
  StepScoredObjective straight_objective;
  absl::StatusOr<MemberOutcome> uninterrupted =
      TrainMember(options, 0, *straight.members[0], straight_objective);
  ASSERT_THAT(uninterrupted, IsOk());
  ASSERT_EQ(uninterrupted->best_validation, 0.5);

  // "Killed" after step 50 (its last resume point), past the best step.
  LearnedEnsemble killed = BuildEnsemble(manifest);
  options.resume_dir = dir.path();
  options.max_steps = 50;
  StepScoredObjective killed_objective;
  ASSERT_THAT(TrainMember(options, 0, *killed.members[0], killed_objective),
              IsOk());

  LearnedEnsemble resumed = BuildEnsemble(manifest);
  options.max_steps = 100;
  options.resume = true;
  StepScoredObjective resumed_objective;
  absl::StatusOr<MemberOutcome> outcome =
      TrainMember(options, 0, *resumed.members[0], resumed_objective);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->best_validation, uninterrupted->best_validation);
  EXPECT_EQ(outcome->steps, uninterrupted->steps);
  const auto expected = straight.members[0]->named_parameters();
  for (const auto& item : resumed.members[0]->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), expected[item.key()]))
        << item.key() << " differs after resume";
  }
}

}  // namespace
}  // namespace wm::worldmodel
