#ifndef WM_SERVICES_INGEST_INGEST_SERVER_H_
#define WM_SERVICES_INGEST_INGEST_SERVER_H_

// The running `wm ingest`: the ingest store, wm.v1.IngestService on a gRPC
// port (TLS and bearer token as `wm serve`), standard health checking and
// the Prometheus metrics page (wm_ingest_*).

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/ingest/ingest_service.h"
#include "services/ingest/ingest_store.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/ingest.pb.h"
#include "wm/v1/server.pb.h"

namespace grpc {
class Server;
}  // namespace grpc
namespace httplib {
class Server;
}  // namespace httplib

namespace wm::services {

class IngestServer {
 public:
  // Opens the store (IngestStore::Open with `scene_manifest`, may be null)
  // and serves it on server.host:server.port (0 picks a free port), with
  // server's TLS files, token, exposure rule, message limit and metrics
  // port. Errors: IngestStore::Open's, the security errors of `wm serve`
  // (WorldModelServer::Start), UNAVAILABLE when a port cannot be bound.
  static absl::StatusOr<std::unique_ptr<IngestServer>> Start(
      const v1::IngestConfig& ingest, v1::ServerConfig server,
      const v1::DatasetManifest* scene_manifest);

  // Shutdown(grace 5 s) if still running.
  ~IngestServer();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  IngestStore& store() { return *store_; }

  // Stops taking calls, lets in-flight ones finish within `grace`, then
  // publishes the completed episodes. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  IngestServer() = default;
  absl::Status StartMetricsPage(const v1::ServerConfig& config);

  int port_ = 0;
  int metrics_port_ = 0;
  std::unique_ptr<IngestStore> store_;
  std::unique_ptr<IngestServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<httplib::Server> metrics_page_;
  std::thread metrics_thread_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_INGEST_INGEST_SERVER_H_
