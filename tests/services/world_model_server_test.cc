// WorldModelServer through a real gRPC server on a loopback port: each RPC,
// each error code, versions, auth, deadlines, drain, health and metrics.

#include "services/world_model_server.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "services/tensor_codec.h"
#include "tests/services/test_server.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using testing::PublishSlideVersion;
using testing::ServerFixture;

constexpr int kNx = 8, kNu = 2;  // slide: 4 joints, 2 force actuators
// Served answers travel as float32, like in-process ones: equal to this.
constexpr double kServedTolerance = 1e-5;

v1::Tensor WireTensor(std::vector<int64_t> shape, std::vector<float> data) {
  v1::Tensor tensor;
  tensor.mutable_shape()->Assign(shape.begin(), shape.end());
  tensor.mutable_data()->Assign(data.begin(), data.end());
  return tensor;
}

// `rows` slide states moving at 0.5 m/s along x, pushed with 10 N.
v1::PredictRequest SlidePredict(int rows, const std::string& name = "slide") {
  v1::PredictRequest request;
  request.mutable_model()->set_name(name);
  std::vector<float> states(rows * kNx, 0.0f), actions(rows * kNu, 0.0f);
  for (int r = 0; r < rows; ++r) {
    states[r * kNx + 4] = 0.5f + 0.1f * r;
    actions[r * kNu] = 10.0f;
  }
  *request.mutable_states() = WireTensor({rows, kNx}, states);
  *request.mutable_actions() = WireTensor({rows, kNu}, actions);
  return request;
}

grpc::Status CallPredict(v1::WorldModelService::Stub* stub,
                         const v1::PredictRequest& request,
                         v1::PredictResponse* response,
                         absl::Duration timeout = absl::Seconds(20)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return stub->Predict(&context, request, response);
}

class WorldModelServerTest : public ServerFixture {};

TEST_F(WorldModelServerTest, ListsAndDescribesModels) {
  PublishSlideVersion(models_dir(), "slide", 1);
  PublishSlideVersion(models_dir(), "slide", 2);
  StartServer();
  grpc::ClientContext list_context;
  v1::ListModelsResponse list;
  ASSERT_TRUE(stub_->ListModels(&list_context, {}, &list).ok());
  ASSERT_EQ(list.models_size(), 1);
  EXPECT_EQ(list.models(0).name(), "slide");
  EXPECT_THAT(list.models(0).versions(), ::testing::ElementsAre(1, 2));
  EXPECT_EQ(list.models(0).default_version(), 2);

  grpc::ClientContext info_context;
  v1::GetModelInfoRequest request;
  request.mutable_model()->set_name("slide");
  v1::ModelInfo info;
  ASSERT_TRUE(stub_->GetModelInfo(&info_context, request, &info).ok());
  EXPECT_EQ(info.model().version(), 2);
  EXPECT_EQ(info.kind(), "mujoco");
  EXPECT_EQ(info.spec().nq() + info.spec().nv(), kNx);
  EXPECT_EQ(info.spec().actuators(0).name(), "fx");
  EXPECT_NEAR(info.dt(), 0.02, 1e-12);
  ASSERT_EQ(info.parameters_size(), 2);
  EXPECT_EQ(info.ensemble_size(), 1);
}

TEST_F(WorldModelServerTest, ServedAnswersEqualInProcessOnes) {
  PublishSlideVersion(models_dir(), "slide", 1);
  StartServer();
  auto local =
      worldmodel::MujocoModel::Create(*sim::LoadSceneConfig("slide"), {});
  ASSERT_TRUE(local.ok());

  // Predict with explicit parameters for each row, and per-member output.
  v1::PredictRequest request = SlidePredict(3);
  *request.mutable_context()->mutable_parameters() =
      WireTensor({3, 2}, {0.3f, 1.0f, 0.6f, 1.0f, 0.3f, 2.0f});
  request.set_per_member(true);
  v1::PredictResponse served;
  ASSERT_TRUE(CallPredict(stub_.get(), request, &served).ok());
  EXPECT_EQ(served.model().version(), 1);
  auto context = ContextFromProto(request.context(), true);
  auto expected =
      (*local)->Predict(*TensorFromProto(request.states(), ""),
                        *TensorFromProto(request.actions(), ""), *context);
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(served.mean().data_size(), 3 * kNx);
  for (int i = 0; i < served.mean().data_size(); ++i) {
    EXPECT_NEAR(served.mean().data(i), expected->mean.data[i],
                kServedTolerance);
  }
  EXPECT_THAT(served.member_mean().shape(), ::testing::ElementsAre(1, 3, kNx));

  // Rollout of 2 sequences x 5 steps from one shared initial state.
  v1::RolloutRequest rollout;
  rollout.mutable_model()->set_name("slide");
  *rollout.mutable_initial_states() =
      WireTensor({1, kNx}, {0, 0, 0, 0, 1.0f, 0, 0, 0});
  *rollout.mutable_actions() =
      WireTensor({2, 5, kNu}, std::vector<float>(20, 5.0f));
  grpc::ClientContext rollout_context;
  v1::RolloutResponse trajectory;
  ASSERT_TRUE(stub_->Rollout(&rollout_context, rollout, &trajectory).ok());
  EXPECT_THAT(trajectory.mean().shape(), ::testing::ElementsAre(2, 6, kNx));
  auto local_trajectory =
      (*local)->Rollout(*TensorFromProto(rollout.initial_states(), ""),
                        *TensorFromProto(rollout.actions(), ""), {});
  ASSERT_TRUE(local_trajectory.ok());
  for (int i = 0; i < trajectory.mean().data_size(); ++i) {
    EXPECT_NEAR(trajectory.mean().data(i), local_trajectory->mean.data[i],
                kServedTolerance);
  }
}

TEST_F(WorldModelServerTest, RefusesBadRequestsWithTheRightCodes) {
  PublishSlideVersion(models_dir(), "slide", 1);
  v1::ServerConfig config;
  config.set_max_predict_rows(8);
  config.set_max_rollout_steps(100);
  config.set_max_message_bytes(4096);
  StartServer(config);
  struct Case {
    const char* what;
    v1::PredictRequest request;
    grpc::StatusCode code;
    const char* message;
  };
  std::vector<Case> cases;
  cases.push_back({"unknown model", SlidePredict(1, "nope"),
                   grpc::StatusCode::NOT_FOUND, "nope"});
  cases.push_back({"path as a name", SlidePredict(1, "../slide"),
                   grpc::StatusCode::INVALID_ARGUMENT, "plain"});
  v1::PredictRequest version = SlidePredict(1);
  version.mutable_model()->set_version(7);
  cases.push_back({"unknown version", version, grpc::StatusCode::NOT_FOUND,
                   "no loaded version 7"});
  v1::PredictRequest shape = SlidePredict(1);
  *shape.mutable_states() =
      WireTensor({1, kNx - 1}, std::vector<float>(kNx - 1));
  cases.push_back(
      {"wrong width", shape, grpc::StatusCode::INVALID_ARGUMENT, "states"});
  v1::PredictRequest count = SlidePredict(1);
  count.mutable_actions()->add_data(1.0f);
  cases.push_back(
      {"data size", count, grpc::StatusCode::INVALID_ARGUMENT, "actions"});
  v1::PredictRequest nan = SlidePredict(1);
  nan.mutable_actions()->set_data(1, std::nanf(""));
  cases.push_back({"NaN", nan, grpc::StatusCode::INVALID_ARGUMENT, "actions"});
  v1::PredictRequest parameters = SlidePredict(2);
  *parameters.mutable_context()->mutable_parameters() =
      WireTensor({2, 3}, std::vector<float>(6, 1.0f));
  cases.push_back({"parameter count", parameters,
                   grpc::StatusCode::INVALID_ARGUMENT, "context.parameters"});
  cases.push_back({"too many rows", SlidePredict(9),
                   grpc::StatusCode::RESOURCE_EXHAUSTED, "cap"});
  for (const Case& c : cases) {
    v1::PredictResponse response;
    grpc::Status status = CallPredict(stub_.get(), c.request, &response);
    EXPECT_EQ(status.error_code(), c.code)
        << c.what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.message)) << c.what;
  }

  v1::RolloutRequest rollout;
  rollout.mutable_model()->set_name("slide");
  *rollout.mutable_initial_states() =
      WireTensor({1, kNx}, std::vector<float>(kNx));
  *rollout.mutable_actions() =
      WireTensor({11, 10, kNu}, std::vector<float>(220));
  grpc::ClientContext rollout_context;
  v1::RolloutResponse trajectory;
  EXPECT_EQ(stub_->Rollout(&rollout_context, rollout, &trajectory).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Within the step cap, but the answer would not fit in a message: refused
  // before computing; a short one fits.
  *rollout.mutable_actions() =
      WireTensor({1, 99, kNu}, std::vector<float>(198));
  grpc::ClientContext long_context;
  grpc::Status too_big = stub_->Rollout(&long_context, rollout, &trajectory);
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(too_big.error_message(), HasSubstr("message limit"));
  *rollout.mutable_actions() = WireTensor({1, 10, kNu}, std::vector<float>(20));
  grpc::ClientContext short_context;
  EXPECT_TRUE(stub_->Rollout(&short_context, rollout, &trajectory).ok());

  v1::InferParametersRequest infer;
  infer.mutable_model()->set_name("slide");
  grpc::ClientContext infer_context;
  v1::ParameterEstimate estimate;
  EXPECT_EQ(
      stub_->InferParameters(&infer_context, infer, &estimate).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(WorldModelServerTest, PlansNextToTheModel) {
  PublishSlideVersion(models_dir(), "slide", 1);
  StartServer();
  v1::PlanRequest request;
  request.mutable_model()->set_name("slide");
  *request.mutable_state() = WireTensor({kNx}, std::vector<float>(kNx, 0.0f));
  request.mutable_task()->add_position_joints("box_x");
  request.mutable_task()->add_position_joints("box_y");
  request.mutable_task()->set_goal_x(0.3);
  request.mutable_planner()->set_samples(32);
  request.mutable_planner()->set_horizon(10);
  request.mutable_planner()->set_seed(1);
  grpc::ClientContext context;
  v1::PlanResponse plan;
  grpc::Status status = stub_->Plan(&context, request, &plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(plan.model().version(), 1);
  EXPECT_THAT(plan.actions().shape(), ::testing::ElementsAre(10, kNu));
  EXPECT_THAT(plan.predicted_mean().shape(), ::testing::ElementsAre(11, kNx));
  EXPECT_GT(plan.actions().data(0), 0) << "the goal lies along +x";
  EXPECT_GE(plan.iterations(), 1);

  // A task naming a joint the model lacks, and a warm start of the wrong
  // shape, are refused naming the field.
  v1::PlanRequest bad_task = request;
  bad_task.mutable_task()->set_position_joints(0, "nope");
  grpc::ClientContext bad_task_context;
  status = stub_->Plan(&bad_task_context, bad_task, &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("task.position_joints"));
  v1::PlanRequest bad_warm = request;
  *bad_warm.mutable_warm_start() = WireTensor({3, kNu}, std::vector<float>(6));
  grpc::ClientContext bad_warm_context;
  status = stub_->Plan(&bad_warm_context, bad_warm, &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("warm_start"));
}

TEST_F(WorldModelServerTest, BearerTokenGuardsEveryCall) {
  PublishSlideVersion(models_dir(), "slide", 1);
  const std::string token_file = temp_.Join("token");
  ASSERT_THAT(WriteFileAtomically(token_file, "s3cret\n"),
              ::wm::testing::IsOk());
  v1::ServerConfig config;
  config.set_token_file(token_file);
  StartServer(config);
  for (const char* header : {"", "Bearer wrong", "Bearer s3cret"}) {
    grpc::ClientContext context;
    if (*header) context.AddMetadata("authorization", header);
    v1::ListModelsResponse list;
    grpc::Status status = stub_->ListModels(&context, {}, &list);
    EXPECT_EQ(status.error_code(), std::string(header) == "Bearer s3cret"
                                       ? grpc::StatusCode::OK
                                       : grpc::StatusCode::UNAUTHENTICATED)
        << "'" << header << "'";
  }
}

TEST_F(WorldModelServerTest, TlsServesOnlyTlsClientsThatTrustItsCertificate) {
  PublishSlideVersion(models_dir(), "slide", 1);
  const std::string cert = temp_.Join("server.crt"),
                    key = temp_.Join("server.key");
  ASSERT_EQ(
      std::system(
          absl::StrCat(
              "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
              "/CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
              "-keyout ",
              key, " -out ", cert, " 2>/dev/null")
              .c_str()),
      0)
      << "openssl could not make a test certificate";
  v1::ServerConfig config;
  config.set_tls_cert_file(cert);
  config.set_tls_key_file(key);
  StartServer(config);

  auto root = ReadFileToString(cert);
  ASSERT_TRUE(root.ok());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *root;
  auto secure = v1::WorldModelService::NewStub(
      grpc::CreateChannel(target(), grpc::SslCredentials(ssl)));
  grpc::ClientContext secure_context;
  v1::ListModelsResponse list;
  grpc::Status status = secure->ListModels(&secure_context, {}, &list);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(list.models_size(), 1);

  // The plaintext stub of the fixture cannot talk to a TLS server.
  grpc::ClientContext plain_context;
  plain_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  EXPECT_FALSE(stub_->ListModels(&plain_context, {}, &list).ok());

  v1::ServerConfig half;
  half.set_tls_cert_file(cert);
  EXPECT_THAT(WorldModelServer::Start(half, models_dir(), &factory_).status(),
              ::wm::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("tls_key_file")));
}

TEST_F(WorldModelServerTest, NewVersionSwapsInUnderLoadWithoutFailedCalls) {
  PublishSlideVersion(models_dir(), "slide", 1);
  v1::ServerConfig config;
  config.set_poll_seconds(0.05);
  StartServer(config);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, calls{0}, on_version2{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      while (!stop) {
        v1::PredictResponse response;
        grpc::Status status =
            CallPredict(stub_.get(), SlidePredict(2), &response);
        ++calls;
        if (!status.ok()) ++failures;
        if (response.model().version() == 2) ++on_version2;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(200));
  // A broken version 3 is refused; version 2 is swapped in.
  PublishSlideVersion(models_dir(), "slide", 3, {}, /*broken=*/true);
  PublishSlideVersion(models_dir(), "slide", 2);
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (on_version2 < 50 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  stop = true;
  for (auto& client : clients) client.join();
  EXPECT_EQ(failures, 0) << "of " << calls << " calls";
  EXPECT_GE(on_version2, 50);
  grpc::ClientContext context;
  v1::ListModelsResponse list;
  ASSERT_TRUE(stub_->ListModels(&context, {}, &list).ok());
  EXPECT_THAT(list.models(0).versions(), ::testing::ElementsAre(1, 2));
  EXPECT_EQ(list.models(0).default_version(), 2);
}

// The metrics page's value of a line starting with `series` (-1 if absent).
double MetricValue(const std::string& page, const std::string& series) {
  for (size_t at = page.find(series); at != std::string::npos;
       at = page.find(series, at + 1)) {
    if (at > 0 && page[at - 1] != '\n') continue;
    const size_t space = page.find(' ', at);
    if (space == at + series.size()) return std::stod(page.substr(space + 1));
  }
  return -1;
}

TEST_F(WorldModelServerTest, ExpiredDeadlinesDropQueuedWork) {
  PublishSlideVersion(models_dir(), "slide", 1);
  v1::ServerConfig config;
  config.mutable_batching()->set_workers(1);
  config.set_metrics_port(-1);
  StartServer(config);
  // A long call (tens of thousands of rows) occupies the only slot; a call
  // with a short deadline queued behind it expires and is never computed.
  std::thread long_call([&] {
    v1::PredictResponse response;
    EXPECT_TRUE(CallPredict(stub_.get(), SlidePredict(8000), &response).ok());
  });
  absl::SleepFor(absl::Milliseconds(100));
  v1::PredictResponse response;
  grpc::Status expired = CallPredict(stub_.get(), SlidePredict(1), &response,
                                     absl::Milliseconds(50));
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << expired.error_message();
  long_call.join();

  httplib::Client client("127.0.0.1", server_->metrics_port());
  auto page = client.Get("/metrics");
  ASSERT_TRUE(page) << "no metrics page";
  EXPECT_EQ(page->status, 200);
  // One model call was made: the long one.
  EXPECT_EQ(MetricValue(page->body, "wm_predict_batch_calls_count"), 1);
  EXPECT_EQ(
      MetricValue(page->body, "wm_calls_total{method=\"Predict\",code=\"OK\"}"),
      1);
  EXPECT_EQ(MetricValue(page->body, "wm_loaded_versions{model=\"slide\"}"), 1);
}

TEST_F(WorldModelServerTest, ConcurrentPredictCallsShareModelCalls) {
  PublishSlideVersion(models_dir(), "slide", 1);
  v1::ServerConfig config;
  config.mutable_batching()->set_workers(1);
  config.set_metrics_port(-1);
  StartServer(config);
  constexpr int kClients = 16, kCallsEach = 20;
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kCallsEach; ++i) {
        v1::PredictRequest request = SlidePredict(1);
        request.mutable_states()->set_data(4, 0.01f * (c * kCallsEach + i));
        v1::PredictResponse response;
        if (!CallPredict(stub_.get(), request, &response).ok()) ++failures;
        // Each caller gets its own row back: x velocity decreases from its
        // own start, under friction and a 10 N push, by < 1 m/s in 20 ms.
        if (std::abs(response.mean().data(4) - request.states().data(4)) > 1) {
          ++failures;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failures, 0);
  httplib::Client client("127.0.0.1", server_->metrics_port());
  auto page = client.Get("/metrics");
  ASSERT_TRUE(page);
  const double model_calls =
      MetricValue(page->body, "wm_predict_batch_calls_count");
  EXPECT_EQ(MetricValue(page->body, "wm_predict_batch_calls_sum"),
            kClients * kCallsEach);
  EXPECT_LT(model_calls, kClients * kCallsEach)
      << "no two calls were ever batched together";
}

TEST_F(WorldModelServerTest, ShutdownDrainsInFlightCalls) {
  PublishSlideVersion(models_dir(), "slide", 1);
  StartServer();
  grpc::ClientContext health_context;
  grpc::health::v1::HealthCheckRequest health_request;
  health_request.set_service("wm.v1.WorldModelService");
  grpc::health::v1::HealthCheckResponse health;
  auto health_stub = grpc::health::v1::Health::NewStub(channel_);
  ASSERT_TRUE(
      health_stub->Check(&health_context, health_request, &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  std::atomic<bool> long_call_ok{false};
  std::thread long_call([&] {
    v1::PredictResponse response;
    long_call_ok =
        CallPredict(stub_.get(), SlidePredict(8000), &response).ok() &&
        response.mean().data_size() == 8000 * kNx;
  });
  absl::SleepFor(absl::Milliseconds(100));
  server_->Shutdown(absl::Seconds(20));
  long_call.join();
  EXPECT_TRUE(long_call_ok) << "the in-flight call was not allowed to finish";
  v1::PredictResponse response;
  EXPECT_EQ(
      CallPredict(stub_.get(), SlidePredict(1), &response, absl::Seconds(2))
          .error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace wm::services
