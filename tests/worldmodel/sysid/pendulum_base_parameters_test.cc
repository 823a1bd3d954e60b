#include "worldmodel/sysid/pendulum_base_parameters.h"

#include <map>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scene_library.h"
#include "sim/simulator.h"
#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::wm::testing::StatusIs;

constexpr double kTolerance = 1e-12;

std::map<std::string, double> ByName(const std::vector<BaseParameter>& list) {
  std::map<std::string, double> values;
  for (const BaseParameter& parameter : list) {
    values[parameter.name] = parameter.value;
  }
  return values;
}

// The nominal double_pendulum: m1 = m2 = 0.6 kg, l1 = 0.2 m, r1 = 0.2 m,
// r2 = 0.25 m, I1 = 0.004, I2 = 0.005 kg m^2 (about y), armature 0.002,
// damping 0.02, frictionloss 0.05 on both joints.
TEST(PendulumBaseParametersTest, NominalDoublePendulumByHand) {
  auto scene = sim::LoadScene("double_pendulum");
  ASSERT_TRUE(scene.ok()) << scene.status();
  auto base = DoublePendulumBaseParameters((*scene)->model());
  ASSERT_TRUE(base.ok()) << base.status();
  auto values = ByName(*base);
  ASSERT_EQ(values.size(), 9u);
  // 0.004 + 0.6 * 0.2^2 + 0.6 * 0.2^2 + 0.002
  EXPECT_NEAR(values["shoulder/inertia"], 0.054, kTolerance);
  // 0.005 + 0.6 * 0.25^2 + 0.002
  EXPECT_NEAR(values["elbow/inertia"], 0.0445, kTolerance);
  EXPECT_NEAR(values["shoulder/gravity_moment"], 0.24, kTolerance);
  EXPECT_NEAR(values["elbow/gravity_moment"], 0.15, kTolerance);
  EXPECT_NEAR(values["coupling"], 0.03, kTolerance);  // 0.6 * 0.25 * 0.2
  EXPECT_NEAR(values["shoulder/damping"], 0.02, kTolerance);
  EXPECT_NEAR(values["elbow/frictionloss"], 0.05, kTolerance);
}

// Randomised parameters written through the simulator: a mass scales the
// body's inertia, then inertia_y is set.
TEST(PendulumBaseParametersTest, WrittenParametersByHand) {
  auto scene = sim::LoadScene("double_pendulum");
  ASSERT_TRUE(scene.ok());
  sim::Simulator simulator(*scene);
  // upper/mass, lower/mass, upper/com_z, lower/com_z, upper/inertia_y,
  // lower/inertia_y, shoulder/damping, elbow/damping,
  // shoulder/frictionloss, elbow/frictionloss, shoulder/armature,
  // elbow/armature.
  ASSERT_TRUE(simulator
                  .SetParameters({0.5, 0.8, -0.15, -0.2, 0.003, 0.006, 0.04,
                                  0.03, 0.1, 0.07, 0.005, 0.001})
                  .ok());
  auto values = ByName(*DoublePendulumBaseParameters(simulator.model()));
  // 0.003 + 0.5 * 0.15^2 + 0.8 * 0.2^2 + 0.005 = 0.05125
  EXPECT_NEAR(values["shoulder/inertia"], 0.05125, kTolerance);
  // 0.006 + 0.8 * 0.2^2 + 0.001 = 0.039
  EXPECT_NEAR(values["elbow/inertia"], 0.039, kTolerance);
  // 0.5 * 0.15 + 0.8 * 0.2 = 0.235
  EXPECT_NEAR(values["shoulder/gravity_moment"], 0.235, kTolerance);
  EXPECT_NEAR(values["elbow/gravity_moment"], 0.16, kTolerance);
  EXPECT_NEAR(values["coupling"], 0.032, kTolerance);  // 0.8 * 0.2 * 0.2
  EXPECT_NEAR(values["elbow/damping"], 0.03, kTolerance);
  EXPECT_NEAR(values["shoulder/frictionloss"], 0.1, kTolerance);
}

TEST(PendulumBaseParametersTest, OtherModelsAreRefused) {
  auto scene = sim::LoadScene("slide");
  ASSERT_TRUE(scene.ok());
  EXPECT_THAT(DoublePendulumBaseParameters((*scene)->model()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wm::worldmodel
