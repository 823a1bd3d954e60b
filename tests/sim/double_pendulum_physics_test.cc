// Physics checks of the built-in `double_pendulum` scene: energy is
// conserved without damping and friction (RK4), and Coulomb friction makes a
// swing decay linearly.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sim/mjcf.h"
#include "sim/scene_library.h"
#include "sim/simulator.h"
#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

constexpr double kEnergyDriftTolerance = 0.01;  // of the swing's energy
constexpr double kDecrementSpread = 0.25;       // Coulomb: equal decrements

// Parameter order of configs/scenes/double_pendulum.pbtxt.
std::vector<double> PendulumParameters(double shoulder_friction,
                                       double elbow_friction) {
  return {0.6,
          0.6,
          -0.2,
          -0.25,
          0.004,
          0.005,  // masses, coms, inertias
          0.0,
          0.0,  // damping
          shoulder_friction,
          elbow_friction,  // frictionloss
          0.0,
          0.0};  // armature
}

std::shared_ptr<const Scene> PendulumScene() {
  auto scene = LoadScene("double_pendulum");
  EXPECT_THAT(scene, testing::IsOk());
  return *scene;
}

// Total mechanical energy (J) of `state` under `model` (energy enabled).
double Energy(const mjModel& model, mjData* data,
              const std::vector<double>& state) {
  mju_copy(data->qpos, state.data(), model.nq);
  mju_copy(data->qvel, state.data() + model.nq, model.nv);
  mj_forward(&model, data);
  return data->energy[0] + data->energy[1];
}

TEST(DoublePendulumPhysicsTest, EnergyDriftsUnderOnePercentOverTenSeconds) {
  auto scene = PendulumScene();
  ASSERT_EQ(scene->parameters()[8].name, "shoulder/frictionloss");
  Simulator simulator(scene);
  ASSERT_THAT(simulator.SetParameters(PendulumParameters(0, 0)),
              testing::IsOk());
  std::vector<double> state = {1.0, -0.5, 0.0, 0.0};
  ASSERT_THAT(simulator.SetState(state), testing::IsOk());

  ModelPtr energy_model = CopyModel(simulator.model());
  energy_model->opt.enableflags |= mjENBL_ENERGY;
  DataPtr energy_data(mj_makeData(energy_model.get()));
  const double rest = Energy(*energy_model, energy_data.get(), {0, 0, 0, 0});
  const double initial = Energy(*energy_model, energy_data.get(), state);
  ASSERT_GT(initial - rest, 0.5);  // a real swing, in joules

  const std::vector<double> no_torque = {0.0, 0.0};
  double worst = 0;
  for (int step = 0; step < 5000; ++step) {  // 10 s at 2 ms
    ASSERT_THAT(simulator.Step(no_torque), testing::IsOk());
    simulator.GetState(absl::MakeSpan(state));
    worst = std::max(
        worst,
        std::abs(Energy(*energy_model, energy_data.get(), state) - initial));
  }
  EXPECT_LT(worst / (initial - rest), kEnergyDriftTolerance);
}

TEST(DoublePendulumPhysicsTest, CoulombFrictionDecaysTheSwingLinearly) {
  Simulator simulator(PendulumScene());
  // The elbow's friction holds it fixed: the arm swings as one body whose
  // shoulder has Coulomb friction only.
  ASSERT_THAT(simulator.SetParameters(PendulumParameters(0.05, 5.0)),
              testing::IsOk());
  std::vector<double> state = {0.5, 0.0, 0.0, 0.0};
  ASSERT_THAT(simulator.SetState(state), testing::IsOk());
  std::vector<double> peaks;
  double previous = state[0], before_previous = state[0];
  const std::vector<double> no_torque = {0.0, 0.0};
  for (int step = 0; step < 5000 && peaks.size() < 6; ++step) {
    ASSERT_THAT(simulator.Step(no_torque), testing::IsOk());
    simulator.GetState(absl::MakeSpan(state));
    if (previous > before_previous && previous >= state[0] && previous > 0) {
      peaks.push_back(previous);
    }
    before_previous = previous;
    previous = state[0];
  }
  ASSERT_GE(peaks.size(), 4u) << "the swing stopped too early";
  // Linear decay: every cycle loses the same amplitude (viscous damping would
  // lose the same fraction instead).
  std::vector<double> decrements;
  for (size_t i = 1; i < peaks.size(); ++i) {
    decrements.push_back(peaks[i - 1] - peaks[i]);
  }
  const double first = decrements.front();
  ASSERT_GT(first, 0.005);
  for (double decrement : decrements) {
    EXPECT_NEAR(decrement, first, kDecrementSpread * first);
  }
  // Geometric decay would shrink the decrements with the amplitude.
  const double amplitude_ratio = peaks.back() / peaks.front();
  EXPECT_LT(amplitude_ratio, 0.8);
}

}  // namespace
}  // namespace wm::sim
