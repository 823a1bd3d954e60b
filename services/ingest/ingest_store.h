#ifndef WM_SERVICES_INGEST_INGEST_STORE_H_
#define WM_SERVICES_INGEST_INGEST_STORE_H_

// The ingest store (docs/fleet.md, "The store on disk"): an append-only
// dataset that episodes streamed in chunks join once complete. Chunks are
// validated (ChunkValidator), journalled (ChunkJournal) and acknowledged
// once synced (group commit: one fsync for every chunk appended before it);
// a publisher thread turns completed episodes into new shards and replaces
// the manifest. Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/ingest/chunk_journal.h"
#include "services/ingest/chunk_validator.h"
#include "services/ingest/store_shards.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/ingest.pb.h"

namespace wm::services {

// `config` with every zero field set to its default (ingest.proto).
v1::IngestConfig WithIngestDefaults(v1::IngestConfig config);

class IngestStore {
 public:
  // What became of one accepted chunk.
  struct Outcome {
    bool duplicate = false;
    // Wait for this with WaitDurable before acknowledging.
    uint64_t ticket = 0;
    int64_t next_sequence = 0;
    bool complete = false;
  };

  // Opens the store at config.store, creating it for `scene_manifest` (the
  // scene part of a dataset manifest, sim::ManifestForScene; may be null
  // for an existing store) when it has no manifest, then replays the
  // journal and starts the publisher. Errors: INVALID_ARGUMENT (no store,
  // a new store without a scene, a scene other than the store's),
  // FAILED_PRECONDITION (another process holds the store), DATA_LOSS (an
  // unreadable manifest), I/O errors naming the path.
  static absl::StatusOr<std::unique_ptr<IngestStore>> Open(
      const v1::IngestConfig& config,
      const v1::DatasetManifest* scene_manifest);

  // Publishes the completed episodes and stops the publisher.
  ~IngestStore();

  // Validates, deduplicates and journals `chunk` (not yet synced).
  // Errors: INVALID_ARGUMENT (validation, ChunkValidator), FAILED_PRECONDITION
  // (a hole in the sequence: "expected chunk K"), RESOURCE_EXHAUSTED (the
  // quota, or too many open episodes), INTERNAL (the journal failed; the
  // store then refuses every chunk until restarted). Refusals are counted.
  absl::StatusOr<Outcome> Accept(const v1::EpisodeChunk& chunk);

  // Blocks until every chunk with a ticket up to `ticket` is synced
  // (leading a group commit when no sync is running).
  absl::Status WaitDurable(uint64_t ticket);

  // Publishes the completed episodes now (no-op when none).
  absl::Status PublishNow();

  // The counters on the Prometheus text page: wm_ingest_chunks_total
  // {result}, wm_ingest_refused_total{reason}, wm_ingest_episodes_published
  // _total, wm_ingest_transitions_published_total, wm_ingest_open_episodes,
  // wm_ingest_store_bytes.
  std::string RenderPrometheus() const;

  // The published manifest.
  v1::DatasetManifest manifest() const;
  const v1::IngestConfig& config() const { return config_; }

 private:
  // An episode begun and not yet published.
  struct PendingEpisode {
    EpisodeCursor cursor;
    bool complete = false;
    uint64_t ticket = 0;  // of its latest chunk
    datasets::RawTrajectory samples;
    std::vector<double> params;
    std::vector<std::string> records;  // its journalled chunks
  };

  IngestStore(v1::IngestConfig config, v1::DatasetManifest manifest,
              ChunkValidator validator, int lock_fd);

  // Accept's work under mutex_; `record` empty: Accept serialises the
  // chunk itself; `replaying`: no journal append, no quota, no counters.
  absl::StatusOr<Outcome> ApplyLocked(const v1::EpisodeChunk& chunk,
                                      bool replaying);
  absl::Status Recover();
  absl::Status RotateJournalLocked();
  void CountRefusal(const std::string& reason);
  void PublishLoop();
  datasets::Episode BuildEpisode(const PendingEpisode& pending) const;

  const v1::IngestConfig config_;
  const ChunkValidator validator_;
  const int lock_fd_;

  mutable std::mutex mutex_;
  std::condition_variable durable_;  // synced_ advanced, or an error
  std::condition_variable publish_;  // episodes completed, or stopping
  v1::DatasetManifest manifest_;
  std::unique_ptr<ChunkJournal> journal_;
  std::map<std::string, PendingEpisode> pending_;  // by "robot/episode"
  std::vector<std::string> completed_;             // keys, completion order
  std::set<std::string> published_;
  int64_t open_episodes_ = 0;
  int64_t shard_bytes_ = 0;  // shards and manifest on disk
  uint64_t written_ = 0;     // tickets handed out
  uint64_t synced_ = 0;      // tickets durable
  bool syncing_ = false;
  absl::Status error_;  // the first journal or publish failure
  bool stopping_ = false;

  // Counters.
  int64_t chunks_stored_ = 0;
  int64_t chunks_duplicate_ = 0;
  std::map<std::string, int64_t> refused_;
  int64_t episodes_published_ = 0;
  int64_t transitions_published_ = 0;

  std::mutex publish_mutex_;  // one publish at a time
  std::thread publisher_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_INGEST_INGEST_STORE_H_
