#include "worldmodel/flywheel/flywheel_episodes.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "datasets/dataset_writer.h"
#include "datasets/split.h"
#include "util/status_macros.h"
#include "worldmodel/flywheel/flywheel_gate.h"

namespace wm::worldmodel {
namespace {

void SortByIndex(std::vector<datasets::Episode>* episodes) {
  std::sort(episodes->begin(), episodes->end(),
            [](const datasets::Episode& a, const datasets::Episode& b) {
              return a.index < b.index;
            });
}

}  // namespace

absl::StatusOr<std::vector<datasets::Episode>> ReadStorePrefix(
    const datasets::Dataset& store, int64_t count) {
  if (count > store.num_episodes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("store ", store.directory(), " holds ",
                     store.num_episodes(), " episodes, fewer than the ", count,
                     " a cycle used (was the store replaced?)"));
  }
  std::vector<datasets::Episode> prefix;
  prefix.reserve(count);
  for (int k = 0;
       k < store.num_shards() && static_cast<int64_t>(prefix.size()) < count;
       ++k) {
    WM_ASSIGN_OR_RETURN(std::vector<datasets::Episode> shard,
                        store.ReadShard(k));
    for (datasets::Episode& episode : shard) {
      if (static_cast<int64_t>(prefix.size()) == count) break;
      prefix.push_back(std::move(episode));
    }
  }
  return prefix;
}

CycleEpisodes SplitCycleEpisodes(std::vector<datasets::Episode> prefix,
                                 const v1::FlywheelConfig& config,
                                 int64_t min_steps) {
  CycleEpisodes parts;
  const int64_t size = static_cast<int64_t>(prefix.size());
  const int64_t first = std::max<int64_t>(0, size - config.window_episodes());
  for (int64_t i = first; i < size; ++i) {
    datasets::Episode& episode = prefix[i];
    if (IsHeldOut(episode.index, config.holdout_fraction())) {
      if (episode.num_steps() >= min_steps) {
        parts.holdout.push_back(std::move(episode));
      }
    } else if (datasets::SplitOf(episode.index, {}) !=
               datasets::Split::kTrain) {
      parts.validation.push_back(std::move(episode));
    } else {
      parts.train.push_back(std::move(episode));
    }
  }
  if (parts.validation.empty() && parts.train.size() >= 2) {
    parts.validation.push_back(std::move(parts.train.back()));
    parts.train.pop_back();
  }
  SortByIndex(&parts.train);
  SortByIndex(&parts.validation);
  SortByIndex(&parts.holdout);
  return parts;
}

absl::Status WriteCycleDataset(const datasets::Dataset& store,
                               const std::vector<datasets::Episode>& episodes,
                               const std::string& directory) {
  if (absl::StatusOr<std::unique_ptr<datasets::Dataset>> existing =
          datasets::Dataset::Open(directory);
      existing.ok() &&
      (*existing)->num_episodes() == static_cast<int64_t>(episodes.size())) {
    return absl::OkStatus();
  }
  v1::DatasetManifest manifest = store.manifest();
  manifest.clear_shards();
  manifest.clear_num_episodes();
  manifest.clear_num_transitions();
  manifest.clear_num_dropped_episodes();
  WM_ASSIGN_OR_RETURN(
      std::unique_ptr<datasets::DatasetWriter> writer,
      datasets::DatasetWriter::Create(directory, manifest,
                                      /*episodes_per_shard=*/256,
                                      /*overwrite=*/true));
  for (const datasets::Episode& episode : episodes) {
    WM_RETURN_IF_ERROR(writer->Write(episode));
  }
  return writer->Finish(0).status();
}

}  // namespace wm::worldmodel
