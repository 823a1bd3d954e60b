// Serving cost, side by side in one run (bench_report.h format):
// - Predict batch 1: gRPC p50 against an empty RPC with the same payload
//   plus the in-process call (overhead target <= 20 us), p99 reported;
// - Rollout 256 x 30 of the default physics model: gRPC against in-process
//   (overhead target <= 5 ms + 2 ms per MB of response);
// - dynamic batching: 32 concurrent batch-1 clients, batching on vs off;
// - closed-loop planning: one `wm plan` control step (256 x 30, one
//   iteration) over Rollout RPCs against 50 Hz, with its parts;
// - the Python peer (bench/serving_peer.py, grpcio + python3-torch) with the
//   same blackbox weights: batch-1 Predict throughput and Rollout 256 x 30.
// Models are trained for a few steps at the default sizes (speed does not
// depend on the weights) on a small generated push dataset.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_report.h"
#include "bench/echo.grpc.pb.h"
#include "bench/push_models.h"
#include "services/client/remote_world_model.h"
#include "services/model_manager.h"
#include "services/tensor_codec.h"
#include "services/world_model_server.h"
#include "util/logging.h"
#include "wm/v1/service.grpc.pb.h"
#include "worldmodel/learned/torch_runtime.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/model_registry_hooks.h"
#include "worldmodel/planning/sampling_planner.h"

namespace wm::bench {
namespace {

constexpr int kRolloutSamples = 256, kRolloutHorizon = 30;
constexpr int kConcurrentClients = 32;

// Answers canned responses of the real ones' sizes.
class EchoService final : public wm::bench::Echo::Service {
 public:
  EchoService(v1::PredictResponse predict, v1::RolloutResponse rollout)
      : predict_(std::move(predict)), rollout_(std::move(rollout)) {}
  grpc::Status Predict(grpc::ServerContext*, const v1::PredictRequest*,
                       v1::PredictResponse* response) override {
    *response = predict_;
    return grpc::Status::OK;
  }
  grpc::Status Rollout(grpc::ServerContext*, const v1::RolloutRequest*,
                       v1::RolloutResponse* response) override {
    *response = rollout_;
    return grpc::Status::OK;
  }

 private:
  const v1::PredictResponse predict_;
  const v1::RolloutResponse rollout_;
};

struct Latency {
  double p50_us = 0, p99_us = 0, mean_us = 0;
};

// Times `calls` sequential calls of `call` after a warm-up.
template <typename Call>
Latency TimeCalls(int calls, Call call) {
  for (int i = 0; i < std::max(5, calls / 20); ++i) call();
  std::vector<double> micros;
  for (int i = 0; i < calls; ++i) {
    const absl::Time start = absl::Now();
    call();
    micros.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
  }
  std::sort(micros.begin(), micros.end());
  Latency latency;
  latency.p50_us = micros[micros.size() / 2];
  latency.p99_us = micros[micros.size() * 99 / 100];
  for (double us : micros) latency.mean_us += us / micros.size();
  return latency;
}

// Times `calls` rounds of the given calls, interleaved (one of each per
// round) so that all see the same machine load; one Latency per call.
std::vector<Latency> TimeInterleaved(
    int calls, const std::vector<std::function<void()>>& functions) {
  std::vector<std::vector<double>> micros(functions.size());
  for (int i = -calls / 10; i < calls; ++i) {  // the first tenth warms up
    for (size_t f = 0; f < functions.size(); ++f) {
      const absl::Time start = absl::Now();
      functions[f]();
      if (i >= 0) {
        micros[f].push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
      }
    }
  }
  std::vector<Latency> latencies;
  for (auto& samples : micros) {
    std::sort(samples.begin(), samples.end());
    Latency latency;
    latency.p50_us = samples[samples.size() / 2];
    latency.p99_us = samples[samples.size() * 99 / 100];
    for (double us : samples) latency.mean_us += us / samples.size();
    latencies.push_back(latency);
  }
  return latencies;
}

// Calls per second of `clients` threads each calling `call` for `seconds`.
template <typename Call>
double Throughput(int clients, double seconds, Call call) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      while (!stop) {
        call();
        ++done;
      }
    });
  }
  absl::SleepFor(absl::Seconds(0.3));  // warm-up
  const int64_t before = done;
  const absl::Time start = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  const int64_t counted = done - before;
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  stop = true;
  for (auto& thread : threads) thread.join();
  return counted / elapsed;
}

std::unique_ptr<v1::WorldModelService::Stub> Connect(int port) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(64 << 20);
  return v1::WorldModelService::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                grpc::InsecureChannelCredentials(), arguments));
}

// A push state at rest and a mid-range action, as a Predict request.
v1::PredictRequest PushPredict(const std::string& model, int rows) {
  v1::PredictRequest request;
  request.mutable_model()->set_name(model);
  const int nx = 17, nu = 2;
  Tensor states = Tensor::Filled({rows, nx});
  for (int r = 0; r < rows; ++r) {
    states.data[r * nx + 2] = 0.05f;  // box height
    states.data[r * nx + 3] = 1.0f;   // box quaternion w
    states.data[r * nx + 7] = 0.15f;  // pusher x
  }
  services::TensorToProto(states, request.mutable_states());
  services::TensorToProto(Tensor::Filled({rows, nu}, 0.1f),
                          request.mutable_actions());
  return request;
}

v1::RolloutRequest PushRollout(const std::string& model) {
  v1::PredictRequest one = PushPredict(model, 1);
  v1::RolloutRequest request;
  request.mutable_model()->set_name(model);
  *request.mutable_initial_states() = one.states();
  services::TensorToProto(
      Tensor::Filled({kRolloutSamples, kRolloutHorizon, 2}, 0.1f),
      request.mutable_actions());
  return request;
}

// Starts bench/serving_peer.py on `version_dir`; returns its port.
int StartPeer(const std::string& version_dir, const std::string& log,
              std::FILE** pipe) {
  const std::string command = absl::StrCat(
      "PYTHONPATH=", WM_BINARY_DIR, "/python exec /usr/bin/python3 ",
      WM_SOURCE_DIR, "/bench/serving_peer.py --model ", version_dir,
      " --port 0 2>", log);
  *pipe = popen(command.c_str(), "r");
  CHECK(*pipe != nullptr) << command;
  char line[512];
  while (std::fgets(line, sizeof(line), *pipe) != nullptr) {
    std::string text(line);
    const size_t at = text.find("listening on ");
    if (at != std::string::npos) {
      return std::stoi(text.substr(text.rfind(':') + 1));
    }
  }
  LOG(FATAL) << "the Python peer did not start; see " << log;
}

// One control step of `wm plan`'s closed loop over the served push physics
// model (MPPI 256 x 30, one iteration, the last second as context, the
// plan's own rollout skipped, all samples in one Rollout request as `wm
// plan` sends them to a server; against one request per core) against
// 50 Hz, and where
// its time goes: the request's encoding and decoding, the model's Rollout
// in the server's process, and one Rollout RPC.
void BenchClosedLoop(const worldmodel::WorldModel& remote,
                     const worldmodel::WorldModel& local,
                     const v1::PlanRequest& plan_request) {
  v1::PlannerConfig loop = plan_request.planner();
  loop.set_iterations(1);
  loop.set_skip_plan_rollout(true);
  auto planner = worldmodel::SamplingPlanner::Create(loop, plan_request.task(),
                                                     remote.spec());
  CHECK(planner.ok()) << planner.status();
  // The same with its samples in one Rollout request (split by the server
  // over its threads) instead of one request per core.
  v1::PlannerConfig one_request = loop;
  one_request.set_threads(1);
  auto one_request_planner = worldmodel::SamplingPlanner::Create(
      one_request, plan_request.task(), remote.spec());
  CHECK(one_request_planner.ok()) << one_request_planner.status();
  const Tensor state = *services::TensorFromProto(plan_request.state(), "");
  constexpr int64_t kHistorySteps = 20;  // 1 s of the push scene's 50 ms
  worldmodel::Context history;
  history.history_states.shape = {1, kHistorySteps + 1, 17};
  for (int64_t t = 0; t <= kHistorySteps; ++t) {
    history.history_states.data.insert(history.history_states.data.end(),
                                       state.data.begin(), state.data.end());
  }
  history.history_actions = Tensor::Filled({1, kHistorySteps, 2}, 0.1f);
  const Tensor initial{{1, 17}, state.data};
  Tensor samples = Tensor::Filled({kRolloutSamples, kRolloutHorizon, 2});
  for (size_t i = 0; i < samples.data.size(); ++i) {
    samples.data[i] = 0.1f * static_cast<float>((i * 7919) % 200) / 100.0f;
  }
  v1::RolloutRequest request;
  const std::vector<Latency> parts = TimeInterleaved(
      20,
      {[&] { CHECK((*planner)->Plan(remote, state, history).ok()); },
       [&] { CHECK(local.Rollout(initial, samples, history).ok()); },
       [&] { CHECK(remote.Rollout(initial, samples, history).ok()); },
       [&] {
         services::TensorToProto(initial, request.mutable_initial_states());
         services::TensorToProto(samples, request.mutable_actions());
         services::ContextToProto(history, request.mutable_context());
       },
       [&] {
         CHECK(services::TensorFromProto(request.actions(), "actions").ok());
         CHECK(services::ContextFromProto(request.context(), false).ok());
       },
       [&] {
         CHECK((*one_request_planner)->Plan(remote, state, history).ok());
       }});
  std::printf(
      "# closed-loop plan step p50 %.2f ms (p99 %.2f): one Rollout 256x30 "
      "with history in process %.2f ms, over gRPC %.2f ms; request "
      "encoding %.1f us, decoding %.1f us\n",
      parts[5].p50_us / 1e3, parts[5].p99_us / 1e3, parts[1].p50_us / 1e3,
      parts[2].p50_us / 1e3, parts[3].p50_us, parts[4].p50_us);
  Report("plan_closed_loop_hz", 1e6 / parts[5].p50_us, 50.0, "Hz");
  Report("plan_step_one_request_vs_one_per_core", parts[5].p50_us / 1e3,
         parts[0].p50_us / 1e3, "ms");
}

void BenchServing() {
  const std::string work =
      (std::filesystem::temp_directory_path() / "wm_serving_bench").string();
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  std::cerr << "preparing models in " << work << "\n";
  const std::string models =
      PreparePushModels(absl::StrCat(WM_BINARY_DIR, "/bin/wm"), work);

  worldmodel::ModelFactory factory;
  worldmodel::RegisterLearnedModels(&factory);
  auto physics = factory.Load(models + "/push_physics");
  CHECK(physics.ok()) << physics.status();
  v1::ServerConfig config;
  config.set_host("127.0.0.1");
  auto server = services::WorldModelServer::Start(config, models, &factory);
  CHECK(server.ok()) << server.status();
  config.mutable_batching()->set_disabled(true);
  auto unbatched = services::WorldModelServer::Start(config, models, &factory);
  CHECK(unbatched.ok()) << unbatched.status();
  auto stub = Connect((*server)->port());
  auto unbatched_stub = Connect((*unbatched)->port());

  // --- Predict batch 1 -----------------------------------------------------
  const v1::PredictRequest predict = PushPredict("push_physics", 1);
  v1::PredictResponse predict_answer;
  {
    grpc::ClientContext context;
    CHECK(stub->Predict(&context, predict, &predict_answer).ok());
  }
  const v1::RolloutRequest rollout = PushRollout("push_physics");
  v1::RolloutResponse rollout_answer;
  {
    grpc::ClientContext context;
    CHECK(stub->Rollout(&context, rollout, &rollout_answer).ok());
  }
  EchoService echo(predict_answer, rollout_answer);
  int echo_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &echo_port);
  builder.SetMaxSendMessageSize(64 << 20);
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> echo_server = builder.BuildAndStart();
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(64 << 20);
  auto echo_stub = wm::bench::Echo::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", echo_port),
                                grpc::InsecureChannelCredentials(), arguments));

  const Tensor states = *services::TensorFromProto(predict.states(), "");
  const Tensor actions = *services::TensorFromProto(predict.actions(), "");
  auto in_process_predict = [&] {
    CHECK((*physics)->Predict(states, actions, {}).ok());
  };
  auto grpc_predict = [&](v1::WorldModelService::Stub* target,
                          const v1::PredictRequest& request) {
    grpc::ClientContext context;
    v1::PredictResponse response;
    CHECK(target->Predict(&context, request, &response).ok());
  };
  auto echo_predict = [&] {
    grpc::ClientContext context;
    v1::PredictResponse response;
    CHECK(echo_stub->Predict(&context, predict, &response).ok());
  };
  constexpr int kCalls = 2000;
  const std::vector<Latency> predict_latencies =
      TimeInterleaved(kCalls, {in_process_predict, echo_predict,
                               [&] { grpc_predict(stub.get(), predict); }});
  const Latency& local = predict_latencies[0];
  const Latency& empty = predict_latencies[1];
  const Latency& served = predict_latencies[2];
  std::printf(
      "# Predict batch 1, push physics K=5 [112,96]: in-process p50 %.1f us, "
      "empty RPC p50 %.1f us, gRPC p50 %.1f us p99 %.1f us\n",
      local.p50_us, empty.p50_us, served.p50_us, served.p99_us);
  Report("predict_b1_p50_vs_empty_rpc_plus_in_process", served.p50_us,
         empty.p50_us + local.p50_us, "us");
  Report("predict_b1_overhead_p50_vs_20us_target",
         served.p50_us - empty.p50_us - local.p50_us, 20.0, "us");
  Report("predict_b1_p99_vs_p50", served.p99_us, served.p50_us, "us");

  // --- Rollout 256 x 30 ----------------------------------------------------
  const Tensor initial =
      *services::TensorFromProto(rollout.initial_states(), "");
  const Tensor sequences = *services::TensorFromProto(rollout.actions(), "");
  const std::vector<Latency> rollout_latencies = TimeInterleaved(
      20, {[&] { CHECK((*physics)->Rollout(initial, sequences, {}).ok()); },
           [&] {
             grpc::ClientContext context;
             v1::RolloutResponse response;
             CHECK(stub->Rollout(&context, rollout, &response).ok());
           }});
  const Latency& local_rollout = rollout_latencies[0];
  const Latency& served_rollout = rollout_latencies[1];
  const double megabytes = rollout_answer.ByteSizeLong() / 1e6;
  const double allowance_ms = 5.0 + 2.0 * megabytes;
  std::printf(
      "# Rollout %dx%d, push physics K=5: in-process p50 %.2f ms, gRPC p50 "
      "%.2f ms, response %.2f MB\n",
      kRolloutSamples, kRolloutHorizon, local_rollout.p50_us / 1e3,
      served_rollout.p50_us / 1e3, megabytes);
  Report("rollout_256x30_overhead_vs_allowance",
         (served_rollout.p50_us - local_rollout.p50_us) / 1e3, allowance_ms,
         "ms");

  // --- Dynamic batching ----------------------------------------------------
  const double batched = Throughput(kConcurrentClients, 3.0,
                                    [&] { grpc_predict(stub.get(), predict); });
  const double alone = Throughput(kConcurrentClients, 3.0, [&] {
    grpc_predict(unbatched_stub.get(), predict);
  });
  const double empty_many = Throughput(kConcurrentClients, 3.0, echo_predict);
  const v1::PredictRequest batch32 = PushPredict("push_physics", 32);
  const Tensor states32 = *services::TensorFromProto(batch32.states(), "");
  const Tensor actions32 = *services::TensorFromProto(batch32.actions(), "");
  const Latency local32 = TimeCalls(
      200, [&] { CHECK((*physics)->Predict(states32, actions32, {}).ok()); });
  std::printf(
      "# %d concurrent batch-1 clients: compute per call %.1f us alone, %.1f "
      "us per row in a batch of 32; RPC cost: empty RPC p50 %.1f us, %.0f "
      "empty calls/s from %d clients\n",
      kConcurrentClients, local.p50_us, local32.p50_us / 32, empty.p50_us,
      empty_many, kConcurrentClients);
  Report("predict_32_clients_batching_on_vs_off", batched, alone, "calls/s");

  // --- Planning next to the model vs over Rollout RPCs -----------------------
  v1::PlanRequest plan_request;
  plan_request.mutable_model()->set_name("push_physics");
  *plan_request.mutable_state() = rollout.initial_states();
  plan_request.mutable_state()->clear_shape();
  plan_request.mutable_state()->add_shape(17);
  plan_request.mutable_task()->set_free_joint("box");
  plan_request.mutable_task()->add_tool_joints("pusher_x");
  plan_request.mutable_task()->add_tool_joints("pusher_y");
  plan_request.mutable_task()->set_goal_x(0.2);
  plan_request.mutable_planner()->set_samples(kRolloutSamples);
  plan_request.mutable_planner()->set_horizon(kRolloutHorizon);
  plan_request.mutable_planner()->set_iterations(3);
  v1::ModelSpec remote_spec;
  remote_spec.set_name("push_physics");
  auto remote = services::RemoteWorldModel::Connect(
      absl::StrCat("127.0.0.1:", (*server)->port()), remote_spec, {});
  CHECK(remote.ok()) << remote.status();
  auto client_planner = worldmodel::SamplingPlanner::Create(
      plan_request.planner(), plan_request.task(), (*remote)->spec());
  CHECK(client_planner.ok()) << client_planner.status();
  const Tensor plan_state =
      *services::TensorFromProto(plan_request.state(), "");
  const std::vector<Latency> plan_latencies = TimeInterleaved(
      10,
      {[&] {
         grpc::ClientContext context;
         v1::PlanResponse response;
         CHECK(stub->Plan(&context, plan_request, &response).ok());
       },
       [&] { CHECK((*client_planner)->Plan(**remote, plan_state, {}).ok()); }});
  std::printf(
      "# Plan, push physics K=5, MPPI %d samples x %d steps x 3 iterations\n",
      kRolloutSamples, kRolloutHorizon);
  Report("plan_rpc_vs_client_planner_over_rollout_rpcs",
         plan_latencies[0].p50_us / 1e3, plan_latencies[1].p50_us / 1e3, "ms");

  BenchClosedLoop(**remote, **physics, plan_request);

  // --- The Python peer (blackbox, same weights) ----------------------------
  std::FILE* peer_pipe = nullptr;
  const int peer_port =
      StartPeer(models + "/push_blackbox", work + "/peer.log", &peer_pipe);
  auto peer_stub = Connect(peer_port);
  const v1::PredictRequest blackbox = PushPredict("push_blackbox", 1);
  const double ours_single =
      1e6 / TimeCalls(500, [&] { grpc_predict(stub.get(), blackbox); }).mean_us;
  const double peer_single = 1e6 / TimeCalls(500, [&] {
                                     grpc_predict(peer_stub.get(), blackbox);
                                   }).mean_us;
  std::printf("# blackbox K=5 4x200, batch-1 Predict, one client\n");
  Report("predict_b1_one_client_vs_python_peer", ours_single, peer_single,
         "calls/s");
  const double ours_many = Throughput(
      kConcurrentClients, 3.0, [&] { grpc_predict(stub.get(), blackbox); });
  const double peer_many = Throughput(kConcurrentClients, 3.0, [&] {
    grpc_predict(peer_stub.get(), blackbox);
  });
  Report("predict_b1_32_clients_vs_python_peer", ours_many, peer_many,
         "calls/s");
  const v1::RolloutRequest blackbox_rollout = PushRollout("push_blackbox");
  auto time_rollout = [&](v1::WorldModelService::Stub* target) {
    return TimeCalls(
               10,
               [&] {
                 grpc::ClientContext context;
                 v1::RolloutResponse response;
                 CHECK(target->Rollout(&context, blackbox_rollout, &response)
                           .ok());
               })
               .p50_us /
           1e3;
  };
  const double peer_rollout_ms = time_rollout(peer_stub.get());
  const double our_rollout_ms = time_rollout(stub.get());
  Report("rollout_256x30_blackbox_python_peer_vs_ours", peer_rollout_ms,
         our_rollout_ms, "ms");
  Report("rollout_256x30_vs_python_peer", our_rollout_ms, peer_rollout_ms,
         "ms");
  std::system("pkill -TERM -f bench/serving_peer.py");
  pclose(peer_pipe);
  echo_server->Shutdown();
}

}  // namespace
}  // namespace wm::bench

int main() {
  wm::worldmodel::UseOneIntraOpThread();  // as `wm serve` does
  wm::bench::BenchServing();
  return 0;
}
