#include "worldmodel/eval/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/test_datasets.h"
#include "util/quaternion.h"

namespace wm::worldmodel {
namespace {

using ::testing::ElementsAre;

constexpr double kTolerance = 1e-12;

TEST(MetricsTest, MeanOfValues) {
  EXPECT_DOUBLE_EQ(Mean({1, 2, 6}), 3.0);
  EXPECT_DOUBLE_EQ(Mean({}), 0.0);
}

TEST(MetricsTest, SpearmanUsesRanksWithTies) {
  // Monotone but non-linear: rank correlation 1.
  EXPECT_NEAR(*SpearmanCorrelation({1, 2, 3, 4}, {1, 8, 27, 64}), 1.0,
              kTolerance);
  EXPECT_NEAR(*SpearmanCorrelation({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0,
              kTolerance);
  // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]) = 0.9486832980505138
  EXPECT_NEAR(*SpearmanCorrelation({1, 2, 2, 3}, {1, 3, 2, 4}),
              0.9486832980505138, 1e-12);
  EXPECT_FALSE(SpearmanCorrelation({1, 2, 3}, {5, 5, 5}).has_value());
  EXPECT_FALSE(SpearmanCorrelation({1, 2}, {1, 2}).has_value());
}

TEST(MetricsTest, GaussianNllMatchesTheFormula) {
  EXPECT_NEAR(GaussianNll(0.0, 1.0), 0.5 * std::log(2 * M_PI), kTolerance);
  EXPECT_NEAR(GaussianNll(2.0, 0.5),
              0.5 * std::log(2 * M_PI) + std::log(0.5) + 0.5 * 16.0,
              kTolerance);
}

TEST(MetricsTest, StateErrorsAreNormsByJointKind) {
  const v1::StateSpec spec = testing::AllJointsSpec();
  EXPECT_THAT(StateErrorKeys(spec),
              ElementsAre("pos_m", "rot_deg", "joint_rad", "joint_m"));
  std::vector<double> truth(24, 0.0), predicted(24, 0.0);
  truth[3] = predicted[3] = 1.0;  // identity quaternions
  truth[7] = 1.0;
  predicted[0] = 0.3;  // free joint position off by (0.3, 0.4, 0)
  predicted[1] = 0.4;
  // Free joint turned 10 degrees about z, ball joint 20 degrees about x.
  const double z[3] = {0, 0, 10 * M_PI / 180};
  RotationVectorToQuat(z, &predicted[3]);
  const double x[3] = {20 * M_PI / 180, 0, 0};
  RotationVectorToQuat(x, &predicted[7]);
  predicted[11] = -0.25;  // hinge
  predicted[12] = 0.125;  // slide
  predicted[13] = 5.0;    // velocities do not count
  const StateError error =
      ComputeStateError(spec, truth.data(), predicted.data());
  EXPECT_NEAR(error.pos_m, 0.5, kTolerance);
  EXPECT_NEAR(error.rot_deg, std::sqrt(100.0 + 400.0), 1e-9);
  EXPECT_NEAR(error.joint_rad, 0.25, kTolerance);
  EXPECT_NEAR(error.joint_m, 0.125, kTolerance);
  EXPECT_NEAR(StateErrorValue(error, "joint_m"), 0.125, kTolerance);

  v1::StateSpec hinge_only;
  hinge_only.set_nq(1);
  hinge_only.set_nv(1);
  testing::AddJoint(&hinge_only, "h", v1::Joint::HINGE, 0, 0);
  EXPECT_THAT(StateErrorKeys(hinge_only), ElementsAre("joint_rad"));
  const double a[2] = {0.0, 0.0}, b[2] = {0.1, 0.0};
  EXPECT_TRUE(std::isnan(ComputeStateError(hinge_only, a, b).pos_m));
}

}  // namespace
}  // namespace wm::worldmodel
