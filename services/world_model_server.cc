#include "services/world_model_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/model_manager.h"
#include "services/predict_batcher.h"
#include "services/server_metrics.h"
#include "services/server_security.h"
#include "services/world_model_service.h"
#include "util/file_util.h"
#include "util/logging.h"
#include "util/status_macros.h"

namespace wm::services {
namespace {

constexpr char kServiceName[] = "wm.v1.WorldModelService";

// Passes the queue's events to the Predict calls until the queue is shut
// down and drained.
void PollPredictCalls(grpc::ServerCompletionQueue* queue) {
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) {
    WorldModelServiceImpl::HandlePredictEvent(tag, ok);
  }
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  std::string bare = host;
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  if (bare == "localhost" || bare == "::1") return true;
  // 127.0.0.0/8, written as four decimal octets.
  std::vector<std::string> octets = absl::StrSplit(bare, '.');
  int first = 0;
  if (octets.size() != 4 || !absl::SimpleAtoi(octets[0], &first) ||
      first != 127) {
    return false;
  }
  for (const std::string& octet : octets) {
    int value = 0;
    if (octet.empty() || !absl::SimpleAtoi(octet, &value) || value < 0 ||
        value > 255) {
      return false;
    }
  }
  return true;
}

absl::Status CheckExposure(const v1::ServerConfig& config, bool has_token) {
  if (IsLoopbackHost(config.host()) || config.insecure()) {
    return absl::OkStatus();
  }
  const bool tls = !config.tls_cert_file().empty();
  if (tls && has_token) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to listen on ", config.host(), " (not loopback) without ",
      tls ? "" : "TLS (tls_cert_file and tls_key_file)",
      !tls && !has_token ? " and " : "",
      has_token ? "" : "a bearer token (token_file or $WM_SERVE_TOKEN)",
      ": anyone who can reach it could call it; give them, or --insecure "
      "to serve so anyway"));
}

v1::ServerConfig WithServerDefaults(v1::ServerConfig config) {
  if (config.host().empty()) config.set_host("127.0.0.1");
  if (config.max_message_bytes() == 0) config.set_max_message_bytes(64 << 20);
  auto* batching = config.mutable_batching();
  if (batching->max_batch_rows() == 0) batching->set_max_batch_rows(256);
  if (batching->max_queue_delay_us() == 0)
    batching->set_max_queue_delay_us(500);
  if (batching->max_queued_calls() == 0) batching->set_max_queued_calls(1024);
  if (batching->workers() == 0) {
    batching->set_workers(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (config.max_predict_rows() == 0) config.set_max_predict_rows(65536);
  if (config.max_rollout_steps() == 0) config.set_max_rollout_steps(1 << 20);
  if (config.max_history_steps() == 0) config.set_max_history_steps(1000);
  if (config.max_planner_threads() == 0) {
    config.set_max_planner_threads(
        std::max(1u, std::thread::hardware_concurrency()));
  }
  if (config.max_plan_steps() == 0) config.set_max_plan_steps(1 << 22);
  if (config.max_plan_time_budget_ms() == 0) {
    config.set_max_plan_time_budget_ms(10000);
  }
  if (config.metrics_address().empty()) config.set_metrics_address("127.0.0.1");
  if (config.poll_seconds() == 0) config.set_poll_seconds(2.0);
  if (config.shutdown_grace_seconds() == 0) {
    config.set_shutdown_grace_seconds(5.0);
  }
  return config;
}

absl::StatusOr<std::unique_ptr<WorldModelServer>> WorldModelServer::Start(
    v1::ServerConfig config, const std::string& models_dir,
    const worldmodel::ModelFactory* factory, ServerExtras extras) {
  std::unique_ptr<WorldModelServer> server(new WorldModelServer());
  server->extras_ = std::move(extras);
  server->config_ = WithServerDefaults(std::move(config));
  const v1::ServerConfig& cfg = server->config_;
  WM_ASSIGN_OR_RETURN(std::string token, BearerToken(cfg));
  WM_ASSIGN_OR_RETURN(auto credentials, ServerCredentials(cfg));
  WM_RETURN_IF_ERROR(CheckExposure(cfg, !token.empty()));
  if (!(cfg.max_planner_threads() >= 1 && cfg.max_plan_steps() >= 1 &&
        cfg.max_plan_time_budget_ms() > 0)) {
    return absl::InvalidArgumentError(
        "max_planner_threads, max_plan_steps and max_plan_time_budget_ms "
        "must be positive");
  }

  ModelManagerOptions manager_options;
  manager_options.pinned_versions.insert(cfg.pinned_versions().begin(),
                                         cfg.pinned_versions().end());
  WM_ASSIGN_OR_RETURN(
      server->manager_,
      ModelManager::Create(models_dir, factory, std::move(manager_options)));
  server->metrics_ = std::make_unique<ServerMetrics>();
  BatcherOptions batcher_options;
  batcher_options.disabled = cfg.batching().disabled();
  batcher_options.max_batch_rows = cfg.batching().max_batch_rows();
  batcher_options.max_queue_delay =
      absl::Microseconds(cfg.batching().max_queue_delay_us());
  batcher_options.max_queued_calls = cfg.batching().max_queued_calls();
  batcher_options.workers = cfg.batching().workers();
  ServerMetrics* metrics = server->metrics_.get();
  batcher_options.on_batch = [metrics](int64_t rows, int calls) {
    metrics->RecordBatch(rows, calls);
  };
  server->batcher_ = std::make_unique<PredictBatcher>(batcher_options);
  ServiceLimits limits;
  limits.max_predict_rows = cfg.max_predict_rows();
  limits.max_rollout_steps = cfg.max_rollout_steps();
  limits.max_history_steps = cfg.max_history_steps();
  limits.max_message_bytes = cfg.max_message_bytes();
  limits.max_planner_threads = cfg.max_planner_threads();
  limits.max_plan_steps = cfg.max_plan_steps();
  limits.max_plan_time_budget_ms = cfg.max_plan_time_budget_ms();
  server->service_ = std::make_unique<WorldModelServiceImpl>(
      server->manager_.get(), server->batcher_.get(), metrics, limits,
      std::move(token));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(cfg.host(), ":", cfg.port()),
                           credentials, &server->port_);
  // A port another server holds must be an error, not silently shared.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(cfg.max_message_bytes());
  builder.SetMaxSendMessageSize(cfg.max_message_bytes());
  builder.RegisterService(server->service_.get());
  for (grpc::Service* extra : server->extras_.services) {
    builder.RegisterService(extra);
  }
  server->predict_queue_ = builder.AddCompletionQueue();
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", cfg.host(), ":", cfg.port(),
                     " (address in use, or not an address of this machine)"));
  }
  server->running_ = true;
  // Two pollers: one may compute a lone call while the other takes calls.
  constexpr int kPredictPollers = 2;
  for (int p = 0; p < kPredictPollers; ++p) {
    server->service_->AcceptPredictCall(server->predict_queue_.get());
    server->predict_pollers_.emplace_back(
        [queue = server->predict_queue_.get()] { PollPredictCalls(queue); });
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  server->server_->GetHealthCheckService()->SetServingStatus(kServiceName,
                                                             true);
  server->manager_->StartPolling(absl::Seconds(cfg.poll_seconds()));
  if (cfg.metrics_port() != 0) WM_RETURN_IF_ERROR(server->StartMetricsPage());
  return server;
}

absl::Status WorldModelServer::StartMetricsPage() {
  metrics_page_ = std::make_unique<httplib::Server>();
  metrics_page_->Get(
      "/metrics", [this](const httplib::Request&, httplib::Response& response) {
        std::string page = metrics_->RenderPrometheus(batcher_->QueueDepth(),
                                                      manager_->List());
        if (extras_.metrics) page += extras_.metrics();
        response.set_content(page, "text/plain; version=0.0.4");
      });
  const std::string& address = config_.metrics_address();
  metrics_port_ =
      config_.metrics_port() < 0
          ? metrics_page_->bind_to_any_port(address)
          : (metrics_page_->bind_to_port(address, config_.metrics_port())
                 ? config_.metrics_port()
                 : -1);
  if (metrics_port_ <= 0) {
    metrics_port_ = 0;
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for metrics on ", address, ":", config_.metrics_port()));
  }
  metrics_thread_ = std::thread([this] { metrics_page_->listen_after_bind(); });
  return absl::OkStatus();
}

WorldModelServer::~WorldModelServer() {
  Shutdown(absl::Seconds(config_.shutdown_grace_seconds()));
}

void WorldModelServer::Shutdown(absl::Duration grace) {
  if (running_) {
    running_ = false;
    server_->GetHealthCheckService()->SetServingStatus(false);
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
  }
  if (metrics_page_ != nullptr) metrics_page_->stop();
  if (metrics_thread_.joinable()) metrics_thread_.join();
  // Calls cancelled at the deadline may still be queued: answer them before
  // their completion queue closes.
  batcher_.reset();
  if (predict_queue_ != nullptr) {
    predict_queue_->Shutdown();
    if (predict_pollers_.empty()) PollPredictCalls(predict_queue_.get());
    for (std::thread& poller : predict_pollers_) poller.join();
    predict_pollers_.clear();
    predict_queue_.reset();
  }
  manager_.reset();  // stops polling
}

}  // namespace wm::services
