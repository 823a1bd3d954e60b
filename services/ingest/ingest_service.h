#ifndef WM_SERVICES_INGEST_INGEST_SERVICE_H_
#define WM_SERVICES_INGEST_INGEST_SERVICE_H_

// The gRPC handler of wm.v1.IngestService: passes each streamed chunk to
// the IngestStore and replies once all of them are durable.

#include <string>

#include "services/ingest/ingest_store.h"
#include "wm/v1/ingest.grpc.pb.h"

namespace wm::services {

class IngestServiceImpl final : public v1::IngestService::Service {
 public:
  // Serves `store` (not owned; must outlive the service). `bearer_token`:
  // required from callers when non-empty (CheckBearerToken).
  IngestServiceImpl(IngestStore* store, std::string bearer_token)
      : store_(store), token_(std::move(bearer_token)) {}

  // Accepts every chunk of the stream (IngestStore::Accept), waits until
  // they are durable and replies with one EpisodeAck per episode. The
  // first refused chunk ends the call with its status (chunks before it
  // stay stored). Thread-safe.
  grpc::Status Upload(grpc::ServerContext* context,
                      grpc::ServerReader<v1::EpisodeChunk>* reader,
                      v1::UploadReply* reply) override;

 private:
  IngestStore* store_;
  const std::string token_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_INGEST_INGEST_SERVICE_H_
