#ifndef WM_DATASETS_REAL_RESAMPLER_H_
#define WM_DATASETS_REAL_RESAMPLER_H_

#include <cstdint>
#include <vector>

#include "datasets/episode.h"

namespace wm::datasets {

// A log already mapped onto a StateSpec (MuJoCo's layout and frames, SI
// units), before resampling: N samples at strictly increasing, finite times,
// each quaternion of unit length, w first. A plain value.
struct RawTrajectory {
  int nq = 0;
  int nv = 0;
  int nu = 0;
  std::vector<double> time;  // [N], s
  std::vector<double> qpos;  // [N * nq]
  std::vector<double> qvel;  // [N * nv]
  std::vector<double> ctrl;  // [N * nu], the action logged with each sample

  int num_samples() const { return static_cast<int>(time.size()); }
};

struct ResampleOptions {
  double dt = 0;  // output period, s; > 0
  // Gaps between consecutive samples up to this many dt are interpolated;
  // longer ones split the log. >= 1.
  double max_gap_steps = 5;
  // Pieces with fewer control steps after resampling are dropped. >= 1.
  int64_t min_steps = 1;
  // qpos offsets of the quaternions (w entries): slerped, not lerped.
  std::vector<int> quaternion_offsets;
};

struct ResampleResult {
  // One episode per piece of the log, in time order. Indices are 0 and
  // params empty: the caller fills them in.
  std::vector<Episode> episodes;
  // Intervals longer than 1.5 dt that were interpolated over.
  int gaps_interpolated = 0;
  // Gaps longer than max_gap_steps * dt (each starts a new piece).
  int gaps_split = 0;
  // Pieces shorter than min_steps, dropped.
  int pieces_dropped = 0;
};

// Cuts `log` at gaps longer than max_gap_steps * dt, then resamples each
// piece on the grid t_k = t_first + k dt, k = 0..T, where T is the largest
// with t_T <= t_last (within 1e-6 dt): positions, velocities and actions
// are interpolated linearly between the neighbouring samples, quaternions
// by slerp. Action k is the one interpolated at t_k (held over step k ->
// k+1), so an episode has T + 1 states and T actions; its times are k dt.
// CHECK-fails on a log that breaks RawTrajectory's contract or on bad
// options. Thread-safe.
ResampleResult ResampleLog(const RawTrajectory& log,
                           const ResampleOptions& options);

}  // namespace wm::datasets

#endif  // WM_DATASETS_REAL_RESAMPLER_H_
