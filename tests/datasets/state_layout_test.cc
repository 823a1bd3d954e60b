#include "datasets/state_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_episodes.h"
#include "util/quaternion.h"

namespace wm::datasets {
namespace {

using ::testing::ElementsAre;
using testing::FreeAndHingeSpec;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr double kTolerance = 1e-12;

// A unit quaternion rotating by `angle` about the unit axis (x, y, z).
void AxisAngle(double x, double y, double z, double angle, double* out) {
  out[0] = std::cos(angle / 2);
  out[1] = x * std::sin(angle / 2);
  out[2] = y * std::sin(angle / 2);
  out[3] = z * std::sin(angle / 2);
}

TEST(StateLayoutTest, ValidSpecsPass) {
  EXPECT_THAT(ValidateStateSpec(FreeAndHingeSpec()), IsOk());
  v1::StateSpec plain;
  plain.set_nq(3);
  plain.set_nv(3);
  EXPECT_THAT(ValidateStateSpec(plain), IsOk());
}

TEST(StateLayoutTest, InconsistentSpecsAreInvalidArgument) {
  v1::StateSpec spec = FreeAndHingeSpec();
  spec.mutable_joints(0)->set_quaternion_offset(0);
  EXPECT_THAT(ValidateStateSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("joint 'box': quaternion_offset")));
  spec = FreeAndHingeSpec();
  spec.mutable_joints(1)->set_qpos_offset(6);  // overlaps the free joint
  EXPECT_THAT(ValidateStateSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("joint 'arm': qpos_offset 6")));
  spec = FreeAndHingeSpec();
  spec.set_nv(8);  // qvel[7] unclaimed
  EXPECT_THAT(
      ValidateStateSpec(spec),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("qvel[7]")));
  spec = FreeAndHingeSpec();
  spec.mutable_joints(1)->set_type(v1::Joint::TYPE_UNSPECIFIED);
  EXPECT_THAT(ValidateStateSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("type")));
  EXPECT_THAT(ValidateStateSpec(v1::StateSpec()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StateLayoutTest, QuaternionEntriesOfFreeAndBallJoints) {
  EXPECT_THAT(QuaternionQposIndices(FreeAndHingeSpec()),
              ElementsAre(3, 4, 5, 6));
  v1::StateSpec spec;
  spec.set_nq(5);
  spec.set_nv(4);
  v1::Joint* hinge = spec.add_joints();
  hinge->set_type(v1::Joint::HINGE);
  hinge->set_quaternion_offset(-1);
  v1::Joint* ball = spec.add_joints();
  ball->set_type(v1::Joint::BALL);
  ball->set_qpos_offset(1);
  ball->set_qvel_offset(1);
  ball->set_quaternion_offset(1);
  ASSERT_THAT(ValidateStateSpec(spec), IsOk());
  EXPECT_THAT(QuaternionQposMask(spec),
              ElementsAre(false, true, true, true, true));
}

TEST(StateLayoutTest, FreeJointDeltaAgainstAKnownRotation) {
  const v1::StateSpec spec = FreeAndHingeSpec();
  // a: at (1, 2, 3), turned 90 degrees about world z; hinge at 0.5.
  std::vector<double> a(15, 0.0), b(15, 0.0);
  a[0] = 1.0, a[1] = 2.0, a[2] = 3.0;
  AxisAngle(0, 0, 1, M_PI / 2, &a[3]);
  a[7] = 0.5;
  // b: moved by (0.5, -1, 0.25), then turned 0.2 rad about its own x axis,
  // which after the 90-degree turn is world y: the body-frame difference is
  // (0.2, 0, 0), not the world-frame (0, 0.2, 0).
  b[0] = 1.5, b[1] = 1.0, b[2] = 3.25;
  double about_y[4];
  AxisAngle(0, 1, 0, 0.2, about_y);
  QuatMultiply(about_y, &a[3], &b[3]);
  b[7] = 0.25;
  for (int i = 0; i < 7; ++i) {
    a[8 + i] = i;
    b[8 + i] = 2.0 * i + 1.0;
  }
  std::vector<double> delta(14);
  TangentDelta(spec, a.data(), b.data(), delta.data());
  const double expected[14] = {0.5, -1.0, 0.25, 0.2, 0.0, 0.0, -0.25,
                               1.0, 2.0,  3.0,  4.0, 5.0, 6.0, 7.0};
  for (int i = 0; i < 14; ++i) {
    EXPECT_NEAR(delta[i], expected[i], kTolerance) << "delta[" << i << "]";
  }
}

TEST(StateLayoutTest, DeltaTakesTheShortestPathForNegatedQuaternions) {
  const v1::StateSpec spec = FreeAndHingeSpec();
  std::vector<double> a(15, 0.0), b(15, 0.0);
  AxisAngle(0, 0, 1, 0.1, &a[3]);
  AxisAngle(0, 0, 1, 0.4, &b[3]);
  for (int i = 3; i < 7; ++i) b[i] = -b[i];  // same orientation
  std::vector<double> delta(14);
  TangentDelta(spec, a.data(), b.data(), delta.data());
  EXPECT_NEAR(delta[5], 0.3, kTolerance);
}

TEST(StateLayoutTest, IntegrateInvertsDelta) {
  const v1::StateSpec spec = FreeAndHingeSpec();
  std::vector<double> a(15), b(15);
  for (int i = 0; i < 15; ++i) {
    a[i] = 0.1 * i - 0.4;
    b[i] = 0.3 - 0.07 * i * i;
  }
  QuatNormalize(&a[3]);
  QuatNormalize(&b[3]);
  std::vector<double> delta(14), back(15);
  TangentDelta(spec, a.data(), b.data(), delta.data());
  TangentIntegrate(spec, a.data(), delta.data(), back.data());
  const double sign = back[3] * b[3] >= 0 ? 1.0 : -1.0;
  for (int i = 0; i < 15; ++i) {
    const double expected = (i >= 3 && i < 7) ? sign * b[i] : b[i];
    EXPECT_NEAR(back[i], expected, 1e-12) << "entry " << i;
  }
}

TEST(StateLayoutTest, JointlessSpecIsPlainDifference) {
  v1::StateSpec spec;
  spec.set_nq(2);
  spec.set_nv(2);
  const double a[4] = {1, 2, 3, 4}, b[4] = {2, 0, 3, 10};
  double delta[4];
  TangentDelta(spec, a, b, delta);
  EXPECT_THAT(delta, ElementsAre(1, -2, 0, 6));
}

}  // namespace
}  // namespace wm::datasets
