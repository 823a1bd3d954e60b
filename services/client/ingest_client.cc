#include "services/client/ingest_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/grpc_status.h"
#include "util/status_macros.h"
#include "wm/v1/ingest.grpc.pb.h"

namespace wm::services {
namespace {

bool Retryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

// True when `status` is the server's "too many open episodes" (the quota's
// RESOURCE_EXHAUSTED is final).
bool TooManyOpen(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted &&
         absl::StrContains(status.message(), "max_open_episodes");
}

}  // namespace

absl::StatusOr<std::vector<v1::EpisodeChunk>> ChunkEpisode(
    const EpisodeUpload& episode, int max_chunk_samples) {
  const int64_t n = static_cast<int64_t>(episode.times.size());
  const int64_t width = episode.spec.nq() + episode.spec.nv();
  const int64_t nu = episode.spec.nu();
  if (max_chunk_samples < 1) {
    return absl::InvalidArgumentError("max_chunk_samples must be >= 1");
  }
  if (n < 2 || static_cast<int64_t>(episode.states.size()) != n * width ||
      static_cast<int64_t>(episode.actions.size()) != n * nu) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "episode %s/%s: %d times, %d states, %d actions; need N >= 2 times, "
        "N x %d states and N x %d actions",
        episode.robot_id, episode.episode_id, n, episode.states.size(),
        episode.actions.size(), width, nu));
  }
  std::vector<v1::EpisodeChunk> chunks;
  for (int64_t begin = 0; begin < n; begin += max_chunk_samples) {
    const int64_t end = std::min(n, begin + max_chunk_samples);
    v1::EpisodeChunk chunk;
    chunk.set_robot_id(episode.robot_id);
    chunk.set_episode_id(episode.episode_id);
    chunk.set_sequence(static_cast<int64_t>(chunks.size()));
    chunk.set_last(end == n);
    chunk.set_scene(episode.scene);
    chunk.set_dt(episode.dt);
    if (begin == 0) {
      *chunk.mutable_spec() = episode.spec;
      chunk.mutable_params()->Add(episode.params.begin(), episode.params.end());
    }
    chunk.mutable_times()->Add(episode.times.begin() + begin,
                               episode.times.begin() + end);
    chunk.mutable_states()->Add(episode.states.begin() + begin * width,
                                episode.states.begin() + end * width);
    chunk.mutable_actions()->Add(episode.actions.begin() + begin * nu,
                                 episode.actions.begin() + end * nu);
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

absl::StatusOr<std::unique_ptr<IngestClient>> IngestClient::Connect(
    const std::string& server, const ClientOptions& options) {
  WM_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                      MakeChannel(server, options));
  return std::unique_ptr<IngestClient>(
      new IngestClient(std::move(channel), options));
}

absl::StatusOr<v1::UploadReply> IngestClient::UploadOnce(
    const std::vector<v1::EpisodeChunk>& chunks) const {
  grpc::ClientContext context;
  PrepareCall(options_, &context);
  v1::UploadReply reply;
  auto stub = v1::IngestService::NewStub(channel_);
  std::unique_ptr<grpc::ClientWriter<v1::EpisodeChunk>> writer =
      stub->Upload(&context, &reply);
  for (const v1::EpisodeChunk& chunk : chunks) {
    if (!writer->Write(chunk)) break;  // the call ended; Finish says why
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpcStatus(status, "Upload");
  return reply;
}

absl::StatusOr<UploadResult> IngestClient::UploadEpisodes(
    const std::vector<EpisodeUpload>& episodes,
    const UploadOptions& options) const {
  std::vector<v1::EpisodeChunk> chunks;
  for (const EpisodeUpload& episode : episodes) {
    WM_ASSIGN_OR_RETURN(std::vector<v1::EpisodeChunk> mine,
                        ChunkEpisode(episode, options.max_chunk_samples));
    for (v1::EpisodeChunk& chunk : mine) chunks.push_back(std::move(chunk));
  }
  UploadResult result;
  const absl::Time give_up = absl::Now() + options.retry_for;
  absl::Duration backoff = options.initial_backoff;
  while (true) {
    ++result.attempts;
    absl::StatusOr<v1::UploadReply> reply = UploadOnce(chunks);
    if (reply.ok()) {
      result.chunks_stored += reply->chunks_stored();
      result.chunks_duplicate += reply->chunks_duplicate();
      result.reply = *std::move(reply);
      return result;
    }
    const bool retry =
        Retryable(reply.status().code()) || TooManyOpen(reply.status());
    if (!retry || absl::Now() + backoff > give_up) return reply.status();
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

absl::StatusOr<UploadResult> IngestClient::UploadEpisode(
    const EpisodeUpload& episode, const UploadOptions& options) const {
  return UploadEpisodes({episode}, options);
}

}  // namespace wm::services
