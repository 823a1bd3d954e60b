#ifndef WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_EPISODES_H_
#define WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_EPISODES_H_

// The episodes a flywheel cycle works on: a prefix of the append-only store
// in store order (shard order: the newest last), its newest window split by
// episode hash into a held-out slice for the gate and the episodes that
// train, and the training dataset written from them. Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/episode.h"
#include "wm/v1/flywheel.pb.h"

namespace wm::worldmodel {

struct CycleEpisodes {
  // Each part in increasing index order.
  std::vector<datasets::Episode> train;       // fine-tuned on
  std::vector<datasets::Episode> validation;  // early stopping
  std::vector<datasets::Episode> holdout;     // the gate's
};

// The first `count` episodes of `store` in store order (shards in manifest
// order, episodes in each shard's order). INVALID_ARGUMENT when the store
// holds fewer; shard read errors.
absl::StatusOr<std::vector<datasets::Episode>> ReadStorePrefix(
    const datasets::Dataset& store, int64_t count);

// The newest config.window_episodes() of `prefix` (store order), split:
// held out (IsHeldOut by index at config.holdout_fraction) when long
// enough for the gate (`min_steps` steps; shorter held-out episodes are
// dropped, never trained on); of the others, those datasets::SplitOf
// does not put in its train split validate (at least one when there are
// two or more), the rest train.
CycleEpisodes SplitCycleEpisodes(std::vector<datasets::Episode> prefix,
                                 const v1::FlywheelConfig& config,
                                 int64_t min_steps);

// Writes `episodes` (increasing index) as a dataset in `directory`
// (replacing what is there) with `store`'s manifest minus its shard list,
// unless a complete dataset with the same episode count is there already
// (a resumed cycle: the same episodes give the same bytes). Returns the
// directory. DatasetWriter's errors.
absl::Status WriteCycleDataset(const datasets::Dataset& store,
                               const std::vector<datasets::Episode>& episodes,
                               const std::string& directory);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_EPISODES_H_
