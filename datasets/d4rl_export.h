#ifndef WM_DATASETS_D4RL_EXPORT_H_
#define WM_DATASETS_D4RL_EXPORT_H_

// A dataset as offline-RL tools read it (the D4RL layout, one HDF5 file):
// one row per transition, episodes one after another in index order,
//   observations [N, nx] f4 (the state [qpos | qvel] before the step),
//   actions [N, nu] f4, next_observations [N, nx] f4, rewards [N] f4 (zero:
//   wm's datasets carry no task), terminals [N] u1 (zero: a physical state
//   never ends an episode), timeouts [N] u1 (one on each episode's last
//   transition), and infos/episode_index [N] i8, infos/params [N, P] f8,
// with the shard labels' `columns` and `units` on observations and actions
// and root attributes dt and source_dataset.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/split.h"

namespace wm::datasets {

// What ExportD4rl wrote.
struct D4rlExportSummary {
  int64_t episodes = 0;
  int64_t transitions = 0;
};

// Writes the episodes of `dataset` in `split` (every episode without one)
// to `path` atomically (temporary file, sync, rename). Errors: the
// dataset's read errors; FAILED_PRECONDITION when no episode is selected;
// I/O errors naming `path`.
absl::StatusOr<D4rlExportSummary> ExportD4rl(const Dataset& dataset,
                                             std::optional<Split> split,
                                             const std::string& path);

}  // namespace wm::datasets

#endif  // WM_DATASETS_D4RL_EXPORT_H_
