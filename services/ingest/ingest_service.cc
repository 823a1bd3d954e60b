#include "services/ingest/ingest_service.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"
#include "services/server_security.h"

namespace wm::services {

grpc::Status IngestServiceImpl::Upload(
    grpc::ServerContext* context, grpc::ServerReader<v1::EpisodeChunk>* reader,
    v1::UploadReply* reply) {
  absl::Status allowed = CheckBearerToken(*context, token_);
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  std::map<std::string, int> ack_of;  // "robot/episode" -> reply index
  uint64_t ticket = 0;
  v1::EpisodeChunk chunk;
  while (reader->Read(&chunk)) {
    reply->set_chunks_received(reply->chunks_received() + 1);
    absl::StatusOr<IngestStore::Outcome> outcome = store_->Accept(chunk);
    if (!outcome.ok()) return ToGrpcStatus(outcome.status());
    ticket = std::max(ticket, outcome->ticket);
    if (outcome->duplicate) {
      reply->set_chunks_duplicate(reply->chunks_duplicate() + 1);
    } else {
      reply->set_chunks_stored(reply->chunks_stored() + 1);
    }
    const std::string key =
        absl::StrCat(chunk.robot_id(), "/", chunk.episode_id());
    auto [it, added] = ack_of.emplace(key, reply->episodes_size());
    if (added) {
      v1::EpisodeAck* ack = reply->add_episodes();
      ack->set_robot_id(chunk.robot_id());
      ack->set_episode_id(chunk.episode_id());
    }
    v1::EpisodeAck* ack = reply->mutable_episodes(it->second);
    ack->set_next_sequence(
        std::max(ack->next_sequence(), outcome->next_sequence));
    ack->set_complete(ack->complete() || outcome->complete);
  }
  absl::Status durable = store_->WaitDurable(ticket);
  if (!durable.ok()) return ToGrpcStatus(durable);
  return grpc::Status::OK;
}

}  // namespace wm::services
