#include "worldmodel/sysid/contact_training.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "datasets/dataset.h"
#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "util/logging.h"
#include "worldmodel/eval/acosta_toss_protocol.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// The toss scene at fixed (nominal) parameters, thrown from high enough
// that the protocol finds free flight before the first contact.
v1::SceneConfig FixedTossScene() {
  v1::SceneConfig config = *sim::LoadSceneConfig("toss");
  config.clear_randomize();
  for (auto& range : *config.mutable_initial_state()->mutable_qpos()) {
    if (range.component() == 2) {
      range.set_min(0.2);
      range.set_max(0.24);
    }
  }
  return config;
}

// Mean protocol e_q of `model` on every toss of the dataset at `dir`.
double MeanEq(const WorldModel& model, const std::string& dir) {
  auto dataset = datasets::Dataset::Open(dir);
  CHECK(dataset.ok()) << dataset.status();
  std::vector<datasets::Episode> tosses;
  CHECK((*dataset)
            ->ForEachEpisode([&](const datasets::Episode& episode) {
              tosses.push_back(episode);
              return absl::OkStatus();
            })
            .ok());
  auto scores = ScoreTosses(model, tosses, 9.81);
  CHECK(scores.ok()) << scores.status();
  double sum = 0;
  for (const TossScore& score : *scores) sum += score.e_q;
  return sum / scores->size();
}

class ContactTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const v1::SceneConfig scene = FixedTossScene();
    ASSERT_THAT(testing::GenerateDataset(scene, temp_.Join("fit"), 6, 100, 1),
                IsOk());
    ASSERT_THAT(
        testing::GenerateDataset(scene, temp_.Join("validation"), 4, 100, 2),
        IsOk());
    // The exact base: the scene the data were simulated with.
    v1::CheckpointManifest base;
    base.set_kind("mujoco");
    *base.mutable_scene() = scene;
    ASSERT_THAT(PublishModelVersion(temp_.Join("models/base"), &base, {}),
                IsOk());
    job_.config.set_model("contact");
    v1::ContactTrainingConfig& contact = *job_.config.mutable_contact();
    contact.set_hidden(2);
    contact.set_population(6);
    contact.set_max_generations(3);
    contact.set_validate_every(1);
    contact.set_workers(1);
    job_.data_dir = temp_.Join("fit");
    job_.validation_data_dir = temp_.Join("validation");
    job_.base = temp_.Join("models/base");
    job_.model_dir = temp_.Join("models/contact");
  }

  ::wm::testing::TempDir temp_;
  ContactTrainingJob job_;
};

// Over an exact base, the published model is never worse than the base on
// the validation tosses it was selected on: scored afresh through the model
// factory, its mean e_q equals the recorded one and is at most the base's.
TEST_F(ContactTrainingTest, NeverPublishesWorseThanAnExactBase) {
  int calls = 0;
  absl::StatusOr<v1::CheckpointManifest> manifest = TrainContactAndPublish(
      job_, [&](const ContactTrainingProgress&) { ++calls; });
  ASSERT_THAT(manifest, IsOk());
  EXPECT_EQ(manifest->kind(), "contact");
  EXPECT_EQ(manifest->learned_force().features(), "box_corners");
  EXPECT_NEAR(manifest->learned_force().half_width(), 0.0524, 1e-12);
  EXPECT_GT(calls, 0);
  const auto& metrics = manifest->metrics();
  EXPECT_LE(metrics.at("validation_objective"),
            metrics.at("base_validation_objective"));

  ModelFactory factory;
  RegisterMujocoModel(&factory);
  auto contact = factory.Load(job_.model_dir);
  auto base = factory.Load(job_.base);
  ASSERT_THAT(contact, IsOk());
  ASSERT_THAT(base, IsOk());
  EXPECT_EQ((*contact)->kind(), "contact");
  const double published = MeanEq(**contact, job_.validation_data_dir);
  const double exact = MeanEq(**base, job_.validation_data_dir);
  EXPECT_NEAR(published, metrics.at("validation_objective"), 1e-9);
  EXPECT_NEAR(exact, metrics.at("base_validation_objective"), 1e-9);
  EXPECT_LE(published, exact);
}

// With learn_ensemble_spread over a base with an ensemble, fitted on the
// hedged objective with fewer members, the published model simulates the
// scaled ensemble (its member count and seed kept): rescored through the
// factory it equals the recorded validation objective, at most the base's.
TEST_F(ContactTrainingTest, LearnsTheEnsembleSpreadNeverWorseThanTheBase) {
  v1::CheckpointManifest base;
  base.set_kind("mujoco");
  *base.mutable_scene() = FixedTossScene();
  v1::SimulationEnsemble& ensemble = *base.mutable_simulation_ensemble();
  ensemble.set_members(4);
  ensemble.set_seed(3);
  ensemble.set_parameter_log_std(0.05);
  ensemble.set_angle_std(0.02);
  ensemble.set_linear_velocity_std(0.01);
  ensemble.set_angular_velocity_std(0.1);
  ASSERT_THAT(PublishModelVersion(temp_.Join("models/hedged"), &base, {}),
              IsOk());
  job_.base = temp_.Join("models/hedged");
  v1::ContactTrainingConfig& contact = *job_.config.mutable_contact();
  contact.set_learn_ensemble_spread(true);
  contact.set_fit_with_ensemble(true);
  contact.set_fit_ensemble_members(2);
  absl::StatusOr<v1::CheckpointManifest> manifest =
      TrainContactAndPublish(job_, nullptr);
  ASSERT_THAT(manifest, IsOk());
  const v1::SimulationEnsemble& published = manifest->simulation_ensemble();
  EXPECT_EQ(published.members(), 4);
  EXPECT_EQ(published.seed(), 3u);
  EXPECT_GT(published.angle_std(), 0.02 * std::exp(-3.0) * (1 - 1e-12));
  EXPECT_LT(published.angle_std(), 0.02 * std::exp(3.0) * (1 + 1e-12));
  const auto& metrics = manifest->metrics();
  EXPECT_LE(metrics.at("validation_objective"),
            metrics.at("base_validation_objective"));

  ModelFactory factory;
  RegisterMujocoModel(&factory);
  auto contact_model = factory.Load(job_.model_dir);
  auto base_model = factory.Load(job_.base);
  ASSERT_THAT(contact_model, IsOk());
  ASSERT_THAT(base_model, IsOk());
  EXPECT_NEAR(MeanEq(**contact_model, job_.validation_data_dir),
              metrics.at("validation_objective"), 1e-9);
  EXPECT_NEAR(MeanEq(**base_model, job_.validation_data_dir),
              metrics.at("base_validation_objective"), 1e-9);
}

TEST_F(ContactTrainingTest, NamesWhatIsMissingOrWrong) {
  ContactTrainingJob job = job_;
  job.validation_data_dir.clear();
  EXPECT_THAT(TrainContactAndPublish(job, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--validation_data is required")));
  job = job_;
  job.base.clear();
  EXPECT_THAT(
      TrainContactAndPublish(job, nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs --base")));
  job = job_;
  job.validation_data_dir = temp_.Join("missing");
  EXPECT_THAT(
      TrainContactAndPublish(job, nullptr),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("--validation_data")));
  job = job_;
  job.config.mutable_contact()->set_learn_ensemble_spread(true);
  EXPECT_THAT(TrainContactAndPublish(job, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("learn_ensemble_spread needs a base with a "
                                 "simulation ensemble")));
  job = job_;
  job.config.mutable_contact()->set_sigma0(-1);
  EXPECT_THAT(
      TrainContactAndPublish(job, nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
}

}  // namespace
}  // namespace wm::worldmodel
