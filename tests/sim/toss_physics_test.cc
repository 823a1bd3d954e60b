// Physics checks of the built-in `toss` scene: a thrown cube settles on a
// face, and a stiffer, less damped ground bounces it higher.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sim/scene_library.h"
#include "sim/simulator.h"
#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

constexpr double kHalfEdge = 0.0524;            // m
constexpr double kRestHeightTolerance = 0.003;  // m, soft-contact penetration
constexpr double kRestSpeed = 0.01;             // m/s and rad/s
constexpr double kFaceAlignment = 0.999;        // cos of ~2.5 degrees

// Parameter order of configs/scenes/toss.pbtxt: friction, stiffness,
// damping, mass.
std::vector<double> TossParameters(double stiffness, double damping) {
  return {0.218, stiffness, damping, 0.37};
}

std::shared_ptr<const Scene> TossScene() {
  auto scene = LoadScene("toss");
  EXPECT_THAT(scene, testing::IsOk());
  return *scene;
}

TEST(TossPhysicsTest, ThrownCubeComesToRestOnAFace) {
  auto scene = TossScene();
  ASSERT_EQ(scene->parameters()[1].name, "cube_ground/solref_stiffness");
  Simulator simulator(scene);
  ASSERT_THAT(simulator.SetParameters(TossParameters(3294.16, 45.105)),
              testing::IsOk());
  // Thrown from 0.2 m, tilted, moving and spinning.
  const double half_angle = 0.4;
  std::vector<double> state = {-0.2,
                               0.0,
                               0.2,  // position
                               std::cos(half_angle),
                               std::sin(half_angle) * 0.6,
                               std::sin(half_angle) * 0.8,
                               0.0,  // orientation
                               1.0,
                               0.2,
                               -0.3,  // linear velocity, world
                               4.0,
                               -6.0,
                               3.0};  // angular velocity, body
  ASSERT_THAT(simulator.SetState(state), testing::IsOk());
  const std::vector<double> none;
  for (int step = 0; step < 3 * 148; ++step) {  // 3 s
    ASSERT_THAT(simulator.Step(none), testing::IsOk());
  }
  simulator.GetState(absl::MakeSpan(state));
  EXPECT_NEAR(state[2], kHalfEdge, kRestHeightTolerance);
  for (int i = 7; i < 13; ++i) EXPECT_LT(std::abs(state[i]), kRestSpeed);
  // One body axis points along world z: the cube lies on a face.
  mjtNum rotation[9];
  mju_quat2Mat(rotation, state.data() + 3);
  double best = 0;
  for (int axis = 0; axis < 3; ++axis) {
    best = std::max(best, std::abs(rotation[6 + axis]));  // row z
  }
  EXPECT_GT(best, kFaceAlignment);
}

// Highest point (m) after the first bounce of the cube dropped flat from
// 0.3 m.
double ReboundHeight(double stiffness, double damping) {
  Simulator simulator(TossScene());
  EXPECT_THAT(simulator.SetParameters(TossParameters(stiffness, damping)),
              testing::IsOk());
  std::vector<double> state = {0, 0, 0.3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_THAT(simulator.SetState(state), testing::IsOk());
  bool bounced = false;
  double highest = 0;
  const std::vector<double> none;
  for (int step = 0; step < 148; ++step) {
    EXPECT_THAT(simulator.Step(none), testing::IsOk());
    simulator.GetState(absl::MakeSpan(state));
    if (!bounced && state[9] > 0) bounced = true;  // vz turned upward
    if (bounced) highest = std::max(highest, state[2]);
    if (bounced && state[9] < 0) break;  // past the apex
  }
  EXPECT_TRUE(bounced);
  return highest;
}

TEST(TossPhysicsTest, StifferLessDampedGroundBouncesHigher) {
  const double soft = ReboundHeight(1000, 100);
  const double stiff = ReboundHeight(10000, 10);
  EXPECT_GT(stiff, soft + 0.002) << "soft " << soft << ", stiff " << stiff;
  EXPECT_GT(stiff, kHalfEdge + 0.005);  // it really leaves the ground
}

}  // namespace
}  // namespace wm::sim
