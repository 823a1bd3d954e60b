#include "worldmodel/eval/episode_scorer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "datasets/normalizer.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_datasets.h"
#include "worldmodel/eval/constant_velocity_model.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr double kDt = 0.1;
constexpr double kAcceleration = 0.4;  // m/s^2
constexpr double kTolerance = 1e-5;    // float32 states

// One slide joint: nq 1, nv 1, nu 1.
v1::StateSpec RailSpec() {
  v1::StateSpec spec;
  spec.set_nq(1);
  spec.set_nv(1);
  spec.set_nu(1);
  testing::AddJoint(&spec, "rail", v1::Joint::SLIDE, 0, 0);
  return spec;
}

// x(t) = 0.5 a (t dt)^2 + 1, v(t) = a t dt, sampled at T + 1 states.
datasets::Episode Accelerating(int64_t index, int64_t steps, double a) {
  datasets::Episode episode;
  episode.index = index;
  episode.nq = episode.nv = episode.nu = 1;
  for (int64_t t = 0; t <= steps; ++t) {
    const double time = t * kDt;
    episode.time.push_back(time);
    episode.qpos.push_back(1.0 + 0.5 * a * time * time);
    episode.qvel.push_back(a * time);
    if (t < steps) episode.ctrl.push_back(0.5 * t);
  }
  episode.params = {0.25 * index, NAN};
  return episode;
}

ScoringPlan Plan() {
  ScoringPlan plan;
  plan.history_steps = 4;
  plan.horizons = {2, 5, 50};
  plan.max_batch = 3;  // forces several calls per episode and group
  plan.delta_std = {0.5, 0.25};
  plan.state_scale = {1.0, 1.0};
  return plan;
}

// Wraps the constant-velocity model, answering with a constant spread.
class SpreadModel : public WorldModel {
 public:
  SpreadModel(std::unique_ptr<WorldModel> inner, float spread)
      : inner_(std::move(inner)), spread_(spread) {}
  std::string kind() const override { return "spread"; }
  const v1::StateSpec& spec() const override { return inner_->spec(); }
  double dt() const override { return inner_->dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return inner_->parameters();
  }
  absl::StatusOr<Prediction> Predict(const Tensor& states,
                                     const Tensor& actions,
                                     const Context& context) const override {
    auto prediction = inner_->Predict(states, actions, context);
    if (prediction.ok()) {
      for (float& value : prediction->epistemic_std.data) value = spread_;
    }
    return prediction;
  }
  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override {
    return inner_->Rollout(initial, actions, context);
  }
  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override {
    return inner_->InferParameters(history);
  }

 private:
  std::unique_ptr<WorldModel> inner_;
  float spread_;
};

TEST(EpisodeScorerTest, ContextCarriesHistoriesOrTrueParameters) {
  const datasets::Episode a = Accelerating(0, 10, 1.0);
  const datasets::Episode b = Accelerating(1, 10, 2.0);
  ScoringPlan plan = Plan();
  auto shared = ContextFor({&a, &a}, plan);
  ASSERT_THAT(shared, IsOk());
  EXPECT_EQ(shared->history_states.shape, (std::vector<int64_t>{1, 5, 2}));
  EXPECT_EQ(shared->history_actions.shape, (std::vector<int64_t>{1, 4, 1}));
  auto rows = ContextFor({&a, &b}, plan);
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(rows->history_states.shape, (std::vector<int64_t>{2, 5, 2}));
  // Row 1, state 2 of episode b: x = 1 + 0.5 * 2 * 0.04, v = 0.4.
  EXPECT_FLOAT_EQ(rows->history_states.data[(5 + 2) * 2], 1.04f);
  EXPECT_FLOAT_EQ(rows->history_states.data[(5 + 2) * 2 + 1], 0.4f);
  EXPECT_FLOAT_EQ(rows->history_actions.data[4 + 3], 1.5f);

  plan.use_true_parameters = true;
  plan.true_parameter_columns = {0};
  auto parameters = ContextFor({&a, &b}, plan);
  ASSERT_THAT(parameters, IsOk());
  EXPECT_EQ(parameters->parameters.shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(parameters->parameters.data, (std::vector<float>{0.0f, 0.25f}));
  EXPECT_FALSE(parameters->has_history());
  plan.true_parameter_columns = {1};
  EXPECT_THAT(ContextFor({&a}, plan),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("episode 0: true parameter 1 is unknown")));
}

TEST(EpisodeScorerTest, ConstantVelocityErrorsMatchTheClosedForm) {
  auto model = *ConstantVelocityModel::Create(RailSpec(), kDt);
  // Long enough for horizons 2 and 5 (10 steps after the history), only 2
  // (3 after), none (1 after), nothing at all (history only).
  std::vector<datasets::Episode> episodes = {
      Accelerating(0, 14, kAcceleration), Accelerating(1, 7, kAcceleration),
      Accelerating(2, 5, kAcceleration), Accelerating(3, 4, kAcceleration)};
  int64_t last_done = 0, last_total = 0;
  auto scored =
      ScoreEpisodes(*model, episodes, Plan(), [&](int64_t done, int64_t total) {
        last_done = done;
        last_total = total;
      });
  ASSERT_THAT(scored, IsOk());
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(last_total, (10 + 3 + 1) + (5 + 2));
  const auto& scores = scored->episodes;
  EXPECT_EQ(scores[0].one_step_rows, 10);
  EXPECT_EQ(scores[1].one_step_rows, 3);
  EXPECT_EQ(scores[3].one_step_rows, 0);
  EXPECT_EQ(scores[0].rollout_steps, 5);
  EXPECT_EQ(scores[1].rollout_steps, 2);
  EXPECT_EQ(scores[2].rollout_steps, 0);
  ASSERT_EQ(scores[0].horizon_errors.size(), 2u);
  ASSERT_EQ(scores[1].horizon_errors.size(), 1u);
  EXPECT_TRUE(scores[2].horizon_errors.empty());
  // One step: position short by a dt^2 / 2, velocity by a dt, over the
  // delta stds 0.5 and 0.25.
  const double position = 0.5 * kAcceleration * kDt * kDt / 0.5;
  const double velocity = kAcceleration * kDt / 0.25;
  EXPECT_NEAR(scores[0].one_step_squared_error,
              10 * (position * position + velocity * velocity), kTolerance);
  // h steps ahead the position is short by a (h dt)^2 / 2.
  for (int h : {2, 5}) {
    EXPECT_NEAR(scores[0].horizon_errors[h == 2 ? 0 : 1].joint_m,
                0.5 * kAcceleration * h * h * kDt * kDt, kTolerance);
  }
  EXPECT_EQ(scored->calibration.count, 0);  // no spread
  EXPECT_EQ(scores[0].one_step_spread, 0.0);
}

TEST(EpisodeScorerTest, DimensionsTheDataNeverChangeAreLeftOut) {
  // The velocity's scales at the normaliser's floor, as for a joint that
  // never moves in the training split: its error (a dt per step, 4e4 floor
  // units) must not swamp the scores.
  ScoringPlan plan = Plan();
  plan.delta_std[1] = datasets::kMinNormalizationStd;
  plan.state_scale[1] = datasets::kMinNormalizationStd;
  auto model =
      SpreadModel(*ConstantVelocityModel::Create(RailSpec(), kDt), 0.1f);
  auto scored =
      ScoreEpisodes(model, {Accelerating(0, 14, kAcceleration)}, plan, nullptr);
  ASSERT_THAT(scored, IsOk());
  const EpisodeScore& score = scored->episodes[0];
  const double position = 0.5 * kAcceleration * kDt * kDt / 0.5;
  EXPECT_EQ(score.one_step_terms, 10);
  EXPECT_NEAR(score.one_step_squared_error, 10 * position * position,
              kTolerance);
  EXPECT_NEAR(score.one_step_spread / 10, 0.1 / 0.5, kTolerance);
  // Rollout: the mean over steps 1..5 of the position error alone,
  // a (h dt)^2 / 2 at step h.
  double mean_error = 0;
  for (int h = 1; h <= 5; ++h)
    mean_error += 0.5 * kAcceleration * h * h * kDt * kDt / 5;
  EXPECT_NEAR(score.rollout_error, mean_error, kTolerance);
  // At the rollout's last step (5) alone.
  EXPECT_NEAR(score.final_error, 0.5 * kAcceleration * 25 * kDt * kDt,
              kTolerance);
}

TEST(EpisodeScorerTest, CalibrationUsesTheSpreadOverTheDeltaStd) {
  auto model =
      SpreadModel(*ConstantVelocityModel::Create(RailSpec(), kDt), 0.1f);
  // Constant velocity: errors ~0 (float rounding only).
  auto scored =
      ScoreEpisodes(model, {Accelerating(0, 10, 0.0)}, Plan(), nullptr);
  ASSERT_THAT(scored, IsOk());
  EXPECT_EQ(scored->calibration.count, 2 * 6);
  EXPECT_EQ(scored->calibration.covered, 2 * 6);
  const double expected =
      0.5 * (GaussianNll(0, 0.1 / 0.5) + GaussianNll(0, 0.1 / 0.25));
  EXPECT_NEAR(scored->calibration.nll / scored->calibration.count, expected,
              kTolerance);
  EXPECT_NEAR(scored->episodes[0].one_step_spread / 6,
              0.5 * (0.1 / 0.5 + 0.1 / 0.25), kTolerance);
}

}  // namespace
}  // namespace wm::worldmodel
