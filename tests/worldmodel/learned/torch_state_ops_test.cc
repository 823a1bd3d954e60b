#include "worldmodel/learned/torch_state_ops.h"

#include <gtest/gtest.h>

#include <cmath>

namespace wm::worldmodel {
namespace {

constexpr double kRotationTolerance = 1e-5;  // rad, after 100 float32 steps

// A single free body: nq 7, nv 6, no actuators.
v1::StateSpec FreeBodySpec() {
  v1::StateSpec spec;
  spec.set_nq(7);
  spec.set_nv(6);
  v1::Joint* joint = spec.add_joints();
  joint->set_name("body");
  joint->set_type(v1::Joint::FREE);
  joint->set_quaternion_offset(3);
  return spec;
}

// `rows` random free-body states [rows, 13] with unit quaternions.
torch::Tensor RandomFreeBodyStates(int64_t rows) {
  torch::Tensor state = torch::randn({rows, 13});
  auto q = state.narrow(1, 3, 4);
  q.copy_(q / q.norm(2, 1, true));
  return state;
}

// A free box (qpos 0-6, qvel 0-5) and a pusher on two world slide joints
// (qpos 7-8, qvel 6-7) whose origin is (0, 0, 0.05), as in the push scene.
v1::StateSpec BoxAndPusherSpec() {
  v1::StateSpec spec = FreeBodySpec();
  spec.set_nq(9);
  spec.set_nv(8);
  for (int axis = 0; axis < 2; ++axis) {
    v1::Joint* joint = spec.add_joints();
    joint->set_type(v1::Joint::SLIDE);
    joint->set_qpos_offset(7 + axis);
    joint->set_qvel_offset(6 + axis);
    joint->set_quaternion_offset(-1);
    joint->set_body("pusher");
    for (int i = 0; i < 3; ++i) {
      joint->add_world_axis(i == axis ? 1.0 : 0.0);
      joint->add_body_origin(i == 2 ? 0.05 : 0.0);
    }
  }
  return spec;
}

// State stds of 1, so the features are in metres and m/s.
TEST(TorchStateOpsTest, GeometryFeaturesAreInTheFreeBodysFrame) {
  const v1::StateSpec spec = BoxAndPusherSpec();
  StateOps ops(spec, v1::NormalizationStats(), 0.05, 25);
  ASSERT_EQ(ops.features().num_geometry_features(), 12);
  // Box at (1, 2, 0.05) turned 90 degrees about z, moving along world +x;
  // pusher at world (1.2, 2) moving along world +y.
  const double h = std::sqrt(0.5);
  std::vector<float> state = {1,   2, 0.05, h, 0, 0, h, 1.2, 2,
                              0.3, 0, 0,    0, 0, 0, 0, 0.4};
  auto features =
      ops.features().Geometry(torch::tensor(state).unsqueeze(0)).squeeze(0);
  // Body frame: world +x is body -y, world +y is body +x.
  const std::vector<float> expected = {0,   0,    1,   // up
                                       0,   -0.3, 0,   // own velocity
                                       0,   -0.2, 0,   // pusher position
                                       0.4, 0.3,  0};  // pusher velocity
  for (int i = 0; i < 12; ++i) {
    EXPECT_NEAR(features[i].item<float>(), expected[i], 1e-6) << i;
  }
  // Without free joints there are no geometry features.
  v1::StateSpec hinge;
  hinge.set_nq(1);
  hinge.set_nv(1);
  v1::Joint* joint = hinge.add_joints();
  joint->set_type(v1::Joint::HINGE);
  joint->set_quaternion_offset(-1);
  StateOps hinge_ops(hinge, v1::NormalizationStats(), 0.01, 1);
  EXPECT_EQ(hinge_ops.features().num_geometry_features(), 0);
  EXPECT_EQ(hinge_ops.features().Geometry(torch::zeros({3, 2})).size(1), 0);
}

TEST(TorchStateOpsTest, HorizontalInvarianceHidesOnlyWorldHorizontalPositions) {
  const v1::StateSpec spec = BoxAndPusherSpec();
  StateOps invariant(spec, v1::NormalizationStats(), 0.05, 25, {}, true);
  StateOps plain(spec, v1::NormalizationStats(), 0.05, 25);
  torch::manual_seed(3);
  auto box = RandomFreeBodyStates(4);
  auto states = torch::cat({box.narrow(1, 0, 7), torch::randn({4, 2}),
                            box.narrow(1, 7, 6), torch::randn({4, 2})},
                           1);
  // Box and pusher moved together across the floor.
  auto moved = states.clone();
  for (int x : {0, 7}) moved.select(1, x).add_(0.7);
  for (int y : {1, 8}) moved.select(1, y).add_(-0.4);
  EXPECT_TRUE(torch::equal(invariant.features().State(states),
                           invariant.features().State(moved)));
  EXPECT_TRUE(torch::allclose(invariant.features().Geometry(states),
                              invariant.features().Geometry(moved), 1e-5,
                              1e-5));
  // The world-frame view of the pusher follows the body-frame one: for the
  // box at (1, 2) turned 90 degrees, moving along world +x, and the pusher
  // at world (1.2, 2) moving along world +y, its position and velocity
  // relative to the box.
  ASSERT_EQ(invariant.features().num_geometry_features(),
            plain.features().num_geometry_features() + 6);
  const double h = std::sqrt(0.5);
  std::vector<float> state = {1,   2, 0.05, h, 0, 0, h, 1.2, 2,
                              0.3, 0, 0,    0, 0, 0, 0, 0.4};
  auto world = invariant.features()
                   .Geometry(torch::tensor(state).unsqueeze(0))
                   .squeeze(0)
                   .narrow(0, 12, 6);
  // Lengths saturate at 2 position stds (here 2 m): 0.2 m reads as
  // 0.2 / sqrt(1 + 0.01).
  const float near = 0.2 / std::sqrt(1.01);
  const std::vector<float> expected = {near, 0, 0, -0.3, 0.4, 0};
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(world[i].item<float>(), expected[i], 1e-6) << i;
  }
  // So a pusher 50 or 100 m away reads alike (about 2 m), where the plain
  // features tell the two apart by 50 m.
  auto pusher_at = [&](const StateOps& ops, float x) {
    std::vector<float> far = state;
    far[7] = x;
    return ops.features().Geometry(torch::tensor(far).unsqueeze(0)).squeeze(0);
  };
  EXPECT_LT((pusher_at(invariant, 51) - pusher_at(invariant, 101))
                .abs()
                .max()
                .item<float>(),
            0.01);
  EXPECT_NEAR(
      (pusher_at(plain, 51) - pusher_at(plain, 101)).abs().max().item<float>(),
      50, 1e-3);
  // Left out: box x, y and the pusher's x, y; everything else as without
  // invariance (the box's height, quaternion and all velocities).
  ASSERT_EQ(invariant.features().num_state_features(), 13);
  ASSERT_EQ(plain.features().num_state_features(), 17);
  auto kept = torch::tensor(
      std::vector<int64_t>{2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 16});
  EXPECT_TRUE(
      torch::equal(invariant.features().State(states),
                   plain.features().State(states).index_select(1, kept)));
}

TEST(TorchStateOpsTest, ConstantBodyRateMatchesClosedFormRotation) {
  const double dt = 0.01;
  StateOps ops(FreeBodySpec(), v1::NormalizationStats(), dt, 10);
  const std::vector<double> omega = {0.7, -1.1, 2.3};  // rad/s, body frame
  torch::Tensor state = torch::tensor(
      {{0.0f, 0.0f, 1.0f, 0.9238795f, 0.0f, 0.3826834f, 0.0f, 0.5f, 0.0f, 0.0f,
        float(omega[0]), float(omega[1]), float(omega[2])}});
  const torch::Tensor initial_quaternion = state.narrow(1, 3, 4).clone();
  torch::Tensor no_change = torch::zeros({1, 6});
  for (int step = 0; step < 100; ++step) {
    state = ops.integration().IntegrateVelocityChange(state, no_change);
  }
  // Closed form: q(t) = q0 * exp(omega t) for a constant body rate.
  torch::Tensor expected =
      QuatMultiply(initial_quaternion,
                   QuatExp(torch::tensor(
                       {{float(omega[0] * 100 * dt), float(omega[1] * 100 * dt),
                         float(omega[2] * 100 * dt)}})));
  torch::Tensor relative =
      QuatMultiply(expected * torch::tensor({1.0f, -1.0f, -1.0f, -1.0f}),
                   state.narrow(1, 3, 4));
  const double angle = QuatLog(relative).norm().item<double>();
  EXPECT_LT(angle, kRotationTolerance);
  // The quaternion stays unit and the position follows the velocity.
  EXPECT_NEAR(state.narrow(1, 3, 4).norm().item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(state[0][0].item<double>(), 0.5 * 100 * dt, 1e-5);
}

TEST(TorchStateOpsTest, TangentDeltaInvertsTangentIntegrate) {
  StateOps ops(FreeBodySpec(), v1::NormalizationStats(), 0.01, 1);
  torch::manual_seed(3);
  torch::Tensor state = RandomFreeBodyStates(5);
  torch::Tensor delta = 0.3 * torch::randn({5, 12});
  torch::Tensor moved = ops.integration().TangentIntegrate(state, delta);
  EXPECT_LT((ops.integration().TangentDelta(state, moved) - delta)
                .abs()
                .max()
                .item<double>(),
            1e-5);
}

TEST(TorchStateOpsTest, PositionCorrectionInvertsTheCorrectedIntegrator) {
  StateOps ops(FreeBodySpec(), v1::NormalizationStats(), 0.05, 25);
  torch::manual_seed(4);
  torch::Tensor state = RandomFreeBodyStates(5);
  torch::Tensor dv = torch::randn({5, 6});
  torch::Tensor correction = 0.2 * torch::randn({5, 6});
  torch::Tensor next =
      ops.integration().IntegrateVelocityChange(state, dv, correction);
  EXPECT_LT((ops.integration().PositionCorrection(state, next) - correction)
                .abs()
                .max()
                .item<double>(),
            1e-4);
  // Without a correction, the integrator's own step has none.
  EXPECT_LT(ops.integration()
                .PositionCorrection(
                    state, ops.integration().IntegrateVelocityChange(state, dv))
                .abs()
                .max()
                .item<double>(),
            1e-4);
}

TEST(TorchStateOpsTest, SemiImplicitPositionUpdateMatchesSubsteps) {
  // One slide joint; a constant velocity change over n substeps moves the
  // position by dt * (v + (n + 1) / (2 n) dv), as MuJoCo's Euler does.
  v1::StateSpec spec;
  spec.set_nq(1);
  spec.set_nv(1);
  auto* joint = spec.add_joints();
  joint->set_type(v1::Joint::SLIDE);
  joint->set_quaternion_offset(-1);
  const int n = 10;
  const double dt = 0.02, h = dt / n, v0 = 1.0, dv = -0.5;
  StateOps ops(spec, v1::NormalizationStats(), dt, n);
  torch::Tensor next = ops.integration().IntegrateVelocityChange(
      torch::tensor({{0.0f, float(v0)}}), torch::tensor({{float(dv)}}));
  double position = 0, velocity = v0;
  for (int k = 0; k < n; ++k) {
    velocity += dv / n;
    position += h * velocity;
  }
  EXPECT_NEAR(next[0][0].item<double>(), position, 1e-7);
  EXPECT_NEAR(next[0][1].item<double>(), v0 + dv, 1e-7);
}

}  // namespace
}  // namespace wm::worldmodel
