#ifndef WM_DATASETS_EPISODE_H_
#define WM_DATASETS_EPISODE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace wm::datasets {

// One recorded episode of T control steps: T + 1 states and T actions, in
// MuJoCo's layout, float64 as stored in the HDF5 shards. A plain value.
struct Episode {
  // Global episode index within its dataset (also its split key).
  int64_t index = 0;
  int nq = 0;
  int nv = 0;
  int nu = 0;
  std::vector<double> qpos;  // [(T + 1) * nq], row-major by step
  std::vector<double> qvel;  // [(T + 1) * nv]
  std::vector<double> time;  // [T + 1], seconds since the episode started
  std::vector<double> ctrl;  // [T * nu], the action held over step t -> t+1
  // The episode's physical parameters, in the manifest's order; NaN where
  // unknown (real logs).
  std::vector<double> params;

  // T, the number of control steps (0 for an empty episode).
  int64_t num_steps() const {
    return time.empty() ? 0 : static_cast<int64_t>(time.size()) - 1;
  }

  // OK when the sizes agree with num_steps() and nq/nv/nu, there is at
  // least one step, and every state, time and action is finite (params may
  // be NaN). INVALID_ARGUMENT naming the episode index and the field
  // otherwise.
  absl::Status Validate() const;
};

// Where generated or imported episodes go: an HDF5 dataset writer, or an
// in-memory sink in benchmarks and tests.
class EpisodeSink {
 public:
  virtual ~EpisodeSink() = default;
  // Takes one episode. Episodes arrive in strictly increasing index order
  // (indices may skip: dropped episodes). Errors are final for the sink.
  // Not thread-safe: one writer thread.
  virtual absl::Status Write(Episode episode) = 0;
};

}  // namespace wm::datasets

#endif  // WM_DATASETS_EPISODE_H_
