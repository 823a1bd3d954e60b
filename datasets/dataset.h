#ifndef WM_DATASETS_DATASET_H_
#define WM_DATASETS_DATASET_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "wm/v1/dataset.pb.h"

namespace wm::datasets {

// A dataset directory opened for reading (docs/design.md section 4): its
// manifest, and its HDF5 shards read one at a time on demand, so a dataset
// never has to fit in memory. Immutable after Open(); every method is
// thread-safe (shard reads go through HDF5's global lock).
class Dataset {
 public:
  // Reads `<directory>/manifest.pbtxt` and checks it against itself and the
  // directory. NOT_FOUND when there is no manifest (the directory is missing
  // or not a complete dataset: a `wm gen` still running or killed);
  // DATA_LOSS when the manifest does not parse, its counts disagree with its
  // shard list, or a listed shard file is missing; FAILED_PRECONDITION for a
  // format_version other than 1. Shard contents are checked when read.
  static absl::StatusOr<std::unique_ptr<Dataset>> Open(
      const std::string& directory);

  const std::string& directory() const { return directory_; }
  const v1::DatasetManifest& manifest() const { return manifest_; }
  const v1::StateSpec& spec() const { return manifest_.spec(); }
  // Episodes stored (dropped ones excluded), as the manifest says.
  int64_t num_episodes() const { return manifest_.num_episodes(); }
  // Number of shards, i.e. manifest().shards_size().
  int num_shards() const { return manifest_.shards_size(); }

  // The episodes of the k-th listed shard (0 <= k < num_shards()), in index
  // order. INVALID_ARGUMENT for k out of range; DATA_LOSS naming the file
  // when it is missing, its bytes differ from the SHA-256 the manifest
  // records (checked before libhdf5 parses it), it is corrupt (see
  // ReadShardFile), or it disagrees with the manifest (sizes, parameter
  // count, episode, state and action counts, indices outside the shard's
  // range).
  absl::StatusOr<std::vector<Episode>> ReadShard(int k) const;

  // Calls `visit` on every episode in index order, reading one shard at a
  // time. Stops at and returns the first error, from a shard read or from
  // `visit`.
  absl::Status ForEachEpisode(
      const std::function<absl::Status(const Episode&)>& visit) const;

  // 16 lowercase hex digits: the 64-bit FNV-1a hash of the manifest's
  // deterministic binary serialisation. Identifies the dataset in
  // checkpoints; equal manifests give equal fingerprints.
  std::string Fingerprint() const;

 private:
  Dataset(std::string directory, v1::DatasetManifest manifest)
      : directory_(std::move(directory)), manifest_(std::move(manifest)) {}

  std::string directory_;
  v1::DatasetManifest manifest_;
};

}  // namespace wm::datasets

#endif  // WM_DATASETS_DATASET_H_
