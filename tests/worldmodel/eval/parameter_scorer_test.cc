#include "worldmodel/eval/parameter_scorer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr double kTolerance = 1e-12;

// Answers every history with the same estimate (or `error`).
class FixedEstimateModel : public WorldModel {
 public:
  FixedEstimateModel(v1::StateSpec spec, std::vector<std::string> names,
                     std::vector<double> mean, std::vector<double> std,
                     absl::Status error = absl::OkStatus())
      : spec_(std::move(spec)), error_(std::move(error)) {
    for (const std::string& name : names) {
      v1::ParameterInfo info;
      info.set_name(name);
      parameters_.push_back(info);
    }
    estimate_.parameters = parameters_;
    estimate_.mean = std::move(mean);
    estimate_.std = std::move(std);
  }
  std::string kind() const override { return "fixed"; }
  const v1::StateSpec& spec() const override { return spec_; }
  double dt() const override { return 0.02; }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return parameters_;
  }
  absl::StatusOr<Prediction> Predict(const Tensor&, const Tensor&,
                                     const Context&) const override {
    return absl::UnimplementedError("not here");
  }
  absl::StatusOr<Trajectory> Rollout(const Tensor&, const Tensor&,
                                     const Context&) const override {
    return absl::UnimplementedError("not here");
  }
  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override {
    EXPECT_EQ(history.history_states.shape[1], 11);  // 10 steps of history
    if (!error_.ok()) return error_;
    return estimate_;
  }

 private:
  v1::StateSpec spec_;
  std::vector<v1::ParameterInfo> parameters_;
  ParameterEstimate estimate_;
  absl::Status error_;
};

// Slide episodes of 20 steps (dt 0.02 s) with true (friction, mass).
datasets::Episode SlideEpisode(int64_t index, double friction, double mass,
                               bool sliding, bool pushed, int64_t steps = 20) {
  datasets::Episode episode;
  episode.index = index;
  episode.nq = episode.nv = 4;
  episode.nu = 2;
  for (int64_t t = 0; t <= steps; ++t) {
    episode.time.push_back(0.02 * t);
    episode.qpos.insert(episode.qpos.end(), {0, 0, 0, 0});
    episode.qvel.insert(episode.qvel.end(), {sliding ? 0.5 : 0.0, 0, 0, 0});
    if (t < steps)
      episode.ctrl.insert(episode.ctrl.end(), {pushed ? 8.0 : 0.0, 0});
  }
  episode.params = {friction, mass};
  return episode;
}

class ParameterScorerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifest_ = sim::ManifestForScene(**sim::LoadScene("slide"));
    plan_.history_steps = 10;
    episodes_ = {SlideEpisode(0, 0.5, 1.0, true, false),
                 SlideEpisode(1, 0.6, 2.0, true, true),
                 SlideEpisode(2, 0.4, 1.0, false, false),
                 SlideEpisode(3, 0.1, 9.0, true, true, /*steps=*/5)};
  }
  v1::DatasetManifest manifest_;
  ScoringPlan plan_;
  std::vector<datasets::Episode> episodes_;
};

TEST_F(ParameterScorerTest, ErrorsWhereIdentifiableCoverageEverywhere) {
  FixedEstimateModel model(manifest_.spec(),
                           {"box_floor/friction", "box/mass", "other/thing"},
                           {0.5, 1.0, 7.0}, {0.1, 0.01, 1.0});
  auto reports = ScoreParameters(model, episodes_, manifest_, plan_);
  ASSERT_THAT(reports, IsOk());
  // "other/thing" is not in the dataset; episode 3 is shorter than the
  // history.
  ASSERT_EQ(reports->size(), 2u);
  const ParameterReport& friction = (*reports)[0];
  EXPECT_EQ(friction.name, "box_floor/friction");
  EXPECT_EQ(friction.identifiable_episodes, 2);  // the resting one is not
  EXPECT_NEAR(*friction.median_rel_err, 0.5 * (0.0 + 0.1 / 0.6), kTolerance);
  EXPECT_NEAR(*friction.coverage90, 1.0, kTolerance);  // |0.1| < 0.1645
  const ParameterReport& mass = (*reports)[1];
  EXPECT_EQ(mass.identifiable_episodes, 1);  // only the pushed slide
  EXPECT_NEAR(*mass.median_rel_err, 0.5, kTolerance);
  EXPECT_NEAR(*mass.coverage90, 2.0 / 3.0, kTolerance);
}

TEST_F(ParameterScorerTest, ModelsThatCannotInferGiveNoReports) {
  FixedEstimateModel model(manifest_.spec(), {"box/mass"}, {1.0}, {0.1},
                           absl::FailedPreconditionError("no inference"));
  auto reports = ScoreParameters(model, episodes_, manifest_, plan_);
  ASSERT_THAT(reports, IsOk());
  EXPECT_TRUE(reports->empty());
  FixedEstimateModel broken(manifest_.spec(), {"box/mass"}, {1.0}, {0.1},
                            absl::InternalError("boom"));
  EXPECT_THAT(ScoreParameters(broken, episodes_, manifest_, plan_),
              StatusIs(absl::StatusCode::kInternal));
  FixedEstimateModel wrong_size(manifest_.spec(), {"box/mass"}, {1.0, 2.0},
                                {0.1, 0.1});
  EXPECT_THAT(ScoreParameters(wrong_size, episodes_, manifest_, plan_),
              StatusIs(absl::StatusCode::kInternal));
}

TEST_F(ParameterScorerTest, UnknownTrueValuesAreLeftOut) {
  episodes_[0].params[0] = NAN;
  FixedEstimateModel model(manifest_.spec(), {"box_floor/friction"}, {0.5},
                           {0.1});
  auto reports = ScoreParameters(model, episodes_, manifest_, plan_);
  ASSERT_THAT(reports, IsOk());
  EXPECT_EQ((*reports)[0].identifiable_episodes, 1);
  EXPECT_NEAR(*(*reports)[0].median_rel_err, 0.1 / 0.6, kTolerance);
}

}  // namespace
}  // namespace wm::worldmodel
