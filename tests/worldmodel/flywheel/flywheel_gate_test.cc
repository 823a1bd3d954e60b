// The gate's arithmetic: held-out selection by episode hash, the defaults
// and their checks, and the paired bootstrap decision on given errors.

#include "worldmodel/flywheel/flywheel_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"
#include "util/random.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using wm::testing::StatusIs;

v1::FlywheelConfig Defaults() { return *WithFlywheelDefaults({}); }

// `n` errors around `level` with 30% multiplicative noise (seeded).
std::vector<double> NoisyErrors(int n, double level, uint64_t seed) {
  Rng random(seed);
  std::vector<double> errors(n);
  for (double& error : errors) error = level * (0.7 + 0.6 * random.Uniform());
  return errors;
}

TEST(FlywheelGateTest, HoldsOutByEpisodeHashAndChecksItsConfig) {
  int held_out = 0;
  for (int64_t index = 0; index < 20000; ++index) {
    held_out += IsHeldOut(index, 0.25);
    EXPECT_EQ(IsHeldOut(index, 0.25), IsHeldOut(index, 0.25));
  }
  EXPECT_NEAR(held_out / 20000.0, 0.25, 0.01);
  // (One process per case loads LibTorch: the defaults are checked here.)
  const v1::FlywheelConfig config = Defaults();
  EXPECT_EQ(config.min_new_episodes(), 40);
  EXPECT_EQ(config.holdout_fraction(), 0.25);
  EXPECT_EQ(config.min_improvement(), 0.02);
  EXPECT_EQ(GateHorizonSteps(config, 0.05), 50);
  EXPECT_EQ(GateHistorySteps(config, 0.05), 20);
  EXPECT_EQ(GateRolloutSteps(config, 0.05),
            (std::vector<int64_t>{10, 20, 30, 40, 50}));
  EXPECT_EQ(GateMinEpisodeSteps(config, 0.05), 30);
  v1::FlywheelConfig bad;
  bad.set_holdout_fraction(1.5);
  EXPECT_THAT(WithFlywheelDefaults(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("holdout_fraction")));
  bad.Clear();
  bad.set_min_new_episodes(-1);
  EXPECT_THAT(WithFlywheelDefaults(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("min_new_episodes")));
}

TEST(FlywheelGateTest, ScalesABodysPositionAsAVectorAndIgnoresVelocities) {
  const v1::StateSpec spec = (*sim::LoadScene("push"))->spec();
  v1::NormalizationStats stats;  // push: box x y z, quaternion, pusher x y
  for (double std : {0.12, 0.11, 4e-5, 1.0, 1.0, 1.0, 1.0, 0.13, 0.125}) {
    stats.add_state_std(std);
  }
  for (int i = 0; i < spec.nv(); ++i) stats.add_state_std(0.1);
  const std::vector<double> scale = GateStateScale(spec, stats);
  ASSERT_EQ(scale.size(), 16u);
  const double box = std::sqrt((0.12 * 0.12 + 0.11 * 0.11 + 4e-5 * 4e-5) / 3);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(scale[i], box, 1e-12) << i;
  for (int i = 3; i < 6; ++i) EXPECT_EQ(scale[i], 1.0) << i;  // radians
  EXPECT_EQ(scale[6], 0.13);
  EXPECT_EQ(scale[7], 0.125);
  for (int i = 8; i < 16; ++i) EXPECT_TRUE(std::isinf(scale[i])) << i;
}

TEST(FlywheelGateTest, CountsEveryEpisodeAlikeButRefusesAHiddenCatastrophe) {
  // 30 episodes the candidate predicts 30% better, and 2 where both are 20x
  // off and the candidate 10% worse: the ratio of means (1.01) would hide
  // the 30; each episode's ratio counts the same.
  std::vector<double> current = NoisyErrors(30, 1.0, 5);
  std::vector<double> candidate = current;
  for (double& error : candidate) error *= 0.7;
  for (int i = 0; i < 2; ++i) {
    current.push_back(20.0);
    candidate.push_back(22.0);
  }
  GateOutcome outcome = DecideGate(candidate, current, Defaults(), 1);
  EXPECT_TRUE(outcome.publish) << outcome.reason;
  EXPECT_NEAR(outcome.ratio,
              std::exp((30 * std::log(0.7) + 2 * std::log(1.1)) / 32), 1e-9);
  // The same episodes with one made 4x worse: typical, but not on average.
  candidate.back() = 80.0;
  outcome = DecideGate(candidate, current, Defaults(), 1);
  EXPECT_FALSE(outcome.publish) << outcome.reason;
  EXPECT_THAT(outcome.reason, HasSubstr("(worse)"));
}

TEST(FlywheelGateTest, PublishesAClearlyBetterCandidate) {
  const std::vector<double> current = NoisyErrors(30, 1.0, 1);
  std::vector<double> candidate = current;
  for (double& error : candidate) error *= 0.8;
  const GateOutcome outcome = DecideGate(candidate, current, Defaults(), 1);
  EXPECT_TRUE(outcome.publish) << outcome.reason;
  EXPECT_NEAR(outcome.ratio, 0.8, 1e-9);
  EXPECT_LT(outcome.ratio_ci90_high, 0.98);
}

TEST(FlywheelGateTest, RefusesAWorseCandidateAndOneTheIntervalDoesNotBack) {
  const std::vector<double> current = NoisyErrors(30, 1.0, 2);
  std::vector<double> worse = current;
  for (double& error : worse) error *= 1.3;
  GateOutcome outcome = DecideGate(worse, current, Defaults(), 1);
  EXPECT_FALSE(outcome.publish);
  EXPECT_GT(outcome.ratio_ci90_low, 1.0);
  EXPECT_THAT(outcome.reason, HasSubstr("does not stay below 0.98"));
  // 5% better on average but unpaired noise of 30% on 12 episodes: the
  // interval reaches past the bar.
  const std::vector<double> few = NoisyErrors(12, 1.0, 3);
  outcome = DecideGate(NoisyErrors(12, 0.95, 4), few, Defaults(), 1);
  EXPECT_FALSE(outcome.publish) << outcome.reason;
  EXPECT_GT(outcome.ratio_ci90_high, 0.98);
}

}  // namespace
}  // namespace wm::worldmodel
