#include "worldmodel/sysid/sysid_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "util/text_proto.h"
#include "wm/v1/model.pb.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

class SysidJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(testing::GenerateDataset("double_pendulum", temp_.Join("data"),
                                         /*episodes=*/3, /*steps=*/500),
                IsOk());
    job_.data_dir = temp_.Join("data");
    job_.parameters = {"shoulder/damping", "elbow/frictionloss"};
    job_.holdout = "2";
    job_.config.set_horizon_seconds(0.1);
    job_.config.set_window_stride_seconds(0.5);
    job_.config.set_max_generations(4);
    job_.config.set_bootstrap(2);
    job_.config.set_bootstrap_generations(2);
    job_.config.set_workers(1);
    job_.config.set_seed(1);
  }

  ::wm::testing::TempDir temp_;
  SysidJob job_;
};

TEST_F(SysidJobTest, FitsReportsAndPublishesAMujocoVersion) {
  job_.publish_dir = temp_.Join("models/dp_sysid");
  job_.git_revision = "abc";
  std::string started;
  int fit_calls = 0;
  SysidJobCallbacks callbacks;
  callbacks.on_start = [&](const std::string& what) { started = what; };
  callbacks.on_fit = [&](const SysidProgress&) { ++fit_calls; };
  absl::StatusOr<v1::SysidReport> report = RunSysidJob(job_, callbacks);
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(started, HasSubstr("scene 'double_pendulum', 2 parameters, 2 "
                                 "fit episodes"));
  EXPECT_GT(fit_calls, 0);
  ASSERT_EQ(report->parameters_size(), 2);
  EXPECT_EQ(report->parameters(0).name(), "shoulder/damping");
  EXPECT_TRUE(report->has_holdout_objective());
  EXPECT_EQ(report->dataset(), job_.data_dir);
  EXPECT_GT(report->seconds(), 0);
  EXPECT_EQ(report->model_version(), job_.publish_dir + "/1");
  v1::CheckpointManifest manifest;
  ASSERT_THAT(
      ReadTextProtoFile(report->model_version() + "/manifest.pbtxt", &manifest),
      IsOk());
  EXPECT_EQ(manifest.kind(), "mujoco");
  EXPECT_EQ(manifest.git_revision(), "abc");
  EXPECT_EQ(manifest.parameter_values_size(), manifest.parameters_size());
}

TEST_F(SysidJobTest, BadRequestsAreNamed) {
  job_.parameters = {"shoulder/colour"};
  EXPECT_THAT(RunSysidJob(job_, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("shoulder/colour")));
  job_.parameters.clear();
  EXPECT_THAT(RunSysidJob(job_, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("parameters are required")));
  job_.parameters = {"shoulder/damping"};
  job_.config.set_objective("guesswork");
  EXPECT_THAT(RunSysidJob(job_, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("objective 'guesswork' is unknown")));
}

}  // namespace
}  // namespace wm::worldmodel
