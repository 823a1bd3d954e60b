#include "worldmodel/eval/acosta_toss_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::StatusIs;

constexpr double kTolerance = 1e-9;
constexpr double kGravity = 9.81;
const double kDropHeight = std::sqrt(3.0) * kTossCubeHalfWidth;  // 0.09076 m

TEST(AcostaTossProtocolTest, DropIndexIsFirstSampleAtSqrt3HalfWidths) {
  EXPECT_EQ(
      *FirstDropIndex({0.2, 0.15, 0.1, 0.0907, 0.06, 0.2}, kTossCubeHalfWidth),
      3);
  // Exactly at the threshold counts as dropped.
  EXPECT_EQ(*FirstDropIndex({0.2, kDropHeight}, kTossCubeHalfWidth), 1);
  EXPECT_THAT(FirstDropIndex({0.2, 0.15}, kTossCubeHalfWidth),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("0.15")));
}

TEST(AcostaTossProtocolTest, BallisticFitRecoversParabolaVelocity) {
  // p(t) = p0 + v0 t - g t^2 / 2 e_z, sampled at 148 Hz; velocity at t = 0.02
  // is v0 - g * 0.02 e_z.
  const double p0[3] = {-0.25, 0.1, 0.2}, v0[3] = {1.1, -0.3, 0.4};
  std::vector<double> times, positions;
  for (int i = 0; i < 8; ++i) {
    const double t = i / 148.0;
    times.push_back(t);
    for (int axis = 0; axis < 3; ++axis) {
      positions.push_back(p0[axis] + v0[axis] * t -
                          (axis == 2 ? 0.5 * kGravity * t * t : 0.0));
    }
  }
  auto velocity = BallisticVelocity(times, positions, 0.02, kGravity);
  ASSERT_TRUE(velocity.ok()) << velocity.status();
  EXPECT_NEAR((*velocity)[0], 1.1, kTolerance);
  EXPECT_NEAR((*velocity)[1], -0.3, kTolerance);
  EXPECT_NEAR((*velocity)[2], 0.4 - kGravity * 0.02, kTolerance);
  EXPECT_THAT(BallisticVelocity({0.0}, {0, 0, 0}, 0, kGravity),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AcostaTossProtocolTest, RotationAngleOfKnownQuaternionPairs) {
  const double identity[4] = {1, 0, 0, 0};
  // 90 degrees about z: (cos 45, 0, 0, sin 45).
  const double z90[4] = {std::sqrt(0.5), 0, 0, std::sqrt(0.5)};
  EXPECT_NEAR(RotationAngle(identity, z90), M_PI / 2, kTolerance);
  // q and -q are the same rotation.
  const double minus_z90[4] = {-std::sqrt(0.5), 0, 0, -std::sqrt(0.5)};
  EXPECT_NEAR(RotationAngle(z90, minus_z90), 0, 1e-6);
  // 180 degrees about x against 90 degrees about z: relative rotation
  // angle 180 degrees (trace of Rz90^T Rx180 is -1).
  const double x180[4] = {0, 1, 0, 0};
  EXPECT_NEAR(RotationAngle(x180, z90), M_PI, 1e-6);
}

TEST(AcostaTossProtocolTest, ScoreMatchesHandComputedEq) {
  // Two samples: the start (no error), then 1 cm off in x and 10 degrees
  // about z. e_q = (0 + 0.01^2) / 2 / 0.0524 + (0 + (pi/18)^2) / 2.
  const double half = 5 * M_PI / 180;  // half of 10 degrees
  std::vector<double> measured = {0, 0, 0.05, 1, 0, 0, 0,
                                  0, 0, 0.05, 1, 0, 0, 0};
  std::vector<double> predicted = {
      0, 0, 0.05,          1, 0, 0, 0, 0.01, 0, 0.05, std::cos(half),
      0, 0, std::sin(half)};
  auto score = ScoreTossPoses(predicted, measured);
  ASSERT_TRUE(score.ok()) << score.status();
  const double theta = M_PI / 18;
  EXPECT_NEAR(score->e_q, 0.0001 / 2 / 0.0524 + theta * theta / 2, kTolerance);
  EXPECT_NEAR(score->mean_pos_err_m, 0.005, kTolerance);
  EXPECT_NEAR(score->mean_rot_err_deg, 5.0, 1e-7);
  EXPECT_EQ(score->samples, 2);
  EXPECT_THAT(ScoreTossPoses(predicted, {0, 0, 0, 1, 0, 0, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AcostaTossProtocolTest, StartIsThreeSamplesBeforeDropWithFittedState) {
  // A cube falling from 0.2 m with v = (1, 0, 0) m/s and body rate (0, 0, 2).
  datasets::Episode toss;
  toss.index = 7;
  toss.nq = 7;
  toss.nv = 6;
  const int samples = 40;
  for (int i = 0; i < samples; ++i) {
    const double t = i / 148.0;
    toss.time.push_back(t);
    const double z = 0.2 - 0.5 * kGravity * t * t;
    toss.qpos.insert(toss.qpos.end(), {t, 0, std::max(z, 0.05), 1, 0, 0, 0});
    toss.qvel.insert(toss.qvel.end(), {1, 0, -kGravity * t, 0, 0, 2});
  }
  // z = 0.2 - g t^2 / 2 <= 0.09076 first at t >= 0.1492 s, i.e. sample 23.
  auto start = FindTossStart(toss, kGravity);
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_EQ(start->drop_index, 23);
  EXPECT_EQ(start->start_index, 20);
  ASSERT_EQ(start->state.size(), 13u);
  EXPECT_NEAR(start->state[0], 20 / 148.0, kTolerance);  // measured x
  EXPECT_NEAR(start->state[7], 1.0, kTolerance);         // fitted vx
  EXPECT_NEAR(start->state[9], -kGravity * 20 / 148.0, kTolerance);
  EXPECT_NEAR(start->state[12], 2.0, kTolerance);  // mean body rate
}

TEST(AcostaTossProtocolTest, BootstrapIntervalBracketsTheMean) {
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) values.push_back(i % 10 == 0 ? 1.7 : 0.2);
  const BootstrapSummary summary = SummariseWithBootstrap(values, 1000, 1);
  EXPECT_NEAR(summary.mean, 0.35, kTolerance);
  EXPECT_NEAR(summary.median, 0.2, kTolerance);
  EXPECT_LT(summary.ci90_low, 0.35);
  EXPECT_GT(summary.ci90_high, 0.35);
  // Standard error 1.5 * 0.3 / 10 = 0.045: the interval spans about +-0.074.
  EXPECT_NEAR(summary.ci90_high - summary.ci90_low, 0.148, 0.04);
  const PairedComparison paired =
      ComparePaired(std::vector<double>(100, 0.1), values, 1000, 1);
  EXPECT_NEAR(paired.mean_ratio, 0.1 / 0.35, kTolerance);
  EXPECT_NEAR(paired.share_a_better, 1.0, kTolerance);
}

}  // namespace
}  // namespace wm::worldmodel
