#include "datasets/real/resampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace wm::datasets {
namespace {

constexpr double kExact = 1e-12;
// The bound for slerp against the analytic rotation.
constexpr double kSlerpTolerance = 1e-9;

// A one-hinge log (nq = nv = nu = 1) with qpos = 2 t, qvel = 2, ctrl = -t at
// the given times.
RawTrajectory LinearLog(const std::vector<double>& times) {
  RawTrajectory log;
  log.nq = log.nv = log.nu = 1;
  for (double t : times) {
    log.time.push_back(t);
    log.qpos.push_back(2 * t);
    log.qvel.push_back(2);
    log.ctrl.push_back(-t);
  }
  return log;
}

ResampleOptions Options(double dt) {
  ResampleOptions options;
  options.dt = dt;
  options.max_gap_steps = 5;
  return options;
}

TEST(ResamplerTest, IrregularSamplesLandOnTheGridLinearly) {
  const RawTrajectory log = LinearLog({0.0, 0.0013, 0.0041, 0.0052, 0.0101});
  const ResampleResult result = ResampleLog(log, Options(0.002));
  ASSERT_EQ(result.episodes.size(), 1u);
  const Episode& episode = result.episodes[0];
  ASSERT_EQ(episode.num_steps(), 5);  // grid 0, 2, ..., 10 ms
  for (int k = 0; k <= 5; ++k) {
    EXPECT_NEAR(episode.time[k], 0.002 * k, kExact);
    EXPECT_NEAR(episode.qpos[k], 0.004 * k, kExact);
    EXPECT_NEAR(episode.qvel[k], 2.0, kExact);
    if (k < 5) {
      EXPECT_NEAR(episode.ctrl[k], -0.002 * k, kExact);
    }
  }
  EXPECT_EQ(episode.ctrl.size(), 5u);
  EXPECT_EQ(result.gaps_interpolated, 1);  // 4.9 ms > 1.5 dt
  EXPECT_EQ(result.gaps_split, 0);
}

TEST(ResamplerTest, GapOfFiveStepsIsInterpolatedLongerGapSplits) {
  const double dt = 0.01;
  // 0..5 steps, a gap of exactly 5 dt, then a gap of 5.5 dt.
  std::vector<double> times;
  for (int k = 0; k <= 5; ++k) times.push_back(k * dt);
  for (int k = 10; k <= 14; ++k) times.push_back(k * dt);
  for (double t = 0.195; t < 0.2551; t += dt) times.push_back(t);
  const ResampleResult result = ResampleLog(LinearLog(times), Options(dt));
  ASSERT_EQ(result.episodes.size(), 2u);
  EXPECT_EQ(result.gaps_interpolated, 1);
  EXPECT_EQ(result.gaps_split, 1);
  // The first piece runs 0..0.14 s through the bridged gap, linearly.
  const Episode& first = result.episodes[0];
  ASSERT_EQ(first.num_steps(), 14);
  EXPECT_NEAR(first.qpos[7], 2 * 0.07, kExact);
  // The second starts afresh at its first sample (0.195 s), time 0.
  const Episode& second = result.episodes[1];
  EXPECT_EQ(second.num_steps(), 6);
  EXPECT_EQ(second.time[0], 0.0);
  EXPECT_NEAR(second.qpos[0], 2 * 0.195, kExact);
}

TEST(ResamplerTest, PiecesShorterThanMinStepsAreDropped) {
  const double dt = 0.01;
  // A lone sample, a gap, then a 3-step piece.
  ResampleOptions options = Options(dt);
  options.min_steps = 2;
  const ResampleResult result =
      ResampleLog(LinearLog({0.0, 0.1, 0.11, 0.12, 0.13}), options);
  ASSERT_EQ(result.episodes.size(), 1u);
  EXPECT_EQ(result.episodes[0].num_steps(), 3);
  EXPECT_EQ(result.pieces_dropped, 1);
}

TEST(ResamplerTest, SlerpMatchesAConstantRateRotation) {
  // q(t) = exp(t * omega * axis / 2): a constant-rate rotation, sampled at
  // irregular times with a free joint's layout (x y z qw qx qy qz).
  const double axis[3] = {1 / std::sqrt(14.0), 2 / std::sqrt(14.0),
                          3 / std::sqrt(14.0)};
  const double omega = 7.0;  // rad/s: ~40 degrees between samples
  auto analytic = [&](double t, double q[4]) {
    const double half = 0.5 * omega * t;
    q[0] = std::cos(half);
    for (int i = 0; i < 3; ++i) q[i + 1] = std::sin(half) * axis[i];
  };
  RawTrajectory log;
  log.nq = 7;
  log.nv = 6;
  log.nu = 0;
  for (double t : {0.0, 0.07, 0.15, 0.2, 0.31, 0.4}) {
    log.time.push_back(t);
    double q[4];
    analytic(t, q);
    log.qpos.insert(log.qpos.end(), {t, 0, 0, q[0], q[1], q[2], q[3]});
    log.qvel.insert(log.qvel.end(), 6, 0.0);
  }
  ResampleOptions options = Options(0.02);
  options.max_gap_steps = 10;
  options.quaternion_offsets = {3};
  const ResampleResult result = ResampleLog(log, options);
  ASSERT_EQ(result.episodes.size(), 1u);
  const Episode& episode = result.episodes[0];
  ASSERT_EQ(episode.num_steps(), 20);
  for (int k = 0; k <= 20; ++k) {
    double expected[4];
    analytic(k * 0.02, expected);
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(episode.qpos[k * 7 + 3 + i], expected[i], kSlerpTolerance)
          << "step " << k << " entry " << i;
    }
    EXPECT_NEAR(episode.qpos[k * 7], k * 0.02, kExact);
  }
}

}  // namespace
}  // namespace wm::datasets
