#ifndef WM_DATASETS_HDF5_SHARD_H_
#define WM_DATASETS_HDF5_SHARD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "datasets/shard_labels.h"

namespace wm::datasets {

// One HDF5 shard file: a contiguous, ordered run of episodes that share the
// sizes nq, nv, nu and the parameter count P. On disk (docs/design.md
// section 4; h5py opens it), with N = sum of (T + 1), Na = sum of T over its
// E episodes:
//   qpos [N, nq] f8, qvel [N, nv] f8, time [N] f8, ctrl [Na, nu] f8,
//   state_offsets [E + 1] i64, action_offsets [E + 1] i64,
//   episode_index [E] i64, params [E, P] f8 (NaN where unknown).
// Episode e owns state rows [state_offsets[e], state_offsets[e + 1]) and
// action rows [action_offsets[e], action_offsets[e + 1]). With labels, also
// (shard_labels.h): root attributes format_version and dt, `columns` and
// `units` attributes on qpos, qvel, ctrl and params, and split [E] (fixed-
// length strings "train", "validation", "test").
struct ShardContents {
  int nq = 0;
  int nv = 0;
  int nu = 0;
  int num_params = 0;
  std::vector<Episode> episodes;
  // Written by DatasetWriter; the reader leaves it empty (wm reads the
  // manifest instead).
  std::optional<ShardLabels> labels;

  // N and Na above: total states and actions over the episodes.
  int64_t num_states() const;
  int64_t num_actions() const;
};

// Writes `shard` to `path`: first to a temporary sibling file, flushed to
// disk, then renamed over `path`, so readers never see a torn shard. The
// same contents always give the same bytes (no timestamps, fixed format
// versions). Every episode must pass Episode::Validate(), match the shard's
// nq/nv/nu and num_params, and indices must be strictly increasing:
// INVALID_ARGUMENT naming the episode otherwise; labels must name nq, nv,
// nu and num_params columns (INVALID_ARGUMENT naming the array). nu == 0, P ==
// 0 and E == 0 are allowed (zero-sized datasets). I/O errors name the path:
// NOT_FOUND (no such directory), PERMISSION_DENIED, INTERNAL (an HDF5 failure,
// with its message). Thread-compatible; HDF5 serialises calls internally.
absl::Status WriteShardFile(const std::string& path,
                            const ShardContents& shard);

// Reads the shard at `path`, checking its structure: NOT_FOUND when the file
// does not exist; DATA_LOSS naming the file and the problem when it is not a
// readable HDF5 file (truncated, corrupt), a dataset is missing or has the
// wrong rank, type or length, the offsets are inconsistent, the episode
// indices are not increasing, or a state, time or action is not finite.
// HDF5's own error printing is silenced; its message goes into the Status.
absl::StatusOr<ShardContents> ReadShardFile(const std::string& path);

}  // namespace wm::datasets

#endif  // WM_DATASETS_HDF5_SHARD_H_
