#include "sim/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::StatusIs;

// The push scene's approach policy without noise, aiming within `radius`.
v1::PolicyConfig Approach(double radius) {
  v1::PolicyConfig config;
  v1::ApproachPolicy* approach = config.mutable_approach();
  approach->set_mover_body("pusher");
  approach->set_target_body("box");
  approach->add_actuators("vx");
  approach->add_actuators("vy");
  approach->set_speed(0.2);
  approach->set_aim_radius(radius);
  approach->set_aim_seconds(1.0);
  return config;
}

// Angle (rad) between the first action of an episode and the direction
// from the pusher (0.5 m along x) to the box's centre (the origin).
std::vector<double> FirstActionAngles(double radius, int episodes) {
  auto scene = *LoadScene("push");
  const mjModel& model = scene->model();
  mjData* data = mj_makeData(&model);
  data->qpos[7] = 0.5;  // pusher_x; the box rests at the origin
  mj_forward(&model, data);
  auto policy = *CreatePolicy(Approach(radius), *scene);
  Rng rng(7);
  std::vector<double> angles;
  std::vector<double> ctrl(model.nu);
  for (int e = 0; e < episodes; ++e) {
    policy->Reset(&rng);
    policy->Act(model, *data, &rng, absl::MakeSpan(ctrl));
    EXPECT_NEAR(std::hypot(ctrl[0], ctrl[1]), 0.2, 1e-9);
    angles.push_back(std::atan2(ctrl[1], -ctrl[0]));
  }
  mj_deleteData(data);
  return angles;
}

TEST(PolicyTest, ApproachAimsWithinItsRadiusOfTheTarget) {
  for (double angle : FirstActionAngles(0.0, 3)) EXPECT_NEAR(angle, 0, 1e-9);
  // From 0.5 m, an aim within 0.1 m of the centre is within asin(0.2).
  const std::vector<double> angles = FirstActionAngles(0.1, 40);
  double spread = 0;
  for (double angle : angles) {
    EXPECT_LE(std::abs(angle), std::asin(0.2) + 1e-9);
    spread = std::max(spread, std::abs(angle));
  }
  EXPECT_GT(spread, 0.5 * std::asin(0.2)) << "aims should vary by episode";
}

TEST(PolicyTest, NegativeAimRadiusIsRefused) {
  auto scene = *LoadScene("push");
  EXPECT_THAT(
      CreatePolicy(Approach(-0.1), *scene),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("aim_radius")));
}

}  // namespace
}  // namespace wm::sim
