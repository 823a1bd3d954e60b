// wm train --validation_data (TrainingRequest::validation_data_dir), for
// every learned kind through TrainAndPublish: every episode of --data trains
// (the normalisation counts all of their transitions), every episode of the
// validation dataset validates (the published weights score the best logged
// validation loss on exactly those episodes, and another validation dataset
// changes the starting weights' validation loss), the manifest records the
// validation dataset, and a dataset of another system, or --data itself, is
// refused naming both.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/learned_kinds.h"
#include "tests/testing/metrics_log.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "tests/testing/validation_losses.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/learned/weights_file.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;

constexpr int kEpisodes = 12;
constexpr int kSteps = 60;
// metrics.jsonl records 10 significant digits.
constexpr double kLoggedPrecision = 1e-5;

class ValidationDataTest : public ::testing::TestWithParam<ModelKind> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ::wm::testing::TempDir();
    // One system, three disjoint sets of episodes (other seeds), and another
    // system.
    for (const auto& [name, seed] :
         std::map<std::string, int>{{"data", 2}, {"val_a", 3}, {"val_b", 4}}) {
      ASSERT_THAT(testing::GenerateDataset("slide", dir_->Join(name), kEpisodes,
                                           kSteps, seed),
                  IsOk());
    }
    ASSERT_THAT(testing::GenerateDataset("double_pendulum",
                                         dir_->Join("pendulum"), 4, 40, 2),
                IsOk());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // A short run of the test's kind on "data", validated on `validation`.
  static TrainingRequest Request(const std::string& validation,
                                 const std::string& out) {
    const std::string kind = ModelKindName(GetParam());
    TrainingRequest request;
    request.config.set_model(kind);
    request.config.set_ensemble_size(1);
    request.config.add_hidden(16);
    request.config.set_history_seconds(0.2);
    request.config.set_horizon(4);
    request.config.set_batch_size(16);
    request.config.set_learning_rate(1e-3);
    request.config.set_max_steps(40);
    request.config.set_eval_every(20);
    request.config.set_patience(100);
    request.config.set_seed(5);
    request.config.set_workers(1);
    request.data_dir = dir_->Join("data");
    request.validation_data_dir =
        validation.empty() ? "" : dir_->Join(validation);
    request.model_dir = dir_->Join("models/" + kind + "_" + out);
    if (GetParam() == ModelKind::kHybrid) {
      request.base = "mujoco:" + request.data_dir;
    }
    return request;
  }

  static ::wm::testing::TempDir* dir_;
};

::wm::testing::TempDir* ValidationDataTest::dir_ = nullptr;

TEST_P(ValidationDataTest, ValidatesOnExactlyTheGivenEpisodes) {
  std::map<std::string, double> first_validation;
  for (const std::string validation : {"val_a", "val_b"}) {
    SCOPED_TRACE(validation);
    const TrainingRequest request = Request(validation, validation);
    absl::StatusOr<v1::CheckpointManifest> manifest =
        TrainAndPublish(request, {});
    ASSERT_THAT(manifest, IsOk());
    EXPECT_EQ(manifest->validation_dataset_dir(), request.validation_data_dir);
    EXPECT_EQ(manifest->validation_dataset_fingerprint().size(), 16u);
    EXPECT_EQ(manifest->split_train(), 1.0);
    EXPECT_EQ(manifest->split_validation(), 0.0);
    // Every --data episode trains: the normalisation saw all transitions.
    EXPECT_EQ(manifest->normalization().num_transitions(), kEpisodes * kSteps);

    // The published weights score, on every episode of the validation
    // dataset, the best validation loss the run logged.
    const std::map<int, std::vector<double>> logged =
        ::wm::testing::LoggedValidationLosses(request.model_dir +
                                              "/metrics.jsonl");
    ASSERT_EQ(logged.count(0), 1u);
    const std::vector<double>& losses = logged.at(0);
    first_validation[validation] = losses.front();
    const double best = *std::min_element(losses.begin(), losses.end());
    LearnedEnsemble published = BuildEnsemble(*manifest);
    ASSERT_THAT(LoadEnsembleWeights(request.model_dir + "/1/weights.pt",
                                    published.members),
                IsOk());
    absl::StatusOr<std::vector<double>> scores =
        ::wm::testing::ValidationLosses(request, *manifest, published);
    ASSERT_THAT(scores, IsOk());
    EXPECT_NEAR((*scores)[0], best, kLoggedPrecision * std::abs(best));
  }
  // Same training data and seed, so the same starting weights: the step-0
  // validation differs only by the validation episodes.
  EXPECT_NE(first_validation["val_a"], first_validation["val_b"]);
}

TEST_P(ValidationDataTest, WithoutItTheHashSplitOfDataValidates) {
  const TrainingRequest request = Request("", "hash_split");
  absl::StatusOr<v1::CheckpointManifest> manifest =
      TrainAndPublish(request, {});
  ASSERT_THAT(manifest, IsOk());
  EXPECT_EQ(manifest->validation_dataset_dir(), "");
  EXPECT_EQ(manifest->split_train(), 0.8);
  EXPECT_LT(manifest->normalization().num_transitions(), kEpisodes * kSteps);
}

TEST_P(ValidationDataTest, AnotherSystemOrDataItselfIsRefused) {
  TrainingRequest request = Request("pendulum", "pendulum");
  absl::StatusOr<v1::CheckpointManifest> manifest =
      TrainAndPublish(request, {});
  ASSERT_EQ(manifest.status().code(), absl::StatusCode::kInvalidArgument)
      << manifest.status();
  EXPECT_THAT(manifest.status().message(), HasSubstr("models another system"));
  EXPECT_THAT(manifest.status().message(), HasSubstr(dir_->Join("pendulum")));
  EXPECT_THAT(manifest.status().message(), HasSubstr(dir_->Join("data")));

  request = Request("data", "itself");
  manifest = TrainAndPublish(request, {});
  ASSERT_EQ(manifest.status().code(), absl::StatusCode::kInvalidArgument)
      << manifest.status();
  EXPECT_THAT(manifest.status().message(), HasSubstr("is --data"));
}

INSTANTIATE_TEST_SUITE_P(LearnedKinds, ValidationDataTest,
                         testing::kLearnedKinds, testing::LearnedKindTestName);

}  // namespace
}  // namespace wm::worldmodel
