#ifndef WM_SERVICES_WORLD_MODEL_SERVER_H_
#define WM_SERVICES_WORLD_MODEL_SERVER_H_

// The running `wm serve`: a gRPC server with WorldModelService, standard
// health checking and reflection, the model manager polling the models
// directory, the Predict batcher, optional TLS and bearer token, and the
// Prometheus metrics page.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "wm/v1/server.pb.h"
#include "worldmodel/model_factory.h"

namespace grpc {
class Server;
class Service;
class ServerCompletionQueue;
}  // namespace grpc
namespace httplib {
class Server;
}

namespace wm::services {

class ModelManager;
class PredictBatcher;
class ServerMetrics;
class WorldModelServiceImpl;

// `config` with every zero field set to its documented default
// (proto/wm/v1/server.proto).
v1::ServerConfig WithServerDefaults(v1::ServerConfig config);

// True for a loopback address: localhost, 127.0.0.0/8 (dotted quad), ::1
// (bracketed or not).
bool IsLoopbackHost(const std::string& host);

// Safe defaults: OK when `config.host` is loopback, or config.insecure, or
// TLS is configured and `has_token`; otherwise FAILED_PRECONDITION naming
// the host and what is missing (TLS, a token).
absl::Status CheckExposure(const v1::ServerConfig& config, bool has_token);

// What a WorldModelServer serves beside WorldModelService (`wm serve
// --ingest_store`: the ingest service): `services` on the same port (they
// must outlive the server), `metrics` (may be empty) appended to the
// metrics page.
struct ServerExtras {
  std::vector<grpc::Service*> services;
  std::function<std::string()> metrics;
};

class WorldModelServer {
 public:
  // Loads the models under `models_dir` (through `factory`, which must
  // outlive the server) and starts serving on config.host:config.port (port 0
  // picks a free one). Errors: NOT_FOUND for a missing models directory or
  // TLS / token file, INVALID_ARGUMENT for a bad config (one of the TLS files
  // without the other, an empty token), UNAVAILABLE when the port cannot be
  // bound; FAILED_PRECONDITION for a non-loopback host without TLS and a
  // token (CheckExposure). `extras` are served beside it.
  static absl::StatusOr<std::unique_ptr<WorldModelServer>> Start(
      v1::ServerConfig config, const std::string& models_dir,
      const worldmodel::ModelFactory* factory, ServerExtras extras = {});

  // Shuts down (as Shutdown with the configured grace) if still running.
  ~WorldModelServer();

  // The bound gRPC port and the metrics port (0 when metrics are off).
  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  const v1::ServerConfig& config() const { return config_; }
  const ModelManager& manager() const { return *manager_; }

  // Graceful shutdown: health turns NOT_SERVING, new calls are refused,
  // in-flight calls get `grace` to finish (then are cancelled), polling and
  // the metrics page stop. Idempotent; not concurrent with itself.
  void Shutdown(absl::Duration grace);

 private:
  WorldModelServer() = default;
  absl::Status StartMetricsPage();

  v1::ServerConfig config_;
  ServerExtras extras_;
  int port_ = 0;
  int metrics_port_ = 0;
  bool running_ = false;
  std::unique_ptr<ModelManager> manager_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<PredictBatcher> batcher_;
  std::unique_ptr<WorldModelServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  // Predict's asynchronous calls: their queue and the threads polling it.
  std::unique_ptr<grpc::ServerCompletionQueue> predict_queue_;
  std::vector<std::thread> predict_pollers_;
  std::unique_ptr<httplib::Server> metrics_page_;
  std::thread metrics_thread_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_WORLD_MODEL_SERVER_H_
