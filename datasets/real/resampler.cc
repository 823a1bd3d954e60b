#include "datasets/real/resampler.h"

#include <algorithm>
#include <cmath>

#include "util/logging.h"
#include "util/quaternion.h"

namespace wm::datasets {
namespace {

// dst[i] = (1 - alpha) a[i] + alpha b[i] for i < n, slerp for the 4
// entries at each of `quaternions`.
void Interpolate(const double* a, const double* b, int n, double alpha,
                 const std::vector<int>& quaternions, double* dst) {
  for (int i = 0; i < n; ++i) dst[i] = a[i] + alpha * (b[i] - a[i]);
  for (int offset : quaternions) {
    QuatSlerp(a + offset, b + offset, alpha, dst + offset);
  }
}

// Resamples samples [first, last] (last > first) into one episode.
Episode ResamplePiece(const RawTrajectory& log, int first, int last,
                      const ResampleOptions& options) {
  const double dt = options.dt;
  const double t0 = log.time[first];
  const int64_t steps =
      static_cast<int64_t>(std::floor((log.time[last] - t0) / dt + 1e-6));
  Episode episode;
  episode.nq = log.nq;
  episode.nv = log.nv;
  episode.nu = log.nu;
  episode.time.resize(steps + 1);
  episode.qpos.resize((steps + 1) * log.nq);
  episode.qvel.resize((steps + 1) * log.nv);
  episode.ctrl.resize(steps * log.nu);
  const std::vector<int> no_quaternions;
  int j = first;  // the sample at or before t_k
  for (int64_t k = 0; k <= steps; ++k) {
    const double t = t0 + k * dt;
    while (j + 1 < last && log.time[j + 1] <= t) ++j;
    const double span = log.time[j + 1] - log.time[j];
    // The last grid time may lie a rounding error past the last sample.
    const double alpha = std::clamp((t - log.time[j]) / span, 0.0, 1.0);
    episode.time[k] = k * dt;
    // data() + offset: ctrl is empty without actuators (nu = 0).
    Interpolate(log.qpos.data() + j * log.nq,
                log.qpos.data() + (j + 1) * log.nq, log.nq, alpha,
                options.quaternion_offsets, episode.qpos.data() + k * log.nq);
    Interpolate(log.qvel.data() + j * log.nv,
                log.qvel.data() + (j + 1) * log.nv, log.nv, alpha,
                no_quaternions, episode.qvel.data() + k * log.nv);
    if (k < steps) {
      Interpolate(log.ctrl.data() + j * log.nu,
                  log.ctrl.data() + (j + 1) * log.nu, log.nu, alpha,
                  no_quaternions, episode.ctrl.data() + k * log.nu);
    }
  }
  return episode;
}

}  // namespace

ResampleResult ResampleLog(const RawTrajectory& log,
                           const ResampleOptions& options) {
  CHECK_GT(options.dt, 0.0);
  CHECK_GE(options.max_gap_steps, 1.0);
  CHECK_GE(options.min_steps, 1);
  const int n = log.num_samples();
  CHECK_EQ(log.qpos.size(), static_cast<size_t>(n) * log.nq);
  CHECK_EQ(log.qvel.size(), static_cast<size_t>(n) * log.nv);
  CHECK_EQ(log.ctrl.size(), static_cast<size_t>(n) * log.nu);
  // "Up to max_gap_steps dt" includes a gap of exactly that length.
  const double max_gap = options.max_gap_steps * options.dt * (1 + 1e-9);
  ResampleResult result;
  int first = 0;
  for (int i = 1; i <= n; ++i) {
    // A piece ends at the last sample or before a gap too long to bridge.
    const bool end = i == n || log.time[i] - log.time[i - 1] > max_gap;
    if (i < n) {
      const double interval = log.time[i] - log.time[i - 1];
      CHECK_GT(interval, 0.0) << "times must increase";
      if (end) {
        ++result.gaps_split;
      } else if (interval > 1.5 * options.dt) {
        ++result.gaps_interpolated;
      }
    }
    if (!end) continue;
    const int last = i - 1;
    const double duration = last > first ? log.time[last] - log.time[first] : 0;
    if (duration / options.dt + 1e-6 >= options.min_steps) {
      result.episodes.push_back(ResamplePiece(log, first, last, options));
    } else {
      ++result.pieces_dropped;
    }
    first = i;
  }
  return result;
}

}  // namespace wm::datasets
