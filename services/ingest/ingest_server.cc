#include "services/ingest/ingest_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "services/server_security.h"
#include "services/world_model_server.h"
#include "util/status_macros.h"

namespace wm::services {

absl::StatusOr<std::unique_ptr<IngestServer>> IngestServer::Start(
    const v1::IngestConfig& ingest, v1::ServerConfig config,
    const v1::DatasetManifest* scene_manifest) {
  config = WithServerDefaults(std::move(config));
  WM_ASSIGN_OR_RETURN(std::string token, BearerToken(config));
  WM_ASSIGN_OR_RETURN(auto credentials, ServerCredentials(config));
  WM_RETURN_IF_ERROR(CheckExposure(config, !token.empty()));
  std::unique_ptr<IngestServer> server(new IngestServer());
  WM_ASSIGN_OR_RETURN(server->store_,
                      IngestStore::Open(ingest, scene_manifest));
  server->service_ =
      std::make_unique<IngestServiceImpl>(server->store_.get(), token);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(config.host(), ":", config.port()),
                           credentials, &server->port_);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes());
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.host(), ":", config.port(),
                     " (address in use, or not an address of this machine)"));
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  if (config.metrics_port() != 0) {
    WM_RETURN_IF_ERROR(server->StartMetricsPage(config));
  }
  return server;
}

absl::Status IngestServer::StartMetricsPage(const v1::ServerConfig& config) {
  metrics_page_ = std::make_unique<httplib::Server>();
  metrics_page_->Get(
      "/metrics", [this](const httplib::Request&, httplib::Response& response) {
        response.set_content(store_->RenderPrometheus(),
                             "text/plain; version=0.0.4");
      });
  const std::string& address = config.metrics_address();
  metrics_port_ =
      config.metrics_port() < 0
          ? metrics_page_->bind_to_any_port(address)
          : (metrics_page_->bind_to_port(address, config.metrics_port())
                 ? config.metrics_port()
                 : -1);
  if (metrics_port_ <= 0) {
    metrics_port_ = 0;
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for metrics on ", address, ":", config.metrics_port()));
  }
  metrics_thread_ = std::thread([this] { metrics_page_->listen_after_bind(); });
  return absl::OkStatus();
}

IngestServer::~IngestServer() { Shutdown(absl::Seconds(5)); }

void IngestServer::Shutdown(absl::Duration grace) {
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
    server_.reset();
  }
  if (metrics_page_ != nullptr) metrics_page_->stop();
  if (metrics_thread_.joinable()) metrics_thread_.join();
  store_.reset();  // publishes what is complete
}

}  // namespace wm::services
