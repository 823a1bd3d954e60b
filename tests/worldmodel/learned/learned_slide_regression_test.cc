// Regression tests of the learned model kinds against simulated physics:
// tiny physics and blackbox ensembles trained on a small generated `slide`
// dataset must show friction and mass the way Coulomb and Newton do. One
// test case, because each case is its own process and training is the cost.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/split.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "util/text_proto.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {
namespace {

using ::wm::testing::IsOk;

// Both ratios, friction's and mass's, within 10% of Coulomb's and Newton's.
// Seed 5 measures 1.90 and 0.48 (MuJoCo itself gives 1.90 for friction from
// the same state: the sliding box hops). Other training seeds: 1.90 / 0.46
// (6) and 1.78 / 0.48 (7, outside for friction); see TrainTiny.
constexpr double kRatioTolerance = 0.10;
// Inferred friction (measured 0.11-0.13 over seeds 5-7: the dynamics' own fit
// of the history refining the encoder's estimate). With 1500 training steps
// it measured 0.11-0.16, too close to the bound.
constexpr double kFrictionTolerance = 0.15;
constexpr double kGravity = 9.81;
// box_z of the box resting on its soft contact (m): from 0 the contact
// force takes steps to build up.
constexpr double kRestingHeight = -9.1e-5;

std::unique_ptr<WorldModel> TrainTiny(const std::string& data,
                                      const std::string& models,
                                      const std::string& kind) {
  TrainingRequest request;
  request.config.set_model(kind);
  request.config.set_ensemble_size(2);
  request.config.set_max_steps(2500);
  request.config.set_eval_every(200);
  request.config.set_learning_rate(3e-3);
  request.config.set_seed(5);
  if (kind == "physics") {
    // Friction's effect shows over many steps of coasting, so the physics
    // model's multi-step loss runs 16 steps at weight 3 (defaults: 8 and
    // 1). With the defaults its friction ratio measured 1.71-1.79 over
    // training seeds 5-7: it braked about 1 m/s^2 harder than MuJoCo at
    // both frictions. Horizon 16 alone gave 1.72-1.87, 24 gave 1.80-1.93
    // (mass ratio down to 0.44), learning rate 1e-3 1.72-1.78.
    request.config.set_horizon(16);
    request.config.set_multi_step_weight(3);
  }
  if (kind == "blackbox") {
    for (int i = 0; i < 4; ++i) request.config.add_hidden(64);
  }
  request.data_dir = data;
  request.model_dir = models + "/" + kind;
  auto manifest = TrainAndPublish(request, {});
  EXPECT_THAT(manifest, IsOk());
  ModelFactory factory;
  RegisterLearnedModels(&factory);
  auto model = factory.Load(request.model_dir);
  EXPECT_THAT(model, IsOk());
  return *std::move(model);
}

Tensor Parameters(double friction, double mass) {
  return Tensor{{1, 2}, {float(friction), float(mass)}};
}

// Speed along x after `steps` from a box sliding at v0 (m/s) under force fx.
double SpeedAfter(const WorldModel& model, double friction, double mass,
                  double v0, double fx, int steps) {
  Tensor initial = Tensor::Filled({1, 8});
  initial.data[2] = kRestingHeight;  // qpos of box_z
  initial.data[4] = v0;              // qvel of box_x
  Tensor actions = Tensor::Filled({1, steps, 2});
  for (int t = 0; t < steps; ++t) actions.data[2 * t] = fx;
  Context context;
  context.parameters = Parameters(friction, mass);
  auto trajectory = model.Rollout(initial, actions, context);
  EXPECT_THAT(trajectory, IsOk());
  return trajectory->mean.data[steps * 8 + 4];
}

TEST(LearnedSlideRegressionTest, TrainedModelsBehaveLikePhysics) {
  ::wm::testing::TempDir dir;
  ASSERT_THAT(::wm::worldmodel::testing::GenerateDataset(
                  "slide", dir.Join("data"), 600, 100, /*seed=*/11),
              IsOk());
  auto physics = TrainTiny(dir.Join("data"), dir.Join("models"), "physics");
  auto blackbox = TrainTiny(dir.Join("data"), dir.Join("models"), "blackbox");
  ASSERT_NE(physics, nullptr);
  ASSERT_NE(blackbox, nullptr);
  const double dt = physics->dt();

  // Coulomb: twice the friction, twice the deceleration (MuJoCo's soft
  // contacts give 1.90 here). Newton: twice the mass, half the acceleration.
  {
    SCOPED_TRACE("explicit friction 0.3 vs 0.6 from 2 m/s, no force");
    const int steps = 8;
    const double low =
        (2.0 - SpeedAfter(*physics, 0.3, 1.0, 2.0, 0, steps)) / (steps * dt);
    const double high =
        (2.0 - SpeedAfter(*physics, 0.6, 1.0, 2.0, 0, steps)) / (steps * dt);
    std::cout << "friction 0.3 vs 0.6: decelerations " << low << " and " << high
              << " m/s^2, ratio " << high / low << "\n";
    EXPECT_NEAR(high / low, 2.0, 2.0 * kRatioTolerance)
        << "decelerations " << low << " and " << high << " m/s^2";
  }
  {
    SCOPED_TRACE("explicit mass 1 vs 2 kg under 30 N from rest");
    const int steps = 8;
    const double light = SpeedAfter(*physics, 0.05, 1.0, 0.0, 30, steps);
    const double heavy = SpeedAfter(*physics, 0.05, 2.0, 0.0, 30, steps);
    std::cout << "mass 1 vs 2 kg: speeds " << light << " and " << heavy
              << " m/s, ratio " << heavy / light << "\n";
    EXPECT_NEAR(heavy / light, 0.5, 0.5 * kRatioTolerance)
        << "speeds " << light << " and " << heavy << " m/s";
  }

  auto dataset = *datasets::Dataset::Open(dir.Join("data"));
  std::vector<double> friction_errors, prior_errors;
  constexpr double kPriorFriction = 0.525;  // mean of the scene's range
  std::vector<double> physics_errors, blackbox_errors;
  int compared = 0;
  std::vector<Context> histories;  // each compared episode's first second
  ASSERT_THAT(dataset->ForEachEpisode([&](const datasets::Episode& episode) {
    if (datasets::SplitOf(episode.index, datasets::SplitFractions()) ==
        datasets::Split::kTrain) {
      return absl::OkStatus();
    }
    const int history = 50, horizon = 20, nx = 8;
    Context context;
    context.history_states = Tensor{{1, history + 1, nx}, {}};
    context.history_actions = Tensor{{1, history, 2}, {}};
    for (int t = 0; t <= history; ++t) {
      for (int i = 0; i < 4; ++i) {
        context.history_states.data.push_back(episode.qpos[t * 4 + i]);
      }
      for (int i = 0; i < 4; ++i) {
        context.history_states.data.push_back(episode.qvel[t * 4 + i]);
      }
    }
    for (int t = 0; t < history * 2; ++t) {
      context.history_actions.data.push_back(episode.ctrl[t]);
    }
    histories.push_back(context);
    auto estimate = physics->InferParameters(context);
    EXPECT_THAT(estimate, IsOk());
    friction_errors.push_back(
        std::abs(estimate->mean[0] / episode.params[0] - 1));
    prior_errors.push_back(std::abs(kPriorFriction / episode.params[0] - 1));
    // 20-step open-loop error from the end of the history.
    Tensor initial{{1, nx}, {}};
    for (int i = 0; i < nx; ++i) {
      initial.data.push_back(context.history_states.data[history * nx + i]);
    }
    Tensor actions{{1, horizon, 2},
                   {episode.ctrl.begin() + history * 2,
                    episode.ctrl.begin() + (history + horizon) * 2}};
    auto error = [&](const WorldModel& model) {
      auto trajectory = model.Rollout(initial, actions, context);
      EXPECT_THAT(trajectory, IsOk());
      const float* end = trajectory->mean.data.data() + horizon * nx;
      const double* truth = episode.qpos.data() + (history + horizon) * 4;
      return std::hypot(end[0] - truth[0], end[1] - truth[1]);
    };
    Context none;
    physics_errors.push_back(error(*physics));
    context = none;
    blackbox_errors.push_back(error(*blackbox));
    ++compared;
    return absl::OkStatus();
  }),
              IsOk());
  ASSERT_GE(compared, 10);
  auto median = [](std::vector<double> values) {
    std::nth_element(values.begin(), values.begin() + values.size() / 2,
                     values.end());
    return values[values.size() / 2];
  };
  std::cout << "median relative friction error from 1 s of history "
            << median(friction_errors) << " over " << compared
            << " episodes (range's mean as a guess: " << median(prior_errors)
            << ")\n";
  EXPECT_LT(median(friction_errors), kFrictionTolerance)
      << "guessing the range's mean: " << median(prior_errors);
  // Medians, as wm eval reports: a few diverging rollouts of a tiny model
  // must not decide it.
  std::cout << "median 20-step position error: physics "
            << median(physics_errors) << " m, blackbox "
            << median(blackbox_errors) << " m\n";
  EXPECT_LT(median(physics_errors), median(blackbox_errors));

  {
    SCOPED_TRACE("spread grows off the training range");
    Tensor states = Tensor::Filled({2, 8});
    states.data[4] = 1.0;  // inside: 1 m/s, friction 0.5, 1 kg
    // Outside by its parameters: friction 3 and 20 kg, where the scene's
    // ranges end at 1 and 5 kg. Its 12 m/s is rare but inside the data
    // (the 99th percentile of |vx| is about 13 m/s: light slippery boxes).
    states.data[8 + 4] = 12.0;
    Tensor actions = Tensor::Filled({2, 2});
    Context context;
    context.parameters = Tensor{{2, 2}, {0.5f, 1.0f, 3.0f, 20.0f}};
    auto prediction = physics->Predict(states, actions, context);
    ASSERT_THAT(prediction, IsOk());
    double inside = 0, outside = 0;
    for (int i = 0; i < 8; ++i) {
      inside += prediction->epistemic_std.data[i];
      outside += prediction->epistemic_std.data[8 + i];
    }
    EXPECT_GT(outside, 2 * inside);
  }
  {
    SCOPED_TRACE("what an extrapolated parameter changes counts as spread");
    // The same coasting box at friction 1 (the range's top) and 2: row 1's
    // epistemic std on vx is at least the change friction 2 makes, since
    // each member adds its own change in quadrature.
    Tensor states = Tensor::Filled({2, 8});
    states.data[4] = states.data[8 + 4] = 1.0;
    Context context;
    context.parameters = Tensor{{2, 2}, {1.0f, 1.0f, 2.0f, 1.0f}};
    auto prediction = physics->Predict(states, Tensor::Filled({2, 2}), context);
    ASSERT_THAT(prediction, IsOk());
    const double change =
        std::abs(prediction->mean.data[8 + 4] - prediction->mean.data[4]);
    EXPECT_GT(change, 0.05) << "friction 2 decelerates no more than 1";
    EXPECT_GE(prediction->epistemic_std.data[8 + 4], 0.99 * change);
  }
  {
    SCOPED_TRACE("a history the model cannot predict widens the spread");
    // The same weights without the surprise reference (as models trained
    // before it) never widen.
    const std::string aware_dir = dir.Join("models/physics/1");
    v1::CheckpointManifest manifest;
    ASSERT_THAT(ReadTextProtoFile(aware_dir + "/manifest.pbtxt", &manifest),
                IsOk());
    EXPECT_GT(manifest.history_surprise_reference(), 0);
    manifest.set_history_surprise_reference(0);
    std::filesystem::create_directories(dir.Join("models/unaware/1"));
    ASSERT_THAT(WriteTextProtoFile(dir.Join("models/unaware/1/manifest.pbtxt"),
                                   manifest),
                IsOk());
    std::filesystem::copy_file(aware_dir + "/weights.pt",
                               dir.Join("models/unaware/1/weights.pt"));
    ModelFactory factory;
    RegisterLearnedModels(&factory);
    auto unaware = factory.Load(dir.Join("models/unaware"));
    ASSERT_THAT(unaware, IsOk());
    // Summed one-step epistemic std from the history's last state, no force.
    auto spread = [](const WorldModel& model, const Context& context) {
      const int nx = 8;
      const int64_t last = context.history_states.shape[1] - 1;
      Tensor state{{1, nx},
                   {context.history_states.data.begin() + last * nx,
                    context.history_states.data.begin() + (last + 1) * nx}};
      auto prediction = model.Predict(state, Tensor::Filled({1, 2}), context);
      EXPECT_THAT(prediction, IsOk());
      double sum = 0;
      for (float v : prediction->epistemic_std.data) sum += v;
      return sum;
    };
    // Test-split histories: the reference is the validation starts' 90%
    // quantile, so most are not widened at all.
    int widened = 0;
    for (const Context& history : histories) {
      if (spread(*physics, history) > spread(**unaware, history) * 1.0001) {
        ++widened;
      }
    }
    EXPECT_LE(widened, histories.size() * 0.3)
        << widened << " of " << histories.size() << " histories widened";
    // A coasting box that speeds up at 20 m/s^2 with no force.
    const int history = 50, nx = 8;
    Context impossible;
    impossible.history_states = Tensor::Filled({1, history + 1, nx});
    impossible.history_actions = Tensor::Filled({1, history, 2});
    double x = 0;
    for (int t = 0; t <= history; ++t) {
      const double v = 0.5 + 20 * dt * t;
      x += v * dt;
      impossible.history_states.data[t * nx + 0] = x;
      impossible.history_states.data[t * nx + 2] = kRestingHeight;
      impossible.history_states.data[t * nx + 4] = v;
    }
    const double aware = spread(*physics, impossible);
    const double plain = spread(**unaware, impossible);
    std::cout << "epistemic std after an impossible history: " << aware
              << " (without the surprise reference " << plain << "); "
              << widened << " of " << histories.size()
              << " test histories widened\n";
    EXPECT_GT(aware, 2 * plain);
  }
}

}  // namespace
}  // namespace wm::worldmodel
