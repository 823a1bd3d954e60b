#include "worldmodel/sysid/contact_training.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  job.config.mutable_contact()->set_sigma0(-1);
  EXPECT_THAT(
      TrainContactAndPublish(job, nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
}

}  // namespace
}  // namespace wm::worldmodel
