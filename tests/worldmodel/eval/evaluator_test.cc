#include "worldmodel/eval/evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "datasets/split.h"
#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "worldmodel/eval/constant_velocity_model.h"
#include "worldmodel/eval/eval_report_json.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// Slide episodes of 75 steps (1.5 s at dt 0.02): 1 s of history, then
// horizons of 5 and 20 steps; a 2 s horizon fits no episode.
constexpr int64_t kEpisodes = 60;
constexpr int64_t kSteps = 75;

v1::EvalConfig Config() {
  v1::EvalConfig config;
  config.set_history_seconds(1.0);
  for (double seconds : {0.1, 0.4, 2.0}) config.add_horizons_seconds(seconds);
  return config;
}

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(testing::GenerateDataset("slide", temp_.Join("slide"),
                                         kEpisodes, kSteps),
                IsOk());
    dataset_ = *datasets::Dataset::Open(temp_.Join("slide"));
    nominal_ = *MujocoModel::Create(dataset_->manifest().scene(), {});
    constant_ = *ConstantVelocityModel::Create(dataset_->spec(),
                                               dataset_->manifest().dt());
    for (int64_t i = 0; i < kEpisodes; ++i) {
      test_episodes_ += datasets::SplitOf(i, {}) == datasets::Split::kTest;
    }
  }

  ::wm::testing::TempDir temp_;
  std::unique_ptr<datasets::Dataset> dataset_;
  std::unique_ptr<MujocoModel> nominal_;
  std::unique_ptr<ConstantVelocityModel> constant_;
  int64_t test_episodes_ = 0;
};

// The medians of `key` at `steps` (or -1 when absent).
double Median(const EvalReport& report, int64_t steps, const std::string& key) {
  for (const HorizonReport& horizon : report.rollout) {
    if (horizon.steps != steps) continue;
    for (const auto& [name, quantiles] : horizon.errors) {
      if (name == key) return quantiles.median;
    }
  }
  return -1;
}

// push (dt 0.05 s): 1 s of history (20 steps), horizons of 5 and 20 steps.
// Centred pushes (no off-centre aim), so the box moves in most windows.
TEST(EvaluatorPushTest, OracleBeatsNominalBeatsConstantVelocity) {
  ::wm::testing::TempDir temp;
  v1::SceneConfig push = *sim::LoadSceneConfig("push");
  push.mutable_default_policy()->mutable_approach()->clear_aim_radius();
  ASSERT_THAT(testing::GenerateDataset(push, temp.Join("push"), 60, 45),
              IsOk());
  auto dataset = *datasets::Dataset::Open(temp.Join("push"));
  auto nominal = *MujocoModel::Create(dataset->manifest().scene(), {});
  auto constant =
      *ConstantVelocityModel::Create(dataset->spec(), dataset->manifest().dt());
  v1::EvalConfig config;
  config.add_horizons_seconds(0.25);
  config.add_horizons_seconds(1.0);
  v1::EvalConfig oracle_config = config;
  oracle_config.set_use_true_parameters(true);
  auto oracle = Evaluate(*nominal, *dataset, oracle_config);
  auto guess = Evaluate(*nominal, *dataset, config);
  auto still = Evaluate(*constant, *dataset, config);
  ASSERT_THAT(oracle, IsOk());
  ASSERT_THAT(guess, IsOk());
  ASSERT_THAT(still, IsOk());
  ASSERT_GE(oracle->episodes, 3);
  // The oracle restarts MuJoCo from float32 states only: ~0 error.
  // Nominal parameters miss the box's mass and frictions; constant velocity
  // also misses the pusher's response to its commands.
  for (int64_t steps : {5, 20}) {
    for (const char* key : {"pos_m", "rot_deg", "joint_m"}) {
      EXPECT_GE(Median(*oracle, steps, key), 0.0) << key;
      EXPECT_LT(Median(*oracle, steps, key), 1e-4) << key;
      EXPECT_GT(Median(*guess, steps, key), 100 * Median(*oracle, steps, key))
          << key;
    }
    EXPECT_GT(Median(*still, steps, "joint_m"),
              Median(*guess, steps, "joint_m"));
  }
  EXPECT_LT(*oracle->one_step_nmse, 1e-6);
  EXPECT_GT(*guess->one_step_nmse, 1e4 * *oracle->one_step_nmse);
  EXPECT_GT(*still->one_step_nmse, 2 * *guess->one_step_nmse);
}

TEST_F(EvaluatorTest, HorizonsNoEpisodeReachesAreAbsent) {
  auto report = Evaluate(*constant_, *dataset_, Config());
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rollout.size(), 2u);
  EXPECT_EQ(report->rollout[0].steps, 5);
  EXPECT_EQ(report->rollout[1].steps, 20);
  EXPECT_NEAR(report->rollout[1].seconds, 0.4, 1e-12);
  EXPECT_EQ(report->rollout[1].episodes, test_episodes_);
  std::vector<std::string> keys;
  for (const auto& [key, quantiles] : report->rollout[0].errors) {
    keys.push_back(key);
    EXPECT_GE(quantiles.p90, quantiles.median);
  }
  EXPECT_THAT(keys, ElementsAre("joint_rad", "joint_m"));
  // Neither model infers or spreads: no params, calibration or ood.
  EXPECT_TRUE(report->params.empty());
  EXPECT_FALSE(report->calibration.has_value());
  EXPECT_FALSE(report->ood.has_value());

  const std::string json = EvalReportToJson(*report, {{"mujoco", *report}});
  for (const char* key :
       {"\"split\": \"test\"", "\"one_step_nmse\"", "\"rollout\"", "\"5\"",
        "\"20\"", "\"joint_m\"", "\"median\"", "\"p90\"", "\"baselines\""}) {
    EXPECT_THAT(json, HasSubstr(key));
  }
  EXPECT_THAT(json, ::testing::Not(HasSubstr("\"100\"")));
}

TEST_F(EvaluatorTest, DefaultsAndLimits) {
  v1::EvalConfig config;
  EXPECT_EQ(HistorySteps(config, 0.02), 50);
  EXPECT_EQ(HistorySteps(config, 0.002), 100);  // capped
  config.set_history_seconds(0.001);
  EXPECT_EQ(HistorySteps(config, 0.02), 1);
  EXPECT_THAT(HorizonSteps(config, 0.02), ElementsAre(10, 50, 100));
  config.add_horizons_seconds(0.5);
  config.add_horizons_seconds(0.2);
  config.add_horizons_seconds(0.201);
  EXPECT_THAT(HorizonSteps(config, 0.02), ElementsAre(10, 25));

  config = Config();
  config.set_max_episodes(2);
  auto report = Evaluate(*constant_, *dataset_, config);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->episodes, 2);
}

TEST_F(EvaluatorTest, RefusesModelsAndConfigsThatDoNotFit) {
  auto push = *MujocoModel::Create(*sim::LoadSceneConfig("push"), {});
  EXPECT_THAT(Evaluate(*push, *dataset_, Config()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nq 9, nv 8, nu 2 but dataset")));
  auto slow = *ConstantVelocityModel::Create(dataset_->spec(), 0.01);
  EXPECT_THAT(Evaluate(*slow, *dataset_, Config()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dt")));
  v1::EvalConfig bad = Config();
  bad.add_horizons_seconds(-1);
  EXPECT_THAT(Evaluate(*constant_, *dataset_, bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("horizons_seconds")));
}

TEST_F(EvaluatorTest, ModelsWithoutParametersReadTheHistoryWhenTruthIsAsked) {
  v1::EvalConfig truth = Config();
  truth.set_use_true_parameters(true);  // the constant model takes none
  auto with_truth = Evaluate(*constant_, *dataset_, truth);
  auto with_history = Evaluate(*constant_, *dataset_, Config());
  ASSERT_TRUE(with_truth.ok()) << with_truth.status();
  ASSERT_TRUE(with_history.ok()) << with_history.status();
  EXPECT_DOUBLE_EQ(*with_truth->one_step_nmse, *with_history->one_step_nmse);
}

// Overridden parameters take the given values, the rest their true ones:
// overriding all equals MuJoCo fixed at those values; overriding one lies
// off the oracle.
TEST_F(EvaluatorTest, ParameterOverridesReplaceTrueValues) {
  const std::vector<v1::ParameterInfo>& parameters = nominal_->parameters();
  ASSERT_EQ(parameters.size(), 2u);  // box_floor/friction, box/mass
  // Exact in float32, as context parameters travel.
  const std::vector<double> fixed = {0.375, 1.5};
  v1::EvalConfig truth = Config();
  truth.set_use_true_parameters(true);
  v1::EvalConfig all_fixed = truth;
  for (size_t i = 0; i < fixed.size(); ++i) {
    (*all_fixed.mutable_parameter_overrides())[parameters[i].name()] = fixed[i];
  }
  v1::EvalConfig mass_fixed = truth;
  (*mass_fixed.mutable_parameter_overrides())[parameters[1].name()] = fixed[1];

  auto fixed_model = *MujocoModel::Create(dataset_->manifest().scene(), fixed);
  auto by_overrides = Evaluate(*nominal_, *dataset_, all_fixed);
  auto by_creation = Evaluate(*fixed_model, *dataset_, Config());
  auto oracle = Evaluate(*nominal_, *dataset_, truth);
  auto partial = Evaluate(*nominal_, *dataset_, mass_fixed);
  ASSERT_THAT(by_overrides, IsOk());
  ASSERT_THAT(by_creation, IsOk());
  ASSERT_THAT(oracle, IsOk());
  ASSERT_THAT(partial, IsOk());
  EXPECT_DOUBLE_EQ(*by_overrides->one_step_nmse, *by_creation->one_step_nmse);
  EXPECT_DOUBLE_EQ(Median(*by_overrides, 20, "joint_m"),
                   Median(*by_creation, 20, "joint_m"));
  EXPECT_LT(*oracle->one_step_nmse, 1e-6);
  EXPECT_GT(*partial->one_step_nmse, 100 * *oracle->one_step_nmse);
  EXPECT_NE(*partial->one_step_nmse, *by_overrides->one_step_nmse);
}

TEST_F(EvaluatorTest, BadParameterOverridesAreRefused) {
  const std::string mass = nominal_->parameters()[1].name();
  v1::EvalConfig without_truth = Config();
  (*without_truth.mutable_parameter_overrides())[mass] = 1.0;
  EXPECT_THAT(Evaluate(*nominal_, *dataset_, without_truth),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs use_true_parameters")));
  v1::EvalConfig unknown = without_truth;
  unknown.set_use_true_parameters(true);
  (*unknown.mutable_parameter_overrides())["box/volume"] = 1.0;
  EXPECT_THAT(Evaluate(*nominal_, *dataset_, unknown),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("names box/volume")));
  v1::EvalConfig not_finite = without_truth;
  not_finite.set_use_true_parameters(true);
  (*not_finite.mutable_parameter_overrides())[mass] = std::nan("");
  EXPECT_THAT(
      Evaluate(*nominal_, *dataset_, not_finite),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(mass + "\"]")));
}

// Answers like the constant-velocity model with an epistemic spread that
// grows with the yaw rate, which training episodes never have.
class SpeedSpreadModel : public WorldModel {
 public:
  explicit SpeedSpreadModel(const WorldModel* inner) : inner_(inner) {}
  std::string kind() const override { return "speed_spread"; }
  const v1::StateSpec& spec() const override { return inner_->spec(); }
  double dt() const override { return inner_->dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return inner_->parameters();
  }
  absl::StatusOr<Prediction> Predict(const Tensor& states,
                                     const Tensor& actions,
                                     const Context& context) const override {
    auto prediction = inner_->Predict(states, actions, context);
    if (!prediction.ok()) return prediction;
    const int64_t nx = states.shape[1], nd = 8;
    for (int64_t row = 0; row < states.shape[0]; ++row) {
      const float spread = Spread(&states.data[row * nx]);
      for (int64_t i = 0; i < nd; ++i) {
        prediction->epistemic_std.data[row * nd + i] = spread;
      }
    }
    return prediction;
  }
  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override {
    auto trajectory = inner_->Rollout(initial, actions, context);
    if (!trajectory.ok()) return trajectory;
    // The spread grows along the rollout.
    const auto& mean = trajectory->mean;
    for (int64_t k = 0; k < mean.NumElements() / 8; ++k) {
      for (int i = 0; i < 8; ++i) {
        trajectory->epistemic_std.data[k * 8 + i] =
            Spread(&mean.data[k * 8]) * (k % mean.shape[1]);
      }
    }
    return trajectory;
  }
  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override {
    return inner_->InferParameters(history);
  }

 private:
  // qvel[3] (state entry 7) is the yaw rate.
  static float Spread(const float* state) {
    return 0.01f + 0.1f * std::abs(state[7]);
  }
  const WorldModel* inner_;
};

TEST_F(EvaluatorTest, OodComparesSpreadsOutsideTheTrainingRange) {
  // Outside the training range: the box starts spinning at 5-6 rad/s
  // (training episodes never turn).
  v1::SceneConfig spinning = *sim::LoadSceneConfig("slide");
  v1::StateRange* yaw_rate = spinning.mutable_initial_state()->add_qvel();
  yaw_rate->set_joint("box_yaw");
  yaw_rate->set_min(5.0);
  yaw_rate->set_max(6.0);
  ASSERT_THAT(testing::GenerateDataset(spinning, temp_.Join("spin"), 6, kSteps),
              IsOk());
  auto ood = *datasets::Dataset::Open(temp_.Join("spin"));
  SpeedSpreadModel model(constant_.get());
  EvalOptions options;
  options.ood = ood.get();
  int64_t calls = 0;
  options.progress = [&](int64_t done, int64_t total) {
    EXPECT_LE(done, total);
    ++calls;
  };
  // A one-step history: the spin dies down within 1 s.
  v1::EvalConfig config = Config();
  config.set_history_seconds(0.02);
  auto report = Evaluate(model, *dataset_, config, options);
  ASSERT_THAT(report, IsOk());
  EXPECT_GT(calls, 0);
  ASSERT_TRUE(report->ood.has_value());
  ASSERT_TRUE(report->ood->spread_ratio.has_value());
  EXPECT_GT(*report->ood->spread_ratio, 2.0);
  ASSERT_TRUE(report->ood->error_spread_rank_corr.has_value());
  EXPECT_GE(*report->ood->error_spread_rank_corr, -1.0);
  EXPECT_LE(*report->ood->error_spread_rank_corr, 1.0);
  ASSERT_TRUE(report->calibration.has_value());
  EXPECT_GT(report->calibration->coverage90, 0.0);
}

}  // namespace
}  // namespace wm::worldmodel
