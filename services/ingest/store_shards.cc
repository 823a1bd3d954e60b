#include "services/ingest/store_shards.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/hdf5_shard.h"
#include "datasets/shard_labels.h"
#include "util/file_util.h"
#include "util/sha256.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::services {

v1::DatasetManifest EmptyStoreManifest(
    const v1::DatasetManifest& scene_manifest) {
  v1::DatasetManifest manifest = scene_manifest;
  manifest.set_format_version(1);
  manifest.clear_shards();
  manifest.set_num_episodes(0);
  manifest.set_num_transitions(0);
  manifest.set_num_dropped_episodes(0);
  manifest.clear_provenance();
  manifest.mutable_provenance()->set_source("wm ingest");
  return manifest;
}

absl::StatusOr<v1::DatasetManifest> PublishShard(
    const std::string& directory, const v1::DatasetManifest& manifest,
    std::vector<CompletedEpisode> completed, int64_t* shard_bytes) {
  v1::DatasetManifest next = manifest;
  datasets::ShardContents contents;
  contents.nq = manifest.spec().nq();
  contents.nv = manifest.spec().nv();
  contents.nu = manifest.spec().nu();
  contents.num_params = manifest.parameters_size();
  contents.labels = datasets::LabelsOf(manifest);
  int64_t index = manifest.num_episodes();
  for (CompletedEpisode& item : completed) {
    item.episode.index = index++;
    v1::ImportedFile* entry = next.mutable_provenance()->add_imported_files();
    entry->set_file(item.key);
    entry->set_first_episode(item.episode.index);
    entry->set_num_episodes(1);
    entry->set_num_transitions(item.episode.num_steps());
    contents.episodes.push_back(std::move(item.episode));
  }
  const std::string name =
      absl::StrFormat("shard_%05d.h5", manifest.shards_size());
  const std::string path = absl::StrCat(directory, "/", name);
  WM_RETURN_IF_ERROR(datasets::WriteShardFile(path, contents));
  WM_ASSIGN_OR_RETURN(const std::string bytes, ReadFileToString(path));
  if (shard_bytes != nullptr) *shard_bytes = static_cast<int64_t>(bytes.size());
  v1::ShardInfo* info = next.add_shards();
  info->set_file(name);
  info->set_sha256(Sha256Hex(bytes));
  info->set_first_episode(manifest.num_episodes());
  info->set_end_episode(index);
  info->set_num_episodes(index - manifest.num_episodes());
  info->set_num_states(contents.num_states());
  info->set_num_actions(contents.num_actions());
  next.set_num_episodes(index);
  next.set_num_transitions(manifest.num_transitions() + info->num_actions());
  // The shard is durable before the manifest that lists it appears.
  WM_RETURN_IF_ERROR(SyncDirectory(directory));
  WM_RETURN_IF_ERROR(
      WriteTextProtoFile(absl::StrCat(directory, "/manifest.pbtxt"), next));
  return next;
}

}  // namespace wm::services
