#ifndef WM_SERVICES_CLIENT_INGEST_CLIENT_H_
#define WM_SERVICES_CLIENT_INGEST_CLIENT_H_

// The C++ client of wm.v1.IngestService (`wm ingest`, `wm serve
// --ingest_store`): uploads whole episodes in chunks and retries until the
// server acknowledges them durable. Uploads are idempotent on the server
// ((robot_id, episode_id, sequence) is stored once), so a retry after any
// failure, or uploading the same episode again, stores it once.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/client/channel.h"
#include "wm/v1/ingest.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace wm::services {

// One episode as a robot recorded it: N samples of time, state and action
// (the action held until the next sample; the last one is not stored).
struct EpisodeUpload {
  std::string robot_id;         // 1-64 characters of [A-Za-z0-9._-]
  std::string episode_id;       // 1-128 characters of [A-Za-z0-9._-]
  std::string scene;            // the store's scene name, e.g. "push"
  double dt = 0;                // s, the store's dt
  v1::StateSpec spec;           // the store's StateSpec
  std::vector<double> times;    // [N] s, t_k = t_0 + k dt
  std::vector<double> states;   // [N * (nq + nv)], [qpos | qvel] per sample
  std::vector<double> actions;  // [N * nu]
  std::vector<double> params;   // [P] claimed parameters, or empty (unknown)
};

struct UploadOptions {
  // Samples per chunk (the server's limit is 256 by default).
  int max_chunk_samples = 256;
  // Retry failures that a later attempt may not meet (UNAVAILABLE,
  // DEADLINE_EXCEEDED, CANCELLED, ABORTED, INTERNAL, UNKNOWN and
  // RESOURCE_EXHAUSTED from too many open episodes) for up to this long,
  // with exponential backoff from initial_backoff to max_backoff.
  absl::Duration retry_for = absl::Seconds(60);
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(1);
};

// What one upload did, over all its attempts.
struct UploadResult {
  int attempts = 0;
  int64_t chunks_stored = 0;     // newly stored, summed over attempts
  int64_t chunks_duplicate = 0;  // already stored (from an earlier attempt)
  // The final attempt's reply (one EpisodeAck per episode).
  v1::UploadReply reply;
};

// Splits `episode` into chunks of at most max_chunk_samples samples
// (sequence 0, 1, ...; the spec and params on chunk 0; `last` on the final
// one). INVALID_ARGUMENT when the sizes disagree with the spec (states not
// N * (nq + nv), actions not N * nu), N < 2, or max_chunk_samples < 1.
absl::StatusOr<std::vector<v1::EpisodeChunk>> ChunkEpisode(
    const EpisodeUpload& episode, int max_chunk_samples);

class IngestClient {
 public:
  // A client of the ingest service at `server` (ParseServerTarget's forms)
  // with `options`' credentials, token and per-call timeout. Errors:
  // MakeChannel's.
  static absl::StatusOr<std::unique_ptr<IngestClient>> Connect(
      const std::string& server, const ClientOptions& options);

  // Uploads `episode` (ChunkEpisode) in one stream and retries the whole
  // stream (the server acknowledges chunks it already holds as
  // duplicates) on the retryable codes of UploadOptions until it is
  // acknowledged complete, or retry_for has passed (then the last error).
  // Final errors: INVALID_ARGUMENT (a chunk the server refused: the
  // episode is not stored; or ChunkEpisode's), FAILED_PRECONDITION,
  // UNAUTHENTICATED, RESOURCE_EXHAUSTED (quota). Thread-safe.
  absl::StatusOr<UploadResult> UploadEpisode(
      const EpisodeUpload& episode, const UploadOptions& options = {}) const;

  // As UploadEpisode for several episodes in one stream (fewer round trips
  // and syncs for small episodes). Done when every one is acknowledged
  // complete.
  absl::StatusOr<UploadResult> UploadEpisodes(
      const std::vector<EpisodeUpload>& episodes,
      const UploadOptions& options = {}) const;

 private:
  IngestClient(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
      : channel_(std::move(channel)), options_(std::move(options)) {}

  // One attempt: streams `chunks`, returns the reply or the call's status.
  absl::StatusOr<v1::UploadReply> UploadOnce(
      const std::vector<v1::EpisodeChunk>& chunks) const;

  std::shared_ptr<grpc::Channel> channel_;
  ClientOptions options_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_CLIENT_INGEST_CLIENT_H_
