// Hostile requests against a real server: every planner and task field
// and every explicit physical parameter is checked where it arrives, with
// the field named; planner threads, work and time come from the server's
// caps, so no request raises the server's thread count past its pool.

#include <grpcpp/grpcpp.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "tests/services/test_server.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using testing::PublishSlideVersion;
using testing::ServerFixture;

constexpr int kNx = 8, kNu = 2;  // slide: 4 joints, 2 force actuators
constexpr int kMaxPlannerThreads = 2;
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

v1::Tensor WireTensor(std::vector<int64_t> shape, std::vector<float> data) {
  v1::Tensor tensor;
  tensor.mutable_shape()->Assign(shape.begin(), shape.end());
  tensor.mutable_data()->Assign(data.begin(), data.end());
  return tensor;
}

// Threads of this process (the server runs in it), from /proc.
int ProcessThreads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

class RequestBoundsTest : public ServerFixture {
 protected:
  void SetUp() override {
    PublishSlideVersion(models_dir(), "slide", 1);
    v1::ServerConfig config;
    config.set_max_planner_threads(kMaxPlannerThreads);
    config.set_max_plan_steps(100000);
    config.set_max_plan_time_budget_ms(5000);
    StartServer(config);
  }

  static v1::PlanRequest SoundPlan() {
    v1::PlanRequest request;
    request.mutable_model()->set_name("slide");
    *request.mutable_state() = WireTensor({kNx}, std::vector<float>(kNx, 0.0f));
    request.mutable_task()->add_position_joints("box_x");
    request.mutable_task()->add_position_joints("box_y");
    request.mutable_task()->set_goal_x(0.3);
    request.mutable_planner()->set_samples(16);
    request.mutable_planner()->set_horizon(5);
    request.mutable_planner()->set_iterations(1);
    return request;
  }

  grpc::Status CallPlan(const v1::PlanRequest& request) {
    grpc::ClientContext context;
    v1::PlanResponse response;
    return stub_->Plan(&context, request, &response);
  }

  // `friction` and `mass` as the explicit context of a one-row call.
  static v1::Context Parameters(float friction, float mass) {
    v1::Context context;
    *context.mutable_parameters() = WireTensor({1, 2}, {friction, mass});
    return context;
  }
};

void ExpectRefused(const grpc::Status& status, grpc::StatusCode code,
                   const std::string& field) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(field));
}

TEST_F(RequestBoundsTest, PlannerThreadsComeFromTheServer) {
  const int threads_before = ProcessThreads();
  v1::PlanRequest request = SoundPlan();
  request.mutable_planner()->set_threads(5000);
  ExpectRefused(CallPlan(request), grpc::StatusCode::RESOURCE_EXHAUSTED,
                "planner.threads: 5000 exceeds the server's cap of 2");
  EXPECT_LE(ProcessThreads(), threads_before + 1)
      << "a refused request started no threads";
  request.mutable_planner()->set_threads(kMaxPlannerThreads);
  EXPECT_TRUE(CallPlan(request).ok());
  request.mutable_planner()->set_threads(0);  // the server's number
  EXPECT_TRUE(CallPlan(request).ok());
  request.mutable_planner()->set_threads(-3);
  ExpectRefused(CallPlan(request), grpc::StatusCode::INVALID_ARGUMENT,
                "planner.threads");
}

TEST_F(RequestBoundsTest, WorkAndTimeAreCappedByTheServer) {
  v1::PlanRequest request = SoundPlan();
  request.mutable_planner()->set_samples(1000);
  request.mutable_planner()->set_horizon(20);
  request.mutable_planner()->set_iterations(10);  // 200000 steps > 100000
  ExpectRefused(CallPlan(request), grpc::StatusCode::RESOURCE_EXHAUSTED,
                "iterations exceed the server's cap of 100000");
  request = SoundPlan();
  request.mutable_planner()->set_time_budget_ms(3.6e6);
  ExpectRefused(CallPlan(request), grpc::StatusCode::RESOURCE_EXHAUSTED,
                "planner.time_budget_ms");
}

TEST_F(RequestBoundsTest, EveryPlannerAndTaskFieldIsValidatedByName) {
  struct Case {
    std::function<void(v1::PlanRequest*)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](auto* r) { r->mutable_planner()->set_noise(kNan); }, "planner.noise"},
      {[](auto* r) { r->mutable_planner()->set_noise(-0.5); }, "planner.noise"},
      {[](auto* r) { r->mutable_planner()->set_temperature(INFINITY); },
       "planner.temperature"},
      {[](auto* r) { r->mutable_planner()->set_elite_fraction(2); },
       "planner.elite_fraction"},
      {[](auto* r) { r->mutable_planner()->set_noise_correlation(kNan); },
       "planner.noise_correlation"},
      {[](auto* r) { r->mutable_planner()->set_time_budget_ms(-1); },
       "planner.time_budget_ms"},
      {[](auto* r) { r->mutable_planner()->set_samples(-7); },
       "planner.samples"},
      {[](auto* r) { r->mutable_planner()->set_horizon(-1); },
       "planner.horizon"},
      {[](auto* r) { r->mutable_task()->set_goal_x(kNan); }, "task.goal_x"},
      {[](auto* r) { r->mutable_task()->set_goal_yaw(1e300); },
       "task.goal_yaw"},
      {[](auto* r) { r->mutable_task()->set_position_weight(kNan); },
       "task.position_weight"},
      {[](auto* r) { r->mutable_task()->set_epistemic_weight(1e30); },
       "task.epistemic_weight"},
  };
  for (const Case& c : cases) {
    v1::PlanRequest request = SoundPlan();
    c.spoil(&request);
    ExpectRefused(CallPlan(request), grpc::StatusCode::INVALID_ARGUMENT,
                  c.field);
  }
}

TEST_F(RequestBoundsTest, ImpossibleParametersAreRefusedByName) {
  // slide's parameters: box_floor/friction, box/mass.
  v1::PredictRequest predict;
  predict.mutable_model()->set_name("slide");
  *predict.mutable_states() = WireTensor({1, kNx}, std::vector<float>(kNx));
  *predict.mutable_actions() = WireTensor({1, kNu}, {1.0f, 0.0f});
  v1::RolloutRequest rollout;
  rollout.mutable_model()->set_name("slide");
  *rollout.mutable_initial_states() =
      WireTensor({1, kNx}, std::vector<float>(kNx));
  *rollout.mutable_actions() = WireTensor({1, 2, kNu}, std::vector<float>(4));
  v1::PlanRequest plan = SoundPlan();

  struct Case {
    float friction, mass;
    std::string message;
  };
  const std::vector<Case> cases = {
      {-0.3f, 1.0f, "(box_floor/friction): -0.3 is outside [0, 10]"},
      {0.3f, -1.0f, "(box/mass): -1 is outside (0, 10000] kg"},
      {0.3f, 0.0f, "(box/mass): 0 is outside (0, 10000] kg"},
      {0.3f, 1e9f, "(box/mass): 1e+09 is outside"},
      {100.0f, 1.0f, "(box_floor/friction): 100 is outside"},
  };
  for (const Case& c : cases) {
    *predict.mutable_context() = Parameters(c.friction, c.mass);
    *rollout.mutable_context() = Parameters(c.friction, c.mass);
    *plan.mutable_context() = Parameters(c.friction, c.mass);
    grpc::ClientContext predict_context, rollout_context;
    v1::PredictResponse predicted;
    v1::RolloutResponse rolled;
    ExpectRefused(stub_->Predict(&predict_context, predict, &predicted),
                  grpc::StatusCode::INVALID_ARGUMENT, c.message);
    ExpectRefused(stub_->Rollout(&rollout_context, rollout, &rolled),
                  grpc::StatusCode::INVALID_ARGUMENT, c.message);
    ExpectRefused(CallPlan(plan), grpc::StatusCode::INVALID_ARGUMENT,
                  c.message);
  }
  // NaN is refused when the tensor arrives, naming the field.
  *predict.mutable_context() = Parameters(kNan, 1.0f);
  grpc::ClientContext nan_context;
  v1::PredictResponse predicted;
  ExpectRefused(stub_->Predict(&nan_context, predict, &predicted),
                grpc::StatusCode::INVALID_ARGUMENT, "context.parameters");
  // Plausible ones are served.
  *predict.mutable_context() = Parameters(0.3f, 1.0f);
  grpc::ClientContext ok_context;
  EXPECT_TRUE(stub_->Predict(&ok_context, predict, &predicted).ok());
}

}  // namespace
}  // namespace wm::services
