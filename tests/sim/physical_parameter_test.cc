#include "sim/physical_parameter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/mjcf.h"
#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr char kXml[] = R"(
<mujoco>
  <worldbody>
    <geom name="floor" type="plane" size="1 1 0.1" solref="-1000 -20"/>
    <geom name="wall" type="box" pos="2 0 0" size="0.1 0.1 0.1"/>
    <body name="box" pos="0 0 0.1">
      <joint name="slider" type="slide" axis="1 0 0" damping="0.5"/>
      <geom name="box" type="box" size="0.1 0.1 0.1" mass="2"/>
    </body>
  </worldbody>
  <contact>
    <pair name="box_floor" geom1="box" geom2="floor" friction="0.4 0.4 0.01 0.001 0.001"/>
  </contact>
</mujoco>)";

v1::ParameterRange Range(const std::string& element,
                         const std::string& quantity, double min, double max) {
  v1::ParameterRange range;
  range.set_element(element);
  range.set_quantity(quantity);
  range.set_min(min);
  range.set_max(max);
  return range;
}

class PhysicalParameterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = CompileMjcf(kXml, "test");
    ASSERT_THAT(model, IsOk());
    model_ = *std::move(model);
  }
  ModelPtr model_;
};

TEST_F(PhysicalParameterTest, MassChangeScalesInertia) {
  auto mass = ResolveParameter(*model_, Range("box", "mass", 1, 4));
  ASSERT_THAT(mass, IsOk());
  EXPECT_EQ(mass->name, "box/mass");
  EXPECT_EQ(mass->unit, "kg");
  EXPECT_DOUBLE_EQ(ReadParameter(*model_, *mass), 2.0);
  const int body = mass->id;
  const double inertia_before = model_->body_inertia[3 * body];
  WriteParameter(model_.get(), *mass, 3.0);
  EXPECT_DOUBLE_EQ(ReadParameter(*model_, *mass), 3.0);
  EXPECT_DOUBLE_EQ(model_->body_inertia[3 * body], inertia_before * 1.5);
}

TEST_F(PhysicalParameterTest, PairFrictionSetsBothTangentialDirections) {
  auto friction =
      ResolveParameter(*model_, Range("box_floor", "friction", 0.05, 1));
  ASSERT_THAT(friction, IsOk());
  EXPECT_EQ(friction->element, PhysicalParameter::Element::kPair);
  EXPECT_DOUBLE_EQ(ReadParameter(*model_, *friction), 0.4);
  WriteParameter(model_.get(), *friction, 0.7);
  EXPECT_DOUBLE_EQ(model_->pair_friction[0], 0.7);
  EXPECT_DOUBLE_EQ(model_->pair_friction[1], 0.7);
  EXPECT_DOUBLE_EQ(model_->pair_friction[2], 0.01);  // torsional kept
}

TEST_F(PhysicalParameterTest, DirectSolrefAndJointQuantitiesRoundTrip) {
  auto stiffness =
      ResolveParameter(*model_, Range("floor", "solref_stiffness", 500, 5000));
  ASSERT_THAT(stiffness, IsOk());
  EXPECT_DOUBLE_EQ(ReadParameter(*model_, *stiffness), 1000);
  WriteParameter(model_.get(), *stiffness, 2500);
  EXPECT_DOUBLE_EQ(model_->geom_solref[0], -2500);

  auto damping = ResolveParameter(*model_, Range("slider", "damping", 0, 1));
  ASSERT_THAT(damping, IsOk());
  EXPECT_EQ(damping->unit, "N s/m");
  EXPECT_DOUBLE_EQ(ReadParameter(*model_, *damping), 0.5);
}

TEST_F(PhysicalParameterTest, BadRangesAreRefusedWithTheirName) {
  EXPECT_THAT(ResolveParameter(*model_, Range("box", "mass", 3, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("box/mass: min 3 > max 1")));
  EXPECT_THAT(
      ResolveParameter(*model_, Range("box", "mass", -1, 1)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("below zero")));
  EXPECT_THAT(ResolveParameter(*model_, Range("ghost", "mass", 1, 2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no element named 'ghost'")));
  EXPECT_THAT(ResolveParameter(*model_, Range("box", "colour", 1, 2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown quantity 'colour'")));
  // The wall's solref is in MuJoCo's standard (positive) form.
  EXPECT_THAT(
      ResolveParameter(*model_, Range("wall", "solref_stiffness", 1, 2)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("direct form")));
}

}  // namespace
}  // namespace wm::sim
