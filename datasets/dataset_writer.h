#ifndef WM_DATASETS_DATASET_WRITER_H_
#define WM_DATASETS_DATASET_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "wm/v1/dataset.pb.h"

namespace wm::datasets {

// Writes a dataset directory (docs/design.md section 4): HDF5 shards
// `shard_00000.h5`, ... each holding the episodes whose index lies in
// [k * episodes_per_shard, (k + 1) * episodes_per_shard), and
// `manifest.pbtxt`, written last by Finish(). Each shard appears by atomic
// rename when its range is complete, so a killed run leaves no manifest and
// no torn shard. Byte-identical output for identical input. Not thread-safe.
class DatasetWriter : public EpisodeSink {
 public:
  // Prepares `directory`. `manifest` carries everything but the shard list
  // and counts (spec, dt, parameters, scene, provenance), which Finish()
  // fills in. An existing non-empty directory is refused (ALREADY_EXISTS)
  // unless `overwrite`, in which case its manifest is removed first, so it
  // never looks complete while being rewritten, then its shards. Errors:
  // INVALID_ARGUMENT (episodes_per_shard < 1, empty spec),
  // PERMISSION_DENIED / NOT_FOUND naming the path when it cannot be created.
  static absl::StatusOr<std::unique_ptr<DatasetWriter>> Create(
      const std::string& directory, const v1::DatasetManifest& manifest,
      int64_t episodes_per_shard, bool overwrite);

  ~DatasetWriter() override;

  // Buffers the episode and writes the shard before it once its index moves
  // past that shard's range. INVALID_ARGUMENT if the episode fails
  // Validate(), does not match the spec's nq/nv/nu or parameter count, or
  // its index is not greater than the previous one.
  absl::Status Write(Episode episode) override;

  // Replaces the manifest's provenance before Finish() writes it: for what
  // is known only after every episode was written (`wm import`'s file ->
  // episode table).
  void set_provenance(v1::Provenance provenance) {
    *manifest_.mutable_provenance() = std::move(provenance);
  }

  // Writes the last shard, then the manifest with `num_dropped_episodes`.
  // Returns the manifest as written. No Write() after Finish().
  absl::StatusOr<v1::DatasetManifest> Finish(int64_t num_dropped_episodes);

 private:
  DatasetWriter(std::string directory, v1::DatasetManifest manifest,
                int64_t episodes_per_shard);
  // Writes the pending episodes of shard current_shard_ (if any) and
  // records its ShardInfo.
  absl::Status FlushShard();

  std::string directory_;
  v1::DatasetManifest manifest_;
  int64_t episodes_per_shard_;
  int64_t current_shard_ = 0;
  int64_t last_index_ = -1;
  std::vector<Episode> pending_;
  bool finished_ = false;
  // The first I/O error; every later call returns it.
  absl::Status error_;
};

}  // namespace wm::datasets

#endif  // WM_DATASETS_DATASET_WRITER_H_
