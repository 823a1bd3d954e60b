#include "util/quaternion.h"

#include <gtest/gtest.h>

#include <cmath>

namespace wm {
namespace {

constexpr double kTolerance = 1e-12;
constexpr double kPi = 3.14159265358979323846;

void ExpectQuatNear(const double actual[4], const double expected[4],
                    double tolerance) {
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "entry " << i;
  }
}

void ExpectVec3Near(const double actual[3], const double expected[3],
                    double tolerance) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "entry " << i;
  }
}

// Rotation by `angle` radians about the unit axis (x, y, z).
void AxisAngle(double x, double y, double z, double angle, double out[4]) {
  out[0] = std::cos(angle / 2);
  out[1] = x * std::sin(angle / 2);
  out[2] = y * std::sin(angle / 2);
  out[3] = z * std::sin(angle / 2);
}

TEST(QuaternionTest, MultiplyComposesRotations) {
  double about_z[4], about_x[4], product[4];
  AxisAngle(0, 0, 1, kPi / 2, about_z);
  AxisAngle(1, 0, 0, kPi / 2, about_x);
  // Rotate x-hat by about_x (unchanged), then by about_z: y-hat.
  QuatMultiply(about_z, about_x, product);
  const double x_hat[3] = {1, 0, 0};
  double rotated[3];
  QuatRotate(product, x_hat, rotated);
  const double y_hat[3] = {0, 1, 0};
  ExpectVec3Near(rotated, y_hat, kTolerance);
  // The other order sends x-hat to y-hat first, then about x to z-hat.
  QuatMultiply(about_x, about_z, product);
  QuatRotate(product, x_hat, rotated);
  const double z_hat[3] = {0, 0, 1};
  ExpectVec3Near(rotated, z_hat, kTolerance);
}

TEST(QuaternionTest, MultiplyByConjugateIsIdentityAndOutputMayAlias) {
  double q[4] = {0.5, -0.3, 0.7, 0.1};
  QuatNormalize(q);
  double inverse[4];
  QuatConjugate(q, inverse);
  QuatMultiply(q, inverse, inverse);  // aliasing the output with an input
  const double identity[4] = {1, 0, 0, 0};
  ExpectQuatNear(inverse, identity, kTolerance);
}

TEST(QuaternionTest, NormaliseReturnsNormAndMapsZeroToIdentity) {
  double q[4] = {0, 3, 0, 4};
  EXPECT_NEAR(QuatNormalize(q), 5.0, kTolerance);
  const double expected[4] = {0, 0.6, 0, 0.8};
  ExpectQuatNear(q, expected, kTolerance);
  double zero[4] = {0, 0, 0, 0};
  QuatNormalize(zero);
  const double identity[4] = {1, 0, 0, 0};
  ExpectQuatNear(zero, identity, 0.0);
}

TEST(QuaternionTest, LogOfKnownRotationIsAxisTimesAngle) {
  double q[4];
  const double s = 1 / std::sqrt(3.0);
  AxisAngle(s, s, s, 1.2, q);
  double r[3];
  QuatToRotationVector(q, r);
  const double expected[3] = {1.2 * s, 1.2 * s, 1.2 * s};
  ExpectVec3Near(r, expected, kTolerance);
}

TEST(QuaternionTest, LogTakesTheShortestPath) {
  // 1.5 pi about z is -0.5 pi about z; q and -q give the same vector.
  double q[4];
  AxisAngle(0, 0, 1, 1.5 * kPi, q);
  ASSERT_LT(q[0], 0.0);
  double r[3];
  QuatToRotationVector(q, r);
  const double expected[3] = {0, 0, -0.5 * kPi};
  ExpectVec3Near(r, expected, kTolerance);
  const double negated[4] = {-q[0], -q[1], -q[2], -q[3]};
  QuatToRotationVector(negated, r);
  ExpectVec3Near(r, expected, kTolerance);
}

TEST(QuaternionTest, ExpInvertsLogIncludingTinyAngles) {
  for (double angle : {0.0, 1e-14, 1e-7, 0.3, 2.0, 3.1}) {
    const double r[3] = {0.6 * angle, -0.8 * angle, 0.0};
    double q[4];
    RotationVectorToQuat(r, q);
    EXPECT_NEAR(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3], 1.0,
                kTolerance);
    double back[3];
    QuatToRotationVector(q, back);
    ExpectVec3Near(back, r, 1e-10);
  }
}

TEST(QuaternionTest, DifferenceIsBodyFrame) {
  double q1[4];
  AxisAngle(0, 0, 1, kPi / 2, q1);
  const double r[3] = {0.1, -0.2, 0.05};
  double step[4], q2[4];
  RotationVectorToQuat(r, step);
  QuatMultiply(q1, step, q2);  // q2 = q1 * exp(r): body frame
  double difference[3];
  QuatDifference(q1, q2, difference);
  ExpectVec3Near(difference, r, 1e-12);

  // A world-frame step exp(r) * q1 differs by the rotation q1 in between:
  // its body-frame difference is q1^-1 r.
  double world_q2[4];
  QuatMultiply(step, q1, world_q2);
  QuatDifference(q1, world_q2, difference);
  double inverse[4], expected[3];
  QuatConjugate(q1, inverse);
  QuatRotate(inverse, r, expected);
  ExpectVec3Near(difference, expected, 1e-12);
}

TEST(QuaternionTest, IntegrateInvertsDifference) {
  double q1[4] = {0.9, 0.1, -0.3, 0.2}, q2[4] = {-0.2, 0.7, 0.4, -0.5};
  QuatNormalize(q1);
  QuatNormalize(q2);
  double difference[3], back[4];
  QuatDifference(q1, q2, difference);
  QuatIntegrate(q1, difference, back);
  // Equal up to sign.
  const double sign = back[0] * q2[0] >= 0 ? 1.0 : -1.0;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(sign * back[i], q2[i], 1e-12);
}

TEST(QuaternionTest, SlerpRotatesAtAConstantRateOnTheShortestPath) {
  const double identity[4] = {1, 0, 0, 0};
  // 90 degrees about z, given with the sign that is the long way round.
  const double quarter[4] = {-std::cos(kPi / 4), 0, 0, -std::sin(kPi / 4)};
  double out[4];
  QuatSlerp(identity, quarter, 0.5, out);
  EXPECT_NEAR(out[0], std::cos(kPi / 8), kTolerance);
  EXPECT_NEAR(out[3], std::sin(kPi / 8), kTolerance);
  QuatSlerp(identity, quarter, 0.0, out);
  EXPECT_NEAR(out[0], 1.0, kTolerance);
  EXPECT_NEAR(out[3], 0.0, kTolerance);
}
}  // namespace
}  // namespace wm
