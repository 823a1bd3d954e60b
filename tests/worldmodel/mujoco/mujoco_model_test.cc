#include "worldmodel/mujoco/mujoco_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "sim/scene_library.h"
#include "sim/simulator.h"
#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

std::shared_ptr<const sim::Scene> Scene(const std::string& name) {
  return *sim::LoadScene(name);
}

// A slide state: the box at the origin moving at (vx, vy) m/s.
std::vector<float> SlideState(float vx, float vy = 0.0f) {
  return {0, 0, 0, 0, vx, vy, 0, 0};
}

Tensor Make(std::vector<int64_t> shape, std::vector<float> data) {
  Tensor tensor;
  tensor.shape = std::move(shape);
  tensor.data = std::move(data);
  return tensor;
}

// Runs `simulator` from `state` through `actions` (nu each) and returns the
// float states after each step, as MujocoModel reports them.
std::vector<float> DirectRun(sim::Simulator* simulator,
                             const std::vector<double>& parameters,
                             const std::vector<float>& state,
                             const std::vector<float>& actions) {
  const int nu = simulator->scene().nu(), nx = simulator->scene().nx();
  EXPECT_THAT(simulator->SetParameters(parameters), IsOk());
  EXPECT_THAT(
      simulator->SetState(std::vector<double>(state.begin(), state.end())),
      IsOk());
  std::vector<float> out;
  std::vector<double> buffer(nx);
  for (size_t t = 0; t * nu < actions.size(); ++t) {
    std::vector<double> action(actions.begin() + t * nu,
                               actions.begin() + (t + 1) * nu);
    EXPECT_THAT(simulator->Step(action), IsOk());
    simulator->GetState(absl::MakeSpan(buffer));
    out.insert(out.end(), buffer.begin(), buffer.end());
  }
  return out;
}

TEST(MujocoModelTest, RolloutEqualsADirectSimulatorRunBitForBit) {
  auto scene = Scene("push");
  sim::Simulator simulator(scene);
  const std::vector<double> parameters = simulator.Reset(5);
  std::vector<double> start(scene->nx());
  simulator.GetState(absl::MakeSpan(start));
  std::vector<float> state(start.begin(), start.end());
  std::vector<float> actions;
  for (int t = 0; t < 20; ++t) {
    actions.push_back(0.2f * std::cos(0.3f * t));
    actions.push_back(0.15f);
  }
  auto model = MujocoModel::Create(scene, parameters);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ((*model)->kind(), "mujoco");
  absl::StatusOr<Trajectory> trajectory = (*model)->Rollout(
      Make({1, scene->nx()}, state), Make({1, 20, 2}, actions), Context());
  ASSERT_THAT(trajectory, IsOk());
  const std::vector<float> direct =
      DirectRun(&simulator, parameters, state, actions);
  const std::vector<float>& mean = trajectory->mean.data;
  ASSERT_EQ(mean.size(), state.size() + direct.size());
  EXPECT_TRUE(std::equal(state.begin(), state.end(), mean.begin()));
  EXPECT_TRUE(
      std::equal(direct.begin(), direct.end(), mean.begin() + state.size()));
  EXPECT_EQ(trajectory->epistemic_std.shape, (std::vector<int64_t>{1, 21, 16}));
  for (float value : trajectory->epistemic_std.data) EXPECT_EQ(value, 0.0f);
  for (float value : trajectory->aleatoric_std.data) EXPECT_EQ(value, 0.0f);
}

TEST(MujocoModelTest, PredictRowsAreIndependentAndMatchTheSimulator) {
  auto scene = Scene("slide");
  auto model = *MujocoModel::Create(scene, {});
  std::vector<float> states = SlideState(1.0f),
                     second = SlideState(-0.5f, 0.7f);
  states.insert(states.end(), second.begin(), second.end());
  auto both = model->Predict(Make({2, 8}, states),
                             Make({2, 2}, {10, 0, 0, -20}), Context());
  auto alone =
      model->Predict(Make({1, 8}, second), Make({1, 2}, {0, -20}), Context());
  ASSERT_THAT(both, IsOk());
  ASSERT_THAT(alone, IsOk());
  EXPECT_TRUE(std::equal(alone->mean.data.begin(), alone->mean.data.end(),
                         both->mean.data.begin() + 8));
  sim::Simulator simulator(scene);
  EXPECT_EQ(DirectRun(&simulator, scene->NominalParameters(), second, {0, -20}),
            alone->mean.data);
}

TEST(MujocoModelTest, HigherFrictionGivenAsContextShortensTheSlide) {
  auto scene = Scene("slide");
  auto model = *MujocoModel::Create(scene, {});
  Context context;
  context.parameters = Make({2, 2}, {0.3f, 1.0f, 0.9f, 1.0f});
  // Both rows start at 1 m/s along x and coast for 0.6 s.
  auto trajectory = model->Rollout(Make({1, 8}, SlideState(1.0f)),
                                   Tensor::Filled({2, 30, 2}), context);
  ASSERT_THAT(trajectory, IsOk());
  const float low = trajectory->mean.data[(0 * 31 + 30) * 8];
  const float high = trajectory->mean.data[(1 * 31 + 30) * 8];
  // Stopping distances v^2 / (2 mu g): 0.170 m and 0.057 m.
  EXPECT_NEAR(low, 1.0 / (2 * 0.3 * 9.81), 0.02);
  EXPECT_NEAR(high, 1.0 / (2 * 0.9 * 9.81), 0.01);
  EXPECT_LT(high, 0.5 * low);
}

TEST(MujocoModelTest, FixedValuesEqualTheSameExplicitContext) {
  auto scene = Scene("slide");
  auto nominal = *MujocoModel::Create(scene, {});
  auto oracle = *MujocoModel::Create(scene, {0.75, 3.0});
  EXPECT_EQ(oracle->parameter_values(), (std::vector<double>{0.75, 3.0}));
  Context context;
  context.parameters = Make({1, 2}, {0.75f, 3.0f});  // exact in float
  const Tensor initial = Make({1, 8}, SlideState(0.6f, 0.2f));
  const Tensor actions = Tensor::Filled({1, 10, 2}, 15.0f);
  auto fixed = oracle->Rollout(initial, actions, Context());
  auto given = nominal->Rollout(initial, actions, context);
  auto plain = nominal->Rollout(initial, actions, Context());
  ASSERT_THAT(fixed, IsOk());
  ASSERT_THAT(given, IsOk());
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(fixed->mean.data, given->mean.data);
  EXPECT_NE(fixed->mean.data, plain->mean.data);
}

TEST(MujocoModelTest, HistoryContextIsAcceptedAndIgnored) {
  auto model = *MujocoModel::Create(Scene("slide"), {});
  Context history;
  history.history_states = Tensor::Filled({1, 4, 8});
  history.history_actions = Tensor::Filled({1, 3, 2});
  const Tensor states = Make({1, 8}, SlideState(0.4f));
  const Tensor actions = Make({1, 2}, {5, 5});
  auto with = model->Predict(states, actions, history);
  auto without = model->Predict(states, actions, Context());
  ASSERT_THAT(with, IsOk());
  EXPECT_EQ(with->mean.data, without->mean.data);
  EXPECT_THAT(model->InferParameters(history),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(MujocoModelTest, BadInputsNameTheField) {
  auto scene = Scene("slide");
  auto model = *MujocoModel::Create(scene, {});
  EXPECT_THAT(
      model->Predict(Tensor::Filled({2, 7}), Tensor::Filled({2, 2}), Context()),
      StatusIs(kInvalid, HasSubstr("states: expected shape [B, 8], "
                                   "got [2, 7]")));
  Tensor actions = Tensor::Filled({1, 3, 2});
  actions.data[3] = NAN;
  EXPECT_THAT(model->Rollout(Tensor::Filled({1, 8}), actions, Context()),
              StatusIs(kInvalid, HasSubstr("actions: value nan")));
  Context context;
  context.parameters = Tensor::Filled({1, 3}, 1.0f);
  EXPECT_THAT(
      model->Predict(Tensor::Filled({1, 8}), Tensor::Filled({1, 2}), context),
      StatusIs(kInvalid, HasSubstr("context.parameters")));
  EXPECT_THAT(MujocoModel::Create(scene, {0.5}),
              StatusIs(kInvalid, HasSubstr("parameter_values: scene 'slide' "
                                           "has 2 parameters, got 1")));
  EXPECT_THAT(MujocoModel::Create(scene, {0.5, NAN}),
              StatusIs(kInvalid, HasSubstr("box/mass is not finite")));
  v1::SceneConfig broken;
  broken.set_name("broken");
  broken.set_mjcf("<mujoco><worldbody>");
  broken.set_frame_skip(1);
  EXPECT_THAT(MujocoModel::Create(broken, {}), StatusIs(kInvalid));
}

TEST(MujocoModelTest, ConcurrentCallsGiveTheSequentialAnswers) {
  auto model = *MujocoModel::Create(Scene("slide"), {});
  const Tensor actions = Tensor::Filled({3, 25, 2}, 12.0f);
  std::vector<Tensor> initials;
  std::vector<std::vector<float>> expected;
  for (int i = 0; i < 4; ++i) {
    initials.push_back(Make({1, 8}, SlideState(0.2f * i, -0.1f * i)));
    expected.push_back(
        model->Rollout(initials[i], actions, Context())->mean.data);
  }
  std::vector<std::vector<float>> got(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      got[i] = model->Rollout(initials[i], actions, Context())->mean.data;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace wm::worldmodel
