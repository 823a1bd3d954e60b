#include "worldmodel/eval/eval_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

class EvalJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(testing::GenerateDataset("slide", temp_.Join("slide"), 60, 75),
                IsOk());
    RegisterMujocoModel(&factory_);
    job_.data_dir = temp_.Join("slide");
    job_.config.set_history_seconds(1.0);
    job_.config.add_horizons_seconds(0.2);
  }

  ::wm::testing::TempDir temp_;
  ModelFactory factory_;
  EvalJob job_;
};

TEST_F(EvalJobTest, NominalMujocoIsScoredBesideConstantVelocity) {
  job_.model = "mujoco:" + temp_.Join("slide");
  std::set<std::string> progressed;
  absl::StatusOr<EvalJobResult> result =
      RunEvalJob(job_, factory_,
                 [&](const std::string& model, int64_t done, int64_t total) {
                   progressed.insert(model);
                 });
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->kind, "mujoco");
  EXPECT_EQ(result->report.model, job_.model);
  EXPECT_GT(result->report.episodes, 0);
  ASSERT_EQ(result->baselines.size(), 2u);
  EXPECT_EQ(result->baselines[0].first, "constant_velocity");
  EXPECT_EQ(result->baselines[1].first, "mujoco_nominal");
  // The model is the nominal simulator: its report doubles as the baseline.
  ASSERT_TRUE(result->report.one_step_nmse.has_value());
  EXPECT_DOUBLE_EQ(*result->baselines[1].second.one_step_nmse,
                   *result->report.one_step_nmse);
  EXPECT_LT(*result->report.one_step_nmse,
            *result->baselines[0].second.one_step_nmse);
  EXPECT_THAT(progressed, ::testing::Contains(job_.model));
  EXPECT_THAT(progressed, ::testing::Contains("constant_velocity"));
  EXPECT_TRUE(result->notes.empty());
}

TEST_F(EvalJobTest, MissingInputsAreNamed) {
  EXPECT_THAT(RunEvalJob(job_, factory_, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("model is required")));
  job_.model = temp_.Join("no_such_model");
  EXPECT_THAT(
      RunEvalJob(job_, factory_, {}),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such_model")));
  job_.data_dir.clear();
  EXPECT_THAT(RunEvalJob(job_, factory_, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data is required")));
}

}  // namespace
}  // namespace wm::worldmodel
