#include "sim/simulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

std::vector<double> State(const Simulator& simulator) {
  std::vector<double> state(simulator.scene().nx());
  simulator.GetState(absl::MakeSpan(state));
  return state;
}

TEST(SimulatorTest, ResetIsDeterministicInTheSeed) {
  auto scene = *LoadScene("push");
  Simulator a(scene), b(scene);
  const std::vector<double> params_a = a.Reset(42);
  const std::vector<double> params_b = b.Reset(42);
  EXPECT_EQ(params_a, params_b);
  EXPECT_EQ(State(a), State(b));
  EXPECT_NE(a.Reset(43), params_a);
}

TEST(SimulatorTest, DrawnParametersLieInTheirRangesAndReachTheModel) {
  auto scene = *LoadScene("push");
  Simulator simulator(scene);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const std::vector<double> values = simulator.Reset(seed);
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_GE(values[i], scene->parameters()[i].min);
      EXPECT_LE(values[i], scene->parameters()[i].max);
      EXPECT_DOUBLE_EQ(ReadParameter(simulator.model(), scene->parameters()[i]),
                       values[i]);
    }
  }
  // The shared scene keeps its nominal values.
  EXPECT_DOUBLE_EQ(ReadParameter(scene->model(), scene->parameters()[0]), 0.5);
}

TEST(SimulatorTest, StateRoundTripsAndStepAdvancesTime) {
  auto scene = *LoadScene("slide");
  Simulator simulator(scene);
  ASSERT_THAT(simulator.SetParameters({0.3, 1.0}), IsOk());
  std::vector<double> state = {0.1, -0.2, 0.0, 0.3, 1.0, 0.0, 0.0, 0.0};
  ASSERT_THAT(simulator.SetState(state), IsOk());
  EXPECT_EQ(State(simulator), state);
  ASSERT_THAT(simulator.Step(std::vector<double>{0, 0}), IsOk());
  EXPECT_NEAR(simulator.time(), scene->dt(), 1e-12);
  EXPECT_GT(State(simulator)[0], 0.1);  // it moved along +x
}

TEST(SimulatorTest, BadInputsAreRefused) {
  auto scene = *LoadScene("slide");
  Simulator simulator(scene);
  EXPECT_THAT(simulator.SetParameters({0.3}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("2 parameters, not 1")));
  EXPECT_THAT(
      simulator.SetParameters({0.3, NAN}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("box/mass")));
  EXPECT_THAT(
      simulator.SetState(std::vector<double>(3, 0.0)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nq + nv = 8")));
  std::vector<double> state(8, 0.0);
  state[5] = INFINITY;
  EXPECT_THAT(
      simulator.SetState(state),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("state[5]")));
}

// A 2 kg mass on a frictionless slide joint pushed by a motor (gear 1),
// dt 0.01 s, frame_skip 5, no gravity along the joint: over k semi-implicit
// Euler steps v' = v + k dt u / m and x' = x + k dt v + dt^2 u / m k(k+1)/2,
// so A = [[1, k dt], [0, 1]] and B = [dt^2 k(k+1) / (2 m), k dt / m].
TEST(SimulatorTest, JacobiansMatchTheAnalyticStepOfAPushedMass) {
  constexpr double kDt = 0.01, kMass = 2.0, kTolerance = 1e-6;
  constexpr int kSkip = 5;
  v1::SceneConfig config;
  config.set_name("pushed_mass");
  config.set_mjcf(
      "<mujoco><option timestep='0.01' gravity='0 0 -9.81'/><worldbody>"
      "<body name='b'><joint name='x' type='slide' axis='1 0 0'/>"
      "<geom type='sphere' size='0.1' mass='2' contype='0' conaffinity='0'/>"
      "</body></worldbody><actuator><motor joint='x' gear='1'/></actuator>"
      "</mujoco>");
  config.set_frame_skip(kSkip);
  absl::StatusOr<std::shared_ptr<const Scene>> scene = Scene::Create(config);
  ASSERT_THAT(scene, IsOk());
  Simulator simulator(*scene);
  ASSERT_THAT(simulator.SetState(std::vector<double>{0.3, -0.7}), IsOk());
  const std::vector<double> before = State(simulator);
  absl::StatusOr<Simulator::StepJacobians> jacobians =
      simulator.Jacobians(std::vector<double>{1.5});
  ASSERT_THAT(jacobians, IsOk());
  ASSERT_EQ(jacobians->n, 2);
  ASSERT_EQ(jacobians->nu, 1);
  EXPECT_NEAR(jacobians->a[0], 1.0, kTolerance);
  EXPECT_NEAR(jacobians->a[1], kSkip * kDt, kTolerance);
  EXPECT_NEAR(jacobians->a[2], 0.0, kTolerance);
  EXPECT_NEAR(jacobians->a[3], 1.0, kTolerance);
  EXPECT_NEAR(jacobians->b[0], kDt * kDt * kSkip * (kSkip + 1) / (2 * kMass),
              kTolerance);
  EXPECT_NEAR(jacobians->b[1], kSkip * kDt / kMass, kTolerance);
  EXPECT_EQ(State(simulator), before);  // left where it was
}

}  // namespace
}  // namespace wm::sim
