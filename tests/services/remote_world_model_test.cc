// RemoteWorldModel against a real server serving a learned (LibTorch)
// model: every answer equals the in-process model's.

#include "services/client/remote_world_model.h"

#include "tests/services/test_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_datasets.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// Float32 on both sides, same code path: the only differences are
// summation orders in batched vs unbatched matmuls.
constexpr double kServedTolerance = 1e-5;

class RemoteWorldModelTest : public testing::ServerFixture {
 protected:
  void SetUp() override {
    const std::string data = temp_.Join("data");
    ASSERT_THAT(worldmodel::testing::GenerateDataset("slide", data, 12, 60),
                IsOk());
    worldmodel::TrainingRequest request;
    request.config.set_ensemble_size(2);
    // A few steps: the test compares served with in-process answers, not
    // accuracy.
    request.config.set_max_steps(4);
    request.config.set_learning_rate(1e-3);
    request.config.set_validation_windows(8);
    request.config.set_batch_size(16);
    request.config.set_seed(3);
    request.data_dir = data;
    request.model_dir = temp_.Join("models/slide");
    ASSERT_THAT(worldmodel::TrainAndPublish(request, {}), IsOk());
    worldmodel::RegisterLearnedModels(&factory_);
    auto local = factory_.Load(request.model_dir);
    ASSERT_THAT(local, IsOk());
    local_ = std::move(local).value();
    StartServerOn(temp_.Join("models"));
    v1::ModelSpec spec;
    spec.set_name("slide");
    auto remote = RemoteWorldModel::Connect(target(), spec, {});
    ASSERT_THAT(remote, IsOk());
    remote_ = std::move(remote).value();
  }

  void StartServerOn(const std::string& models) {
    v1::ServerConfig config;
    config.set_host("127.0.0.1");
    auto server = WorldModelServer::Start(config, models, &factory_);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value();
  }

  std::unique_ptr<worldmodel::WorldModel> local_;
  std::unique_ptr<RemoteWorldModel> remote_;
};

void ExpectNear(const Tensor& served, const Tensor& local, const char* what) {
  ASSERT_EQ(served.shape, local.shape) << what;
  for (size_t i = 0; i < served.data.size(); ++i) {
    ASSERT_NEAR(served.data[i], local.data[i], kServedTolerance)
        << what << " at " << i;
  }
}

// Slide states [rows, 8] moving along x at different speeds.
Tensor MovingStates(int64_t rows) {
  Tensor states = Tensor::Filled({rows, 8});
  for (int64_t r = 0; r < rows; ++r) states.data[r * 8 + 4] = 0.2f * (r + 1);
  return states;
}

TEST_F(RemoteWorldModelTest, DescribesTheServedVersion) {
  EXPECT_EQ(remote_->kind(), "remote");
  EXPECT_EQ(remote_->served_kind(), "physics");
  EXPECT_EQ(remote_->model().version(), 1);
  EXPECT_EQ(remote_->info().ensemble_size(), 2);
  EXPECT_EQ(remote_->spec().SerializeAsString(),
            local_->spec().SerializeAsString());
  EXPECT_EQ(remote_->dt(), local_->dt());
  ASSERT_EQ(remote_->parameters().size(), 2u);
}

TEST_F(RemoteWorldModelTest, PredictEqualsInProcess) {
  const Tensor states = MovingStates(4);
  const Tensor actions = Tensor::Filled({4, 2}, 5.0f);
  worldmodel::Context context;
  context.parameters = Tensor{{1, 2}, {0.4f, 1.5f}};
  context.per_member = true;
  auto served = remote_->Predict(states, actions, context);
  auto local = local_->Predict(states, actions, context);
  ASSERT_THAT(served, IsOk());
  ASSERT_THAT(local, IsOk());
  ExpectNear(served->mean, local->mean, "mean");
  ExpectNear(served->epistemic_std, local->epistemic_std, "epistemic_std");
  ExpectNear(served->aleatoric_std, local->aleatoric_std, "aleatoric_std");
  ExpectNear(served->member_mean, local->member_mean, "member_mean");
  EXPECT_EQ(served->member_mean.shape, (std::vector<int64_t>{2, 4, 8}));
}

TEST_F(RemoteWorldModelTest, RolloutAndInferenceEqualInProcess) {
  const Tensor initial = MovingStates(1);
  const Tensor actions = Tensor::Filled({3, 6, 2}, 2.0f);
  worldmodel::Context history;
  history.history_states = Tensor::Filled({1, 11, 8});
  history.history_actions = Tensor::Filled({1, 10, 2}, 1.0f);
  auto served = remote_->Rollout(initial, actions, history);
  auto local = local_->Rollout(initial, actions, history);
  ASSERT_THAT(served, IsOk());
  ASSERT_THAT(local, IsOk());
  ExpectNear(served->mean, local->mean, "mean");
  ExpectNear(served->epistemic_std, local->epistemic_std, "epistemic_std");

  auto served_estimate = remote_->InferParameters(history);
  auto local_estimate = local_->InferParameters(history);
  ASSERT_THAT(served_estimate, IsOk());
  ASSERT_THAT(local_estimate, IsOk());
  ASSERT_EQ(served_estimate->mean.size(), 2u);
  for (size_t p = 0; p < 2; ++p) {
    EXPECT_EQ(served_estimate->parameters[p].name(),
              local_estimate->parameters[p].name());
    EXPECT_NEAR(served_estimate->mean[p], local_estimate->mean[p],
                kServedTolerance * std::abs(local_estimate->mean[p]) + 1e-6);
    EXPECT_NEAR(served_estimate->std[p], local_estimate->std[p],
                kServedTolerance * std::abs(local_estimate->std[p]) + 1e-6);
  }
}

TEST_F(RemoteWorldModelTest, ErrorsKeepTheirCodes) {
  // Checked locally, before any call, with the local messages.
  EXPECT_THAT(
      remote_->Predict(Tensor::Filled({1, 7}), Tensor::Filled({1, 2}), {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("states")));
  v1::ModelSpec unknown;
  unknown.set_name("nope");
  EXPECT_THAT(RemoteWorldModel::Connect(target(), unknown, {}).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  server_->Shutdown(absl::Seconds(1));
  ClientOptions quick;
  quick.timeout = absl::Seconds(2);
  v1::ModelSpec slide;
  slide.set_name("slide");
  EXPECT_THAT(RemoteWorldModel::Connect(target(), slide, quick).status(),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace wm::services
