#ifndef WM_WORLDMODEL_SYSID_SYSID_DATA_H_
#define WM_WORLDMODEL_SYSID_SYSID_DATA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/episode.h"
#include "sim/scene.h"

namespace wm::worldmodel {

// A dataset's episodes divided for system identification.
struct SysidData {
  std::vector<datasets::Episode> fit;
  std::vector<datasets::Episode> holdout;
};

// Reads the episodes of `dataset` (the `max_episodes` lowest indices; 0:
// all) and splits them: `holdout` empty holds out the dataset's test split
// (datasets::SplitOf with default fractions), "none" holds out nothing,
// otherwise a comma-separated list of episode indices is held out. The
// dataset must record `scene`'s state layout and control period.
// INVALID_ARGUMENT when its StateSpec (joints, sizes, actuators) or dt
// differs from the scene's (naming both scenes), it has no episodes, a
// held-out index is malformed or not in the data, or nothing is left to
// fit; shard read errors pass through.
absl::StatusOr<SysidData> LoadSysidData(const datasets::Dataset& dataset,
                                        const sim::Scene& scene,
                                        int max_episodes,
                                        const std::string& holdout);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_SYSID_DATA_H_
