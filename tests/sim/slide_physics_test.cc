// Physics checks of the built-in `slide` scene against Coulomb friction and
// Newton's second law, with the tolerances MuJoCo's soft contacts allow
// (docs/design.md section 8: 0.995, 0.97 and ~0.9 of mu*g at mu 0.3, 0.6, 1.0).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "sim/scene_library.h"
#include "sim/simulator.h"
#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

constexpr double kGravity = 9.81;
constexpr double kLowFrictionTolerance = 0.05;   // mu <= 0.5
constexpr double kHighFrictionTolerance = 0.12;  // mu up to 1.0
constexpr double kMassRatioTolerance = 0.05;

// Parameter order of configs/scenes/slide.pbtxt.
std::vector<double> SlideParameters(double friction, double mass) {
  return {friction, mass};
}

class SlidePhysicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto scene = LoadScene("slide");
    ASSERT_THAT(scene, testing::IsOk());
    scene_ = *scene;
    ASSERT_EQ(scene_->parameters()[0].name, "box_floor/friction");
    ASSERT_EQ(scene_->parameters()[1].name, "box/mass");
  }

  // Deceleration (m/s^2) of a box coasting from 3 m/s: least-squares slope
  // of vx over the control steps while it still moves faster than 0.2 m/s.
  double CoastingDeceleration(double friction) {
    Simulator simulator(scene_);
    EXPECT_THAT(simulator.SetParameters(SlideParameters(friction, 1.0)),
                testing::IsOk());
    std::vector<double> state(scene_->nx(), 0.0);
    state[scene_->nq() + 0] = 3.0;  // qvel of box_x
    EXPECT_THAT(simulator.SetState(state), testing::IsOk());
    std::vector<double> times, speeds;
    const std::vector<double> no_force(scene_->nu(), 0.0);
    for (int step = 0; step < 200; ++step) {
      EXPECT_THAT(simulator.Step(no_force), testing::IsOk());
      simulator.GetState(absl::MakeSpan(state));
      const double vx = state[scene_->nq() + 0];
      if (vx < 0.2) break;
      times.push_back(simulator.time());
      speeds.push_back(vx);
    }
    EXPECT_GE(times.size(), 3u) << "too few samples at mu " << friction;
    double mean_t = 0, mean_v = 0;
    for (size_t i = 0; i < times.size(); ++i) {
      mean_t += times[i] / times.size();
      mean_v += speeds[i] / times.size();
    }
    double covariance = 0, variance = 0;
    for (size_t i = 0; i < times.size(); ++i) {
      covariance += (times[i] - mean_t) * (speeds[i] - mean_v);
      variance += (times[i] - mean_t) * (times[i] - mean_t);
    }
    return -covariance / variance;
  }

  // Acceleration (m/s^2) of a box at rest pushed by `force` N along x for
  // 0.2 s.
  double PushedAcceleration(double mass, double force, double friction) {
    Simulator simulator(scene_);
    EXPECT_THAT(simulator.SetParameters(SlideParameters(friction, mass)),
                testing::IsOk());
    const std::vector<double> push = {force, 0.0};
    for (int step = 0; step < 10; ++step) {
      EXPECT_THAT(simulator.Step(push), testing::IsOk());
    }
    std::vector<double> state(scene_->nx());
    simulator.GetState(absl::MakeSpan(state));
    return state[scene_->nq() + 0] / simulator.time();
  }

  std::shared_ptr<const Scene> scene_;
};

TEST_F(SlidePhysicsTest, CoastingDecelerationIsMuGAtLowFriction) {
  for (double friction : {0.1, 0.3, 0.5}) {
    const double expected = friction * kGravity;
    EXPECT_NEAR(CoastingDeceleration(friction), expected,
                kLowFrictionTolerance * expected)
        << "mu " << friction;
  }
}

TEST_F(SlidePhysicsTest, CoastingDecelerationIsNearMuGAtHighFriction) {
  for (double friction : {0.75, 1.0}) {
    const double expected = friction * kGravity;
    EXPECT_NEAR(CoastingDeceleration(friction), expected,
                kHighFrictionTolerance * expected)
        << "mu " << friction;
  }
}

TEST_F(SlidePhysicsTest, TwiceTheMassAcceleratesHalfAsMuch) {
  constexpr double kFriction = 0.05;  // the bottom of the scene's range
  const double light = PushedAcceleration(1.0, 30.0, kFriction);
  const double heavy = PushedAcceleration(2.0, 30.0, kFriction);
  EXPECT_NEAR(heavy / light, 0.5, kMassRatioTolerance * 0.5);
  // And each follows F/m - mu*g.
  EXPECT_NEAR(light, 30.0 / 1.0 - kFriction * kGravity,
              kMassRatioTolerance * light);
  EXPECT_NEAR(heavy, 30.0 / 2.0 - kFriction * kGravity,
              kMassRatioTolerance * heavy);
}

TEST_F(SlidePhysicsTest, ForceBelowStaticFrictionDoesNotMoveTheBox) {
  // 5 kg at mu 1.0 needs 49 N; 30 N leaves it in place.
  EXPECT_LT(std::abs(PushedAcceleration(5.0, 30.0, 1.0)), 0.05);
}

}  // namespace
}  // namespace wm::sim
