#include "services/ingest/ingest_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/file_util.h"
#include "util/logging.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::services {
namespace {

int64_t FileSize(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 ? info.st_size : 0;
}

absl::Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, "mkdir", path);
  }
  return absl::OkStatus();
}

// The store's manifest, created for `scene_manifest` when missing.
absl::StatusOr<v1::DatasetManifest> LoadOrCreateManifest(
    const v1::IngestConfig& config, const v1::DatasetManifest* scene_manifest) {
  const std::string path = absl::StrCat(config.store(), "/manifest.pbtxt");
  v1::DatasetManifest manifest;
  if (::access(path.c_str(), F_OK) == 0) {
    absl::Status read = ReadTextProtoFile(path, &manifest);
    if (!read.ok()) return absl::DataLossError(read.message());
  } else {
    if (scene_manifest == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "no store at ", config.store(), " yet: give a scene to create one"));
    }
    manifest = EmptyStoreManifest(*scene_manifest);
    WM_RETURN_IF_ERROR(MakeDirectory(config.store()));
    WM_RETURN_IF_ERROR(WriteTextProtoFile(path, manifest));
  }
  const std::string& scene = manifest.scene().name();
  const std::string wanted = scene_manifest != nullptr
                                 ? scene_manifest->scene().name()
                                 : config.scene();
  if (!wanted.empty() && wanted != scene) {
    return absl::InvalidArgumentError(absl::StrCat("the store ", config.store(),
                                                   " holds scene '", scene,
                                                   "', not '", wanted, "'"));
  }
  return manifest;
}

// Holds `store`/ingest/LOCK exclusively; returns its descriptor.
absl::StatusOr<int> LockStore(const std::string& store) {
  WM_RETURN_IF_ERROR(MakeDirectory(absl::StrCat(store, "/ingest")));
  const std::string path = absl::StrCat(store, "/ingest/LOCK");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "the store ", store, " is in use by another process (", path, ")"));
  }
  return fd;
}

}  // namespace

v1::IngestConfig WithIngestDefaults(v1::IngestConfig config) {
  if (config.publish_seconds() == 0) config.set_publish_seconds(1.0);
  if (config.publish_episodes() == 0) config.set_publish_episodes(1024);
  if (config.max_chunk_samples() == 0) config.set_max_chunk_samples(256);
  if (config.max_episode_samples() == 0) {
    config.set_max_episode_samples(100000);
  }
  if (config.max_open_episodes() == 0) config.set_max_open_episodes(4096);
  return config;
}

IngestStore::IngestStore(v1::IngestConfig config, v1::DatasetManifest manifest,
                         ChunkValidator validator, int lock_fd)
    : config_(std::move(config)),
      validator_(std::move(validator)),
      lock_fd_(lock_fd),
      manifest_(std::move(manifest)) {}

absl::StatusOr<std::unique_ptr<IngestStore>> IngestStore::Open(
    const v1::IngestConfig& given, const v1::DatasetManifest* scene_manifest) {
  v1::IngestConfig config = WithIngestDefaults(given);
  if (config.store().empty()) {
    return absl::InvalidArgumentError("ingest: no store directory given");
  }
  if (config.publish_seconds() < 0 || config.publish_episodes() < 1 ||
      config.max_chunk_samples() < 1 || config.max_episode_samples() < 2 ||
      config.max_open_episodes() < 1 || config.quota_bytes() < 0) {
    return absl::InvalidArgumentError(
        "ingest: publish_seconds, quota_bytes must be >= 0; publish_episodes, "
        "max_chunk_samples, max_open_episodes >= 1; max_episode_samples >= 2");
  }
  WM_ASSIGN_OR_RETURN(v1::DatasetManifest manifest,
                      LoadOrCreateManifest(config, scene_manifest));
  WM_ASSIGN_OR_RETURN(
      ChunkValidator validator,
      ChunkValidator::Create(manifest, config.max_chunk_samples(),
                             config.max_episode_samples()));
  WM_ASSIGN_OR_RETURN(const int lock_fd, LockStore(config.store()));
  std::unique_ptr<IngestStore> store(new IngestStore(
      config, std::move(manifest), std::move(validator), lock_fd));
  WM_RETURN_IF_ERROR(store->Recover());
  store->publisher_ = std::thread([raw = store.get()] { raw->PublishLoop(); });
  return store;
}

absl::Status IngestStore::Recover() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const v1::ImportedFile& file : manifest_.provenance().imported_files()) {
    published_.insert(file.file());
  }
  shard_bytes_ = FileSize(absl::StrCat(config_.store(), "/manifest.pbtxt"));
  for (const v1::ShardInfo& shard : manifest_.shards()) {
    shard_bytes_ += FileSize(absl::StrCat(config_.store(), "/", shard.file()));
  }
  WM_ASSIGN_OR_RETURN(
      journal_, ChunkJournal::Open(absl::StrCat(config_.store(), "/ingest")));
  int64_t replayed = 0, skipped = 0;
  WM_RETURN_IF_ERROR(journal_->Replay([&](const std::string& payload) {
    v1::EpisodeChunk chunk;
    if (!chunk.ParseFromString(payload) || !ApplyLocked(chunk, true).ok()) {
      ++skipped;  // cannot happen for records this store wrote
    } else {
      ++replayed;
    }
    return absl::OkStatus();
  }));
  if (replayed + skipped > 0 || journal_->torn_records() > 0) {
    LOG(INFO) << "ingest: replayed " << replayed << " journalled chunks ("
              << skipped << " unusable, " << journal_->torn_records()
              << " torn tails cut): " << pending_.size()
              << " episodes unpublished";
  }
  return RotateJournalLocked();
}

IngestStore::~IngestStore() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  publish_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  absl::Status published = PublishNow();
  if (!published.ok()) LOG(ERROR) << "ingest: final publish: " << published;
  ::close(lock_fd_);
}

void IngestStore::CountRefusal(const std::string& reason) {
  ++refused_[reason];
}

absl::StatusOr<IngestStore::Outcome> IngestStore::ApplyLocked(
    const v1::EpisodeChunk& chunk, bool replaying) {
  if (!error_.ok()) return absl::InternalError(error_.message());
  Refusal refusal;
  auto refuse = [&](absl::Status status, const std::string& reason) {
    if (!replaying) CountRefusal(reason);
    return status;
  };
  const std::string key =
      absl::StrCat(chunk.robot_id(), "/", chunk.episode_id());
  Outcome out;
  out.next_sequence = chunk.sequence() + 1;
  auto it = pending_.find(key);
  if (published_.count(key) > 0 ||
      (it != pending_.end() && it->second.complete)) {
    out.duplicate = out.complete = true;
    out.ticket = it != pending_.end() ? it->second.ticket : written_;
    if (it != pending_.end())
      out.next_sequence = it->second.cursor.next_sequence;
    if (!replaying) ++chunks_duplicate_;
    return out;
  }
  const EpisodeCursor cursor =
      it != pending_.end() ? it->second.cursor : EpisodeCursor{};
  if (chunk.sequence() < cursor.next_sequence && chunk.sequence() >= 0) {
    out.duplicate = true;
    out.ticket = it->second.ticket;
    out.next_sequence = cursor.next_sequence;
    if (!replaying) ++chunks_duplicate_;
    return out;
  }
  const std::string where =
      absl::StrCat("robot ", chunk.robot_id(), " episode ", chunk.episode_id(),
                   " chunk ", chunk.sequence());
  if (chunk.sequence() != cursor.next_sequence) {
    return refuse(absl::FailedPreconditionError(absl::StrCat(
                      where, ": expected chunk ", cursor.next_sequence,
                      " (chunks of an episode arrive in order)")),
                  "out_of_order");
  }
  if (it == pending_.end() && open_episodes_ >= config_.max_open_episodes()) {
    return refuse(absl::ResourceExhaustedError(absl::StrCat(
                      where, ": ", open_episodes_,
                      " episodes are open, the limit (max_open_episodes)")),
                  "open_episodes");
  }
  absl::StatusOr<datasets::RawTrajectory> samples =
      validator_.Validate(chunk, cursor, &refusal);
  if (!samples.ok()) return refuse(samples.status(), refusal.reason);
  if (chunk.last() && cursor.samples + samples->num_samples() < 2) {
    return refuse(absl::InvalidArgumentError(absl::StrCat(
                      where, ": an episode needs at least 2 samples")),
                  "sizes");
  }
  const std::string record = chunk.SerializeAsString();
  if (!replaying) {
    const int64_t used = shard_bytes_ + journal_->bytes();
    const int64_t needed = static_cast<int64_t>(record.size()) + 8;
    if (config_.quota_bytes() > 0 && used + needed > config_.quota_bytes()) {
      return refuse(absl::ResourceExhaustedError(absl::StrFormat(
                        "%s: the store holds %d of its quota of %d bytes; "
                        "the chunk needs %d more",
                        where, used, config_.quota_bytes(), needed)),
                    "quota");
    }
    absl::Status appended = journal_->Append(record);
    if (!appended.ok()) {
      error_ = appended;
      durable_.notify_all();
      return absl::InternalError(appended.message());
    }
    ++written_;
    ++chunks_stored_;
  }
  PendingEpisode& episode = pending_[key];
  if (it == pending_.end()) {
    ++open_episodes_;
    episode.params.assign(chunk.params().begin(), chunk.params().end());
    episode.samples.nq = samples->nq;
    episode.samples.nv = samples->nv;
    episode.samples.nu = samples->nu;
  }
  auto append = [](std::vector<double>* to, const std::vector<double>& from) {
    to->insert(to->end(), from.begin(), from.end());
  };
  append(&episode.samples.time, samples->time);
  append(&episode.samples.qpos, samples->qpos);
  append(&episode.samples.qvel, samples->qvel);
  append(&episode.samples.ctrl, samples->ctrl);
  episode.cursor.next_sequence += 1;
  episode.cursor.samples += samples->num_samples();
  episode.cursor.last_time = samples->time.back();
  episode.records.push_back(record);
  episode.ticket = written_;
  out.ticket = written_;
  out.next_sequence = episode.cursor.next_sequence;
  if (chunk.last()) {
    episode.complete = out.complete = true;
    --open_episodes_;
    completed_.push_back(key);
    if (static_cast<int64_t>(completed_.size()) >= config_.publish_episodes()) {
      publish_.notify_one();
    }
  }
  return out;
}

absl::StatusOr<IngestStore::Outcome> IngestStore::Accept(
    const v1::EpisodeChunk& chunk) {
  std::lock_guard<std::mutex> lock(mutex_);
  return ApplyLocked(chunk, false);
}

absl::Status IngestStore::WaitDurable(uint64_t ticket) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (synced_ < ticket) {
    if (!error_.ok()) return absl::InternalError(error_.message());
    if (syncing_) {
      durable_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t target = written_;
    std::shared_ptr<JournalSegment> segment = journal_->current();
    lock.unlock();
    absl::Status synced = segment->Sync();
    lock.lock();
    syncing_ = false;
    if (synced.ok()) {
      synced_ = std::max(synced_, target);
    } else if (error_.ok()) {
      error_ = synced;
    }
    durable_.notify_all();
  }
  return absl::OkStatus();
}

absl::Status IngestStore::RotateJournalLocked() {
  std::vector<const std::string*> carried;
  for (const auto& [key, episode] : pending_) {
    for (const std::string& record : episode.records)
      carried.push_back(&record);
  }
  absl::Status started = journal_->StartSegment(carried);
  if (!started.ok()) {
    if (error_.ok()) error_ = started;
  } else {
    synced_ = written_;  // every unpublished chunk is in the synced segment
  }
  durable_.notify_all();
  return started;
}

datasets::Episode IngestStore::BuildEpisode(
    const PendingEpisode& pending) const {
  const datasets::RawTrajectory& samples = pending.samples;
  datasets::Episode episode;
  episode.nq = samples.nq;
  episode.nv = samples.nv;
  episode.nu = samples.nu;
  episode.qpos = samples.qpos;
  episode.qvel = samples.qvel;
  const int n = samples.num_samples();
  episode.time.resize(n);
  for (int k = 0; k < n; ++k) episode.time[k] = k * manifest_.dt();
  episode.ctrl.assign(
      samples.ctrl.begin(),
      samples.ctrl.begin() + static_cast<size_t>(n - 1) * samples.nu);
  episode.params = pending.params;
  if (episode.params.empty()) {
    episode.params.assign(manifest_.parameters_size(),
                          std::numeric_limits<double>::quiet_NaN());
  }
  return episode;
}

absl::Status IngestStore::PublishNow() {
  std::lock_guard<std::mutex> publishing(publish_mutex_);
  std::vector<CompletedEpisode> batch;
  v1::DatasetManifest manifest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_.ok()) return error_;
    if (completed_.empty()) return absl::OkStatus();
    for (const std::string& key : completed_) {
      auto it = pending_.find(key);
      batch.push_back({key, BuildEpisode(it->second)});
      pending_.erase(it);
      published_.insert(key);
    }
    completed_.clear();
    manifest = manifest_;
  }
  int64_t shard_bytes = 0;
  const int64_t episodes = static_cast<int64_t>(batch.size());
  absl::StatusOr<v1::DatasetManifest> next =
      PublishShard(config_.store(), manifest, std::move(batch), &shard_bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!next.ok()) {
    // The episodes are still in the journal: a restart publishes them.
    if (error_.ok()) error_ = next.status();
    durable_.notify_all();
    return next.status();
  }
  transitions_published_ +=
      next->num_transitions() - manifest_.num_transitions();
  episodes_published_ += episodes;
  manifest_ = *std::move(next);
  shard_bytes_ += shard_bytes;
  return RotateJournalLocked();
}

void IngestStore::PublishLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto period = std::chrono::duration<double>(config_.publish_seconds());
  while (!stopping_) {
    publish_.wait_for(lock, period, [&] {
      return stopping_ || static_cast<int64_t>(completed_.size()) >=
                              config_.publish_episodes();
    });
    if (stopping_ || completed_.empty() || !error_.ok()) continue;
    lock.unlock();
    absl::Status published = PublishNow();
    if (!published.ok()) LOG(ERROR) << "ingest: publish: " << published;
    lock.lock();
  }
}

v1::DatasetManifest IngestStore::manifest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return manifest_;
}

std::string IngestStore::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string page;
  absl::StrAppend(
      &page,
      "# TYPE wm_ingest_chunks_total counter\n"
      "wm_ingest_chunks_total{result=\"stored\"} ",
      chunks_stored_, "\nwm_ingest_chunks_total{result=\"duplicate\"} ",
      chunks_duplicate_, "\n# TYPE wm_ingest_refused_total counter\n");
  for (const auto& [reason, count] : refused_) {
    absl::StrAppend(&page, "wm_ingest_refused_total{reason=\"", reason, "\"} ",
                    count, "\n");
  }
  absl::StrAppend(
      &page, "# TYPE wm_ingest_episodes_published_total counter\n",
      "wm_ingest_episodes_published_total ", episodes_published_,
      "\n# TYPE wm_ingest_transitions_published_total counter\n",
      "wm_ingest_transitions_published_total ", transitions_published_,
      "\n# TYPE wm_ingest_open_episodes gauge\nwm_ingest_open_episodes ",
      open_episodes_,
      "\n# TYPE wm_ingest_store_bytes gauge\nwm_ingest_store_bytes ",
      shard_bytes_ + journal_->bytes(), "\n");
  return page;
}

}  // namespace wm::services
