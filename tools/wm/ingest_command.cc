// `wm ingest`: serves wm.v1.IngestService over a store directory (an
// append-only dataset fed by robots' uploads) until SIGINT or SIGTERM, then
// drains in-flight uploads, publishes completed episodes and exits 0.

#include <signal.h>

#include <iostream>
#include <memory>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/ingest/ingest_server.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "tools/wm/flags.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::tools {

// The ingest config of --config, --store, --scene and --quota_bytes, and
// the scene's manifest when --scene is given (for a new store). Shared
// with `wm serve --ingest_store`.
absl::StatusOr<v1::IngestConfig> IngestConfigFromFlags(
    const Invocation& invocation, const std::string& store_flag,
    std::optional<v1::DatasetManifest>* scene_manifest) {
  v1::IngestConfig config;
  if (store_flag == "store" && !absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(absl::GetFlag(FLAGS_config), &config));
  }
  const std::string store = store_flag == "store"
                                ? absl::GetFlag(FLAGS_store)
                                : absl::GetFlag(FLAGS_ingest_store);
  if (!store.empty()) config.set_store(store);
  if (invocation.Given("scene")) config.set_scene(absl::GetFlag(FLAGS_scene));
  if (invocation.Given("quota_bytes")) {
    config.set_quota_bytes(absl::GetFlag(FLAGS_quota_bytes));
  }
  if (config.store().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", store_flag, " DIR is required"));
  }
  if (!config.scene().empty()) {
    WM_ASSIGN_OR_RETURN(std::shared_ptr<const sim::Scene> scene,
                        sim::LoadScene(config.scene()));
    *scene_manifest = sim::ManifestForScene(*scene);
    config.set_scene(scene->name());
  }
  return config;
}

namespace {

v1::ServerConfig ServerConfigFromFlags(const Invocation& invocation) {
  v1::ServerConfig config;
  config.set_host(absl::GetFlag(FLAGS_host));
  config.set_port(invocation.Given("port") ? absl::GetFlag(FLAGS_port) : 50052);
  config.set_metrics_port(absl::GetFlag(FLAGS_metrics_port));
  config.set_metrics_address(absl::GetFlag(FLAGS_metrics_address));
  config.set_insecure(absl::GetFlag(FLAGS_insecure));
  config.set_tls_cert_file(absl::GetFlag(FLAGS_tls_cert));
  config.set_tls_key_file(absl::GetFlag(FLAGS_tls_key));
  config.set_token_file(absl::GetFlag(FLAGS_token_file));
  return config;
}

absl::Status Ingest(const Invocation& invocation) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::optional<v1::DatasetManifest> scene;
  WM_ASSIGN_OR_RETURN(v1::IngestConfig config,
                      IngestConfigFromFlags(invocation, "store", &scene));
  WM_ASSIGN_OR_RETURN(
      auto server,
      services::IngestServer::Start(config, ServerConfigFromFlags(invocation),
                                    scene ? &*scene : nullptr));
  const v1::DatasetManifest manifest = server->store().manifest();
  std::cerr << "wm ingest: store " << config.store() << ", scene '"
            << manifest.scene().name() << "', " << manifest.num_episodes()
            << " episodes\n";
  if (server->metrics_port() != 0) {
    std::cout << "metrics on http://" << absl::GetFlag(FLAGS_metrics_address)
              << ":" << server->metrics_port() << "/metrics" << std::endl;
  }
  std::cout << "listening on " << absl::GetFlag(FLAGS_host) << ":"
            << server->port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "wm ingest: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << ", draining uploads and publishing\n";
  server->Shutdown(absl::Seconds(5));
  std::cerr << "wm ingest: stopped\n";
  return absl::OkStatus();
}

}  // namespace

int RunIngest(const Invocation& invocation) {
  absl::Status status = Ingest(invocation);
  if (!status.ok()) {
    std::cerr << "wm ingest: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
