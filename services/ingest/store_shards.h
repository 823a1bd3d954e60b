#ifndef WM_SERVICES_INGEST_STORE_SHARDS_H_
#define WM_SERVICES_INGEST_STORE_SHARDS_H_

// The dataset half of the ingest store (docs/fleet.md, "The store on
// disk"): a new store's empty manifest, and publishing completed episodes
// as one more shard and a replaced manifest.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "wm/v1/dataset.pb.h"

namespace wm::services {

// A completed episode waiting to be published: its key "robot/episode"
// and its data (index unset).
struct CompletedEpisode {
  std::string key;
  datasets::Episode episode;
};

// The manifest of a new, empty store for the scene `scene_manifest`
// describes (sim::ManifestForScene): no shards, no episodes, provenance
// source "wm ingest".
v1::DatasetManifest EmptyStoreManifest(
    const v1::DatasetManifest& scene_manifest);

// Publishes `completed` (non-empty) into the store at `directory`: assigns
// indices from manifest.num_episodes() on, writes them as the shard
// shard_<K>.h5 (K = the number of shards listed; written atomically, its
// SHA-256 recorded), syncs the directory, then replaces the manifest
// atomically with one listing the shard, the new counts and one
// imported_files entry per episode. Returns the new manifest; on error the
// old one stays in place. `shard_bytes` (optional) receives the shard's size.
absl::StatusOr<v1::DatasetManifest> PublishShard(
    const std::string& directory, const v1::DatasetManifest& manifest,
    std::vector<CompletedEpisode> completed, int64_t* shard_bytes);

}  // namespace wm::services

#endif  // WM_SERVICES_INGEST_STORE_SHARDS_H_
