// `wm serve`: serves the model versions under --models over gRPC until
// SIGINT or SIGTERM, then drains in-flight calls and exits 0.

#include <signal.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/ingest/ingest_service.h"
#include "services/ingest/ingest_store.h"
#include "services/model_manager.h"
#include "services/server_security.h"
#include "services/world_model_server.h"
#include "tools/wm/flags.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::tools {

// tools/wm/ingest_command.cc: the ingest config of the flags.
absl::StatusOr<v1::IngestConfig> IngestConfigFromFlags(
    const Invocation& invocation, const std::string& store_flag,
    std::optional<v1::DatasetManifest>* scene_manifest);

namespace {

// With --ingest_store: the ingest store and its service, served beside the
// models (docs/fleet.md).
struct Ingest {
  std::unique_ptr<services::IngestStore> store;
  std::unique_ptr<services::IngestServiceImpl> service;
};

absl::StatusOr<Ingest> OpenIngest(const Invocation& invocation,
                                  const v1::ServerConfig& config,
                                  services::ServerExtras* extras) {
  Ingest ingest;
  if (absl::GetFlag(FLAGS_ingest_store).empty()) return ingest;
  std::optional<v1::DatasetManifest> scene;
  WM_ASSIGN_OR_RETURN(
      v1::IngestConfig ingest_config,
      IngestConfigFromFlags(invocation, "ingest_store", &scene));
  WM_ASSIGN_OR_RETURN(
      ingest.store,
      services::IngestStore::Open(ingest_config, scene ? &*scene : nullptr));
  WM_ASSIGN_OR_RETURN(std::string token, services::BearerToken(config));
  ingest.service = std::make_unique<services::IngestServiceImpl>(
      ingest.store.get(), std::move(token));
  extras->services.push_back(ingest.service.get());
  extras->metrics = [store = ingest.store.get()] {
    return store->RenderPrometheus();
  };
  return ingest;
}

absl::StatusOr<v1::ServerConfig> ResolveConfig(const Invocation& invocation) {
  v1::ServerConfig config;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(absl::GetFlag(FLAGS_config), &config));
  }
  // Flags override the file; the port flag's default applies unless the file
  // names a port.
  if (invocation.Given("host") || config.host().empty()) {
    config.set_host(absl::GetFlag(FLAGS_host));
  }
  if (invocation.Given("port") || config.port() == 0) {
    config.set_port(absl::GetFlag(FLAGS_port));
  }
  if (invocation.Given("metrics_port")) {
    config.set_metrics_port(absl::GetFlag(FLAGS_metrics_port));
  }
  if (invocation.Given("metrics_address")) {
    config.set_metrics_address(absl::GetFlag(FLAGS_metrics_address));
  }
  if (invocation.Given("insecure")) {
    config.set_insecure(absl::GetFlag(FLAGS_insecure));
  }
  if (invocation.Given("tls_cert")) {
    config.set_tls_cert_file(absl::GetFlag(FLAGS_tls_cert));
  }
  if (invocation.Given("tls_key")) {
    config.set_tls_key_file(absl::GetFlag(FLAGS_tls_key));
  }
  if (invocation.Given("token_file")) {
    config.set_token_file(absl::GetFlag(FLAGS_token_file));
  }
  if (absl::GetFlag(FLAGS_models).empty()) {
    return absl::InvalidArgumentError("--models DIR is required");
  }
  return config;
}

absl::Status Serve(const v1::ServerConfig& config,
                   const Invocation& invocation) {
  // Block the shutdown signals in every thread (gRPC's included) and wait
  // for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  worldmodel::ModelFactory factory;
  worldmodel::RegisterLearnedModels(&factory);
  services::ServerExtras extras;
  WM_ASSIGN_OR_RETURN(Ingest ingest, OpenIngest(invocation, config, &extras));
  WM_ASSIGN_OR_RETURN(auto server, services::WorldModelServer::Start(
                                       config, absl::GetFlag(FLAGS_models),
                                       &factory, std::move(extras)));
  if (ingest.store != nullptr) {
    std::cerr << "wm serve: ingest into " << ingest.store->config().store()
              << " (" << ingest.store->manifest().num_episodes()
              << " episodes)\n";
  }
  for (const auto& listing : server->manager().List()) {
    std::cerr << "wm serve: model " << listing.name << " versions";
    for (int64_t version : listing.versions) std::cerr << " " << version;
    std::cerr << " (default " << listing.default_version << ")\n";
  }
  if (server->manager().List().empty()) {
    std::cerr << "wm serve: no loadable model under "
              << absl::GetFlag(FLAGS_models)
              << " yet; new versions are picked up as they appear\n";
  }
  if (server->metrics_port() != 0) {
    std::cout << "metrics on http://" << server->config().host() << ":"
              << server->metrics_port() << "/metrics" << std::endl;
  }
  std::cout << "listening on " << server->config().host() << ":"
            << server->port() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "wm serve: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << ", draining in-flight calls (up to "
            << server->config().shutdown_grace_seconds() << " s)\n";
  server->Shutdown(absl::Seconds(server->config().shutdown_grace_seconds()));
  std::cerr << "wm serve: stopped\n";
  return absl::OkStatus();
}

}  // namespace

int RunServe(const Invocation& invocation) {
  absl::StatusOr<v1::ServerConfig> config = ResolveConfig(invocation);
  absl::Status status =
      config.ok() ? Serve(*config, invocation) : config.status();
  if (!status.ok()) {
    std::cerr << "wm serve: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
