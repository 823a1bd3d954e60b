#include "worldmodel/eval/constant_velocity_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_datasets.h"
#include "util/quaternion.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr double kDt = 0.01;
constexpr double kDoubleTolerance = 1e-9;
constexpr double kFloatTolerance = 2e-6;

// AllJointsSpec: nq 13, nv 11; a state with the free body spinning at a
// constant body rate and every other joint moving.
std::vector<double> MovingState() {
  std::vector<double> state(24, 0.0);
  const double tilt[3] = {0.3, -0.2, 0.5};
  state[0] = 1.0;
  state[1] = -2.0;
  state[2] = 0.5;
  RotationVectorToQuat(tilt, &state[3]);
  state[7] = 1.0;  // ball joint at identity
  state[11] = 0.2;
  state[12] = -0.1;
  const double velocity[11] = {0.5,  -1.0, 2.0,  // free linear (world)
                               3.0,  -1.5, 0.7,  // free angular (body)
                               0.0,  0.0,  2.0,  // ball angular (body)
                               1.5,              // hinge
                               -0.25};           // slide
  for (int i = 0; i < 11; ++i) state[13 + i] = velocity[i];
  return state;
}

TEST(ConstantVelocityModelTest, SpinMatchesTheClosedFormRotation) {
  const v1::StateSpec spec = testing::AllJointsSpec();
  const std::vector<double> start = MovingState();
  std::vector<double> state = start;
  constexpr int kSteps = 100;
  for (int t = 0; t < kSteps; ++t) {
    ConstantVelocityModel::Step(spec, kDt, state.data(), state.data());
  }
  // q(N dt) = q0 * exp(omega_body * N dt).
  const double* omega = &start[13 + 3];
  const double rotation[3] = {omega[0] * kSteps * kDt, omega[1] * kSteps * kDt,
                              omega[2] * kSteps * kDt};
  double increment[4], expected[4], error[3];
  RotationVectorToQuat(rotation, increment);
  QuatMultiply(&start[3], increment, expected);
  QuatDifference(expected, &state[3], error);
  EXPECT_LT(std::sqrt(error[0] * error[0] + error[1] * error[1] +
                      error[2] * error[2]),
            kDoubleTolerance);
  // Positions follow the velocities; velocities stay.
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(state[i], start[i] + start[13 + i] * kSteps * kDt,
                kDoubleTolerance);
  }
  EXPECT_NEAR(state[11], 0.2 + 1.5 * kSteps * kDt, kDoubleTolerance);
  EXPECT_NEAR(state[12], -0.1 - 0.25 * kSteps * kDt, kDoubleTolerance);
  const double ball_rotation[3] = {0, 0, 2.0 * kSteps * kDt};
  double ball_expected[4];
  RotationVectorToQuat(ball_rotation, ball_expected);
  QuatDifference(ball_expected, &state[7], error);
  EXPECT_LT(std::abs(error[2]), kDoubleTolerance);
  for (int i = 13; i < 24; ++i) EXPECT_EQ(state[i], start[i]);
}

TEST(ConstantVelocityModelTest, RolloutKeepsDoublePrecisionBetweenSteps) {
  const v1::StateSpec spec = testing::AllJointsSpec();
  auto model = *ConstantVelocityModel::Create(spec, kDt);
  EXPECT_EQ(model->kind(), "constant_velocity");
  EXPECT_TRUE(model->parameters().empty());
  const std::vector<double> start = MovingState();
  Tensor initial;
  initial.shape = {1, 24};
  initial.data.assign(start.begin(), start.end());
  auto trajectory =
      model->Rollout(initial, Tensor::Filled({2, 100, 1}, 3.0f), Context());
  ASSERT_THAT(trajectory, IsOk());
  ASSERT_EQ(trajectory->mean.shape, (std::vector<int64_t>{2, 101, 24}));
  std::vector<double> state(initial.data.begin(), initial.data.end());
  for (int t = 1; t <= 100; ++t) {
    ConstantVelocityModel::Step(spec, kDt, state.data(), state.data());
    for (int i = 0; i < 24; ++i) {
      EXPECT_NEAR(trajectory->mean.data[(101 + t) * 24 + i], state[i],
                  kFloatTolerance);
    }
  }
  for (float value : trajectory->epistemic_std.data) EXPECT_EQ(value, 0.0f);

  auto prediction = model->Predict(initial, Tensor::Filled({1, 1}), Context());
  ASSERT_THAT(prediction, IsOk());
  std::vector<double> next(initial.data.begin(), initial.data.end());
  ConstantVelocityModel::Step(spec, kDt, next.data(), next.data());
  for (int i = 0; i < 24; ++i) {
    EXPECT_NEAR(prediction->mean.data[i], next[i], kFloatTolerance);
  }
  EXPECT_EQ(prediction->aleatoric_std.shape, (std::vector<int64_t>{1, 22}));
}

TEST(ConstantVelocityModelTest, RefusesWhatItCannotDo) {
  const v1::StateSpec spec = testing::AllJointsSpec();
  auto model = *ConstantVelocityModel::Create(spec, kDt);
  Context parameters;
  parameters.parameters = Tensor::Filled({1, 2}, 1.0f);
  EXPECT_THAT(model->Predict(Tensor::Filled({1, 24}), Tensor::Filled({1, 1}),
                             parameters),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(model->InferParameters(Context()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(
      model->Predict(Tensor::Filled({1, 23}), Tensor::Filled({1, 1}),
                     Context()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("states")));
  EXPECT_THAT(ConstantVelocityModel::Create(spec, 0.0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dt")));
  v1::StateSpec bad = spec;
  bad.set_nq(12);
  EXPECT_THAT(ConstantVelocityModel::Create(bad, kDt),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wm::worldmodel
