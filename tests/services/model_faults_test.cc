// A served model that throws or diverges (fault injection around the real
// MuJoCo slide model, tests/testing/fault_models.h) never ends the server:
// an exception is INTERNAL with its message on every RPC, on the caller's
// thread and on the batcher's workers, and the server keeps answering; a
// diverged sample is answered finite, saturated and named.

#include <grpcpp/grpcpp.h>

#include <cmath>
#include <thread>
#include <vector>

#include "tests/services/test_server.h"
#include "tests/testing/fault_models.h"
#include "worldmodel/answer_bounds.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::services {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::PublishSlideVersion;
using testing::ServerFixture;

constexpr int kNx = 8, kNu = 2;  // slide: 4 joints, 2 force actuators
constexpr float kThrowMarker = 777.0f;
constexpr float kDivergeAboveN = 30.0f;  // first fx beyond this diverges
constexpr int kDivergeStep = 3;

v1::Tensor WireTensor(std::vector<int64_t> shape, std::vector<float> data) {
  v1::Tensor tensor;
  tensor.mutable_shape()->Assign(shape.begin(), shape.end());
  tensor.mutable_data()->Assign(data.begin(), data.end());
  return tensor;
}

bool AllFinite(const v1::Tensor& tensor) {
  for (float value : tensor.data()) {
    if (!std::isfinite(value)) return false;
  }
  return true;
}

// Serves "faulty" (the slide scene in MuJoCo behind FaultInjectingModel)
// beside a sound "slide".
class ModelFaultsTest : public ServerFixture {
 protected:
  ModelFaultsTest() {
    factory_.Register(
        "faulty",
        [](const std::string&, const v1::CheckpointManifest& manifest)
            -> absl::StatusOr<std::unique_ptr<worldmodel::WorldModel>> {
          auto model = worldmodel::MujocoModel::Create(manifest.scene(), {});
          if (!model.ok()) return model.status();
          ::wm::testing::Faults faults;
          faults.throw_on_first_state = kThrowMarker;
          faults.diverge_above_action = kDivergeAboveN;
          faults.diverge_step = kDivergeStep;
          return std::make_unique<::wm::testing::FaultInjectingModel>(
              std::move(model).value(), faults);
        });
    PublishSlideVersion(models_dir(), "slide", 1);
    PublishSlideVersion(models_dir(), "faulty", 1, {}, false, "faulty");
  }

  static v1::PredictRequest Predict(const std::string& name, float first) {
    v1::PredictRequest request;
    request.mutable_model()->set_name(name);
    std::vector<float> states(kNx, 0.0f);
    states[0] = first;
    *request.mutable_states() = WireTensor({1, kNx}, states);
    *request.mutable_actions() = WireTensor({1, kNu}, {5.0f, 0.0f});
    return request;
  }

  grpc::Status CallPredict(const v1::PredictRequest& request,
                           v1::PredictResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    return stub_->Predict(&context, request, response);
  }

  // Two samples of 6 steps from state 0: sample 0 pushes with 10 N, sample
  // 1 with `second_fx` N.
  static v1::RolloutRequest Rollout(const std::string& name, float first,
                                    float second_fx) {
    v1::RolloutRequest request;
    request.mutable_model()->set_name(name);
    std::vector<float> initial(kNx, 0.0f);
    initial[0] = first;
    *request.mutable_initial_states() = WireTensor({1, kNx}, initial);
    std::vector<float> actions(2 * 6 * kNu, 0.0f);
    for (int t = 0; t < 6; ++t) {
      actions[t * kNu] = 10.0f;
      actions[(6 + t) * kNu] = second_fx;
    }
    *request.mutable_actions() = WireTensor({2, 6, kNu}, actions);
    return request;
  }

  grpc::Status CallRollout(const v1::RolloutRequest& request,
                           v1::RolloutResponse* response) {
    grpc::ClientContext context;
    return stub_->Rollout(&context, request, response);
  }
};

TEST_F(ModelFaultsTest, AnExceptionIsInternalAndTheServerKeepsAnswering) {
  StartServer();
  v1::PredictResponse predicted;
  grpc::Status status =
      CallPredict(Predict("faulty", kThrowMarker), &predicted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("injected fault"));
  EXPECT_THAT(status.error_message(), HasSubstr("Predict"));

  v1::RolloutResponse rolled;
  status = CallRollout(Rollout("faulty", kThrowMarker, 0.0f), &rolled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("injected fault"));

  v1::PlanRequest plan_request;
  plan_request.mutable_model()->set_name("faulty");
  std::vector<float> state(kNx, 0.0f);
  state[0] = kThrowMarker;
  *plan_request.mutable_state() = WireTensor({kNx}, state);
  plan_request.mutable_task()->add_position_joints("box_x");
  plan_request.mutable_task()->add_position_joints("box_y");
  plan_request.mutable_planner()->set_samples(8);
  plan_request.mutable_planner()->set_horizon(4);
  plan_request.mutable_planner()->set_threads(2);  // worker threads throw
  grpc::ClientContext plan_context;
  v1::PlanResponse plan;
  status = stub_->Plan(&plan_context, plan_request, &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("injected fault"));

  // The same server still answers, on both models.
  ASSERT_TRUE(CallPredict(Predict("faulty", 0.0f), &predicted).ok());
  EXPECT_TRUE(AllFinite(predicted.mean()));
  ASSERT_TRUE(CallRollout(Rollout("slide", 0.0f, 0.0f), &rolled).ok());
  grpc::ClientContext list_context;
  v1::ListModelsResponse list;
  EXPECT_TRUE(stub_->ListModels(&list_context, {}, &list).ok());
  EXPECT_EQ(list.models_size(), 2);
}

TEST_F(ModelFaultsTest, AnExceptionOnBatcherWorkersFailsOnlyItsCall) {
  v1::ServerConfig config;
  config.mutable_batching()->set_workers(1);
  config.mutable_batching()->set_max_queue_delay_us(20000);  // batches form
  StartServer(config);
  constexpr int kClients = 8, kCallsEach = 20;
  std::vector<int> ok(kClients, 0), internal(kClients, 0), other(kClients, 0);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kCallsEach; ++i) {
        const bool faulty = (c + i) % 2 == 0;
        v1::PredictResponse response;
        grpc::Status status = CallPredict(
            Predict("faulty", faulty ? kThrowMarker : 0.0f), &response);
        if (faulty && status.error_code() == grpc::StatusCode::INTERNAL) {
          ++internal[c];
        } else if (!faulty && status.ok()) {
          ++ok[c];
        } else {
          ++other[c];
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  int total_ok = 0, total_internal = 0, total_other = 0;
  for (int c = 0; c < kClients; ++c) {
    total_ok += ok[c];
    total_internal += internal[c];
    total_other += other[c];
  }
  EXPECT_EQ(total_ok, kClients * kCallsEach / 2);
  EXPECT_EQ(total_internal, kClients * kCallsEach / 2);
  EXPECT_EQ(total_other, 0);
  v1::PredictResponse after;
  EXPECT_TRUE(CallPredict(Predict("slide", 0.0f), &after).ok());
}

TEST_F(ModelFaultsTest, ADivergedSampleIsAnsweredFiniteSaturatedAndNamed) {
  StartServer();
  v1::RolloutResponse faulty, sound;
  ASSERT_TRUE(CallRollout(Rollout("faulty", 0.0f, 35.0f), &faulty).ok());
  ASSERT_TRUE(CallRollout(Rollout("slide", 0.0f, 35.0f), &sound).ok());
  EXPECT_THAT(faulty.diverged_samples(), ElementsAre(1));
  EXPECT_TRUE(AllFinite(faulty.mean()));
  EXPECT_TRUE(AllFinite(faulty.epistemic_std()));
  EXPECT_TRUE(sound.diverged_samples().empty());
  const int steps = 7, ns = faulty.epistemic_std().shape(2);
  // Sample 0 is the real model's answer, untouched.
  for (int i = 0; i < steps * kNx; ++i) {
    EXPECT_EQ(faulty.mean().data(i), sound.mean().data(i)) << i;
  }
  // Sample 1: sound before the divergence, then the last sound state held
  // and the spread saturated.
  const int base = steps * kNx;
  for (int t = 0; t < steps; ++t) {
    const int held = std::min(t, kDivergeStep - 1);
    for (int i = 0; i < kNx; ++i) {
      EXPECT_EQ(faulty.mean().data(base + t * kNx + i),
                sound.mean().data(base + held * kNx + i))
          << "step " << t << " entry " << i;
    }
    for (int i = 0; i < ns; ++i) {
      const float spread = faulty.epistemic_std().data((steps + t) * ns + i);
      if (t >= kDivergeStep) EXPECT_EQ(spread, worldmodel::kSaturatedStd);
    }
  }

  // Predict: the row answers its input state with saturated spreads.
  v1::PredictRequest request = Predict("faulty", 0.25f);
  request.mutable_actions()->set_data(0, 35.0f);
  v1::PredictResponse predicted;
  ASSERT_TRUE(CallPredict(request, &predicted).ok());
  EXPECT_THAT(predicted.diverged_rows(), ElementsAre(0));
  EXPECT_EQ(predicted.mean().data(0), 0.25f);
  EXPECT_EQ(predicted.epistemic_std().data(0), worldmodel::kSaturatedStd);
}

TEST_F(ModelFaultsTest, PlanningOverADivergingMemberCompletes) {
  StartServer();
  v1::PlanRequest request;
  request.mutable_model()->set_name("faulty");
  *request.mutable_state() = WireTensor({kNx}, std::vector<float>(kNx, 0.0f));
  request.mutable_task()->add_position_joints("box_x");
  request.mutable_task()->add_position_joints("box_y");
  request.mutable_task()->set_goal_x(0.3);
  request.mutable_planner()->set_samples(64);
  request.mutable_planner()->set_horizon(10);
  request.mutable_planner()->set_seed(1);
  grpc::ClientContext context;
  v1::PlanResponse plan;
  grpc::Status status = stub_->Plan(&context, request, &plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(plan.diverged_samples(), 0) << "pushes beyond 30 N diverge";
  EXPECT_EQ(plan.failed_iterations(), 0);
  EXPECT_TRUE(AllFinite(plan.actions()));
  EXPECT_TRUE(std::isfinite(plan.cost()));
  EXPECT_GT(plan.actions().data(0), 0) << "the goal lies along +x";
  EXPECT_LE(plan.actions().data(0), kDivergeAboveN)
      << "a diverging first action never wins";
}

}  // namespace
}  // namespace wm::services
