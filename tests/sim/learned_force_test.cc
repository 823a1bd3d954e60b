#include "sim/learned_force.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "sim/scene_library.h"
#include "sim/simulator.h"
#include "tests/testing/status_matchers.h"
#include "util/logging.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

std::shared_ptr<const Scene> BuiltinScene(const std::string& name) {
  absl::StatusOr<v1::SceneConfig> config = LoadSceneConfig(name);
  CHECK(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const Scene>> scene = Scene::Create(*config);
  CHECK(scene.ok()) << scene.status();
  return *scene;
}

// A "joints" force with one hidden unit whose output biases are `bias`:
// a constant 0.1 * bias N m on each joint.
v1::LearnedForce ConstantJointTorque(const mjModel& model, double bias) {
  v1::LearnedForce force;
  force.set_features("joints");
  force.set_hidden(1);
  const int count = *LearnedForceLaw::NumWeights("joints", 1, model);
  for (int i = 0; i < count; ++i) {
    force.add_weights(i >= count - model.njnt ? bias : 0.0);
  }
  return force;
}

// Runs `steps` steps of the double pendulum from a fixed state.
std::vector<double> RunPendulum(std::shared_ptr<const LearnedForceLaw> law,
                                std::vector<double> action, int steps) {
  Simulator simulator(BuiltinScene("double_pendulum"));
  simulator.SetForceLaw(std::move(law));
  CHECK(simulator.SetParameters(simulator.scene().NominalParameters()).ok());
  CHECK(simulator.SetState({0.4, -0.3, 0.5, 1.0}).ok());
  for (int t = 0; t < steps; ++t) CHECK(simulator.Step(action).ok());
  std::vector<double> state(4);
  simulator.GetState(absl::MakeSpan(state));
  return state;
}

// The joint torque is the generalised force a motor of gear 1 applies: a
// learned constant torque of 1 N m equals the action 1 N m, bit for bit.
TEST(LearnedForceTest, JointTorqueActsLikeAMotor) {
  std::shared_ptr<const Scene> scene = BuiltinScene("double_pendulum");
  auto law = LearnedForceLaw::Create(ConstantJointTorque(scene->model(), 10.0),
                                     scene->model());
  ASSERT_THAT(law, IsOk());
  const std::vector<double> motor = RunPendulum(nullptr, {1.0, 1.0}, 200);
  const std::vector<double> learned = RunPendulum(*law, {0.0, 0.0}, 200);
  const std::vector<double> free = RunPendulum(nullptr, {0.0, 0.0}, 200);
  EXPECT_EQ(learned, motor);
  EXPECT_GT(std::abs(free[0] - motor[0]), 1e-3);  // the torque matters
}

// Zero output weights are the plain simulation, bit for bit.
TEST(LearnedForceTest, ZeroOutputIsThePlainSimulation) {
  std::shared_ptr<const Scene> scene = BuiltinScene("double_pendulum");
  v1::LearnedForce force = ConstantJointTorque(scene->model(), 0.0);
  for (int i = 0; i < 6; ++i) force.set_weights(i, 0.7 * (i + 1));  // W1, b1
  auto law = LearnedForceLaw::Create(force, scene->model());
  ASSERT_THAT(law, IsOk());
  EXPECT_EQ(RunPendulum(*law, {0.2, -0.1}, 100),
            RunPendulum(nullptr, {0.2, -0.1}, 100));
}

// The box corners' generalised force is what MuJoCo's own mj_applyFT makes
// of the corner forces (the free joint's Jacobian transpose), within 1e-7
// relative (MuJoCo's frames come from the normalised quaternion).
TEST(LearnedForceTest, BoxCornerForcesMatchMujocosApplyFT) {
  std::shared_ptr<const Scene> scene = BuiltinScene("toss");
  const mjModel& model = scene->model();
  const double half = 0.0524;
  const int hidden = 2;
  const int count = *LearnedForceLaw::NumWeights("box_corners", hidden, model);
  v1::LearnedForce force;
  force.set_features("box_corners");
  force.set_half_width(half);
  force.set_hidden(hidden);
  for (int i = 0; i < count; ++i) force.add_weights(0.0);
  const double o_n = 0.8, o_t = -0.3;
  force.set_weights(count - 4, o_n);  // b2: normal, tangential
  force.set_weights(count - 3, o_t);
  force.set_weights(count - 2, 6.0);  // gate centre 3 cm above the floor
  auto law = LearnedForceLaw::Create(force, model);
  ASSERT_THAT(law, IsOk());

  Simulator simulator(scene);
  ASSERT_THAT(simulator.SetParameters(scene->NominalParameters()), IsOk());
  // Tilted, low, moving and spinning: corners at several heights.
  const double s = std::sin(0.3), c = std::cos(0.3);
  ASSERT_THAT(simulator.SetState({0.1, 0.0, 0.07, c, s * 0.6, s * 0.8, 0.0, 0.4,
                                  -0.2, -0.5, 3.0, -2.0, 1.0}),
              IsOk());
  mjData* data = const_cast<mjData*>(&simulator.data());
  (*law)->Apply(model, data);
  const std::vector<double> applied(data->qfrc_applied,
                                    data->qfrc_applied + model.nv);

  std::vector<double> expected(model.nv, 0.0);
  const int body = model.jnt_bodyid[0];
  const double mass = model.body_mass[body];
  for (int corner = 0; corner < 8; ++corner) {
    const double local[3] = {corner & 1 ? half : -half,
                             corner & 2 ? half : -half,
                             corner & 4 ? half : -half};
    double point[3], velocity[6];
    mju_mulMatVec(point, data->xmat + 9 * body, local, 3, 3);
    mju_addTo3(point, data->xpos + 3 * body);
    // Corner velocity from MuJoCo's own kinematics ([angular; linear]).
    mj_objectVelocity(&model, data, mjOBJ_XBODY, body, velocity, 0);
    double arm[3], spin[3];
    mju_sub3(arm, point, data->xpos + 3 * body);
    mju_cross(spin, velocity, arm);
    double v[3];
    mju_add3(v, velocity + 3, spin);
    const double gate =
        1.0 / (1.0 + std::exp(-(0.005 * 6.0 - point[2]) / 0.002));
    const double slip = std::hypot(v[0], v[1]);
    const double along = o_t / std::sqrt(slip * slip + 1e-4);
    double f[3] = {mass * 9.81 * gate * along * v[0],
                   mass * 9.81 * gate * along * v[1], mass * 9.81 * gate * o_n};
    double torque[3] = {0, 0, 0};
    mj_applyFT(&model, data, f, torque, point, body, expected.data());
  }
  double largest = 0;
  for (int i = 0; i < model.nv; ++i) {
    EXPECT_NEAR(applied[i], expected[i],
                1e-7 * std::max(1.0, std::abs(expected[i])))
        << "dof " << i;
    largest = std::max(largest, std::abs(expected[i]));
  }
  EXPECT_GT(largest, 0.1);  // some corners are gated in
}

TEST(LearnedForceTest, RefusesWhatDoesNotFit) {
  std::shared_ptr<const Scene> toss = BuiltinScene("toss");
  std::shared_ptr<const Scene> pendulum = BuiltinScene("double_pendulum");
  EXPECT_THAT(LearnedForceLaw::NumWeights("joints", 4, toss->model()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("hinge joints only")));
  EXPECT_THAT(
      LearnedForceLaw::NumWeights("box_corners", 4, pendulum->model()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("free joint")));
  EXPECT_THAT(LearnedForceLaw::NumWeights("corners", 4, toss->model()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'corners' are unknown")));
  v1::LearnedForce force = ConstantJointTorque(pendulum->model(), 1.0);
  force.add_weights(0.0);
  EXPECT_THAT(
      LearnedForceLaw::Create(force, pendulum->model()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected")));
  force = ConstantJointTorque(pendulum->model(), NAN);
  EXPECT_THAT(
      LearnedForceLaw::Create(force, pendulum->model()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not finite")));
}

}  // namespace
}  // namespace wm::sim
