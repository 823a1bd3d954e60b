#ifndef WM_WORLDMODEL_EVAL_ACOSTA_TOSS_PROTOCOL_H_
#define WM_WORLDMODEL_EVAL_ACOSTA_TOSS_PROTOCOL_H_

// The cube-toss protocol of Acosta, Yang and Posa, "Validating Robotics
// Simulators on Real-World Impacts" (RA-L 2022), as the real data's README
// (data/real/cube_toss/README.md) states it: start 3 samples before
// the centre first drops to sqrt(3) half-widths; initial linear velocity from
// a ballistic least-squares fit of the free-flight samples, initial angular
// velocity the mean body rate over free flight; roll out open loop to the end
// of the toss; score
//   e_q = mean_t |p_hat_t - p_t|^2 / half_width + mean_t theta_t^2.

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "datasets/episode.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

inline constexpr double kTossCubeHalfWidth = 0.0524;  // m
inline constexpr int kTossSamplesBeforeDrop = 3;

// The first sample whose height is at most sqrt(3) * half_width (the lowest
// height at which a corner can touch the table), or NOT_FOUND naming the
// lowest height seen.
absl::StatusOr<int64_t> FirstDropIndex(absl::Span<const double> heights,
                                       double half_width);

// Least-squares ballistic fit of positions [n, 3] at `times` [n]:
// p(t) = p0 + v (t - t_eval) + g (t - t_eval)^2 / 2 with g = (0, 0,
// -gravity); returns v, the velocity at t_eval. INVALID_ARGUMENT for fewer
// than 2 samples or sizes that disagree.
absl::StatusOr<std::array<double, 3>> BallisticVelocity(
    absl::Span<const double> times, absl::Span<const double> positions,
    double t_eval, double gravity);

// The angle in radians, in [0, pi], of the rotation between unit quaternions
// a and b (w first); sign-insensitive.
double RotationAngle(const double a[4], const double b[4]);

// Where the protocol starts a toss and the state it starts from.
struct TossStart {
  int64_t start_index = 0;  // first compared sample
  int64_t drop_index = 0;   // first sample at or below sqrt(3) half-widths
  // [qpos (7) | qvel (6)]: measured pose at start_index, fitted linear
  // velocity (world frame), mean body rate over free flight (body frame).
  std::vector<double> state;
};

// The protocol's start of `toss` (a free-joint cube episode, nq 7, nv 6):
// start = drop - 3 (at least 0), free flight = samples [0, drop). Errors:
// INVALID_ARGUMENT for another state layout; NOT_FOUND when the cube never
// drops low enough; FAILED_PRECONDITION for fewer than 2 free-flight
// samples. Both name the episode index.
absl::StatusOr<TossStart> FindTossStart(const datasets::Episode& toss,
                                        double gravity);

// One toss's score; errors over the compared samples start_index..end.
struct TossScore {
  int64_t episode = 0;
  int64_t start_index = 0;
  int64_t samples = 0;  // compared samples, the start included
  double e_q = 0;
  double mean_pos_err_m = 0;
  double mean_rot_err_deg = 0;
};

// Scores a predicted pose sequence against the measured one: both
// [samples, 7] qpos rows (x y z qw qx qy qz), row 0 the start. Uses
// kTossCubeHalfWidth. INVALID_ARGUMENT when sizes disagree or are empty.
absl::StatusOr<TossScore> ScoreTossPoses(absl::Span<const double> predicted,
                                         absl::Span<const double> measured);

// Rolls `model` out open loop (no context) from `start` to the end of
// `toss` and scores the predicted poses with ScoreTossPoses. Errors from the
// model and ScoreTossPoses.
absl::StatusOr<TossScore> ScoreTossRollout(const WorldModel& model,
                                           const datasets::Episode& toss,
                                           const TossStart& start);

// Runs the protocol on each toss: one open-loop Rollout of `model` per toss
// (no context), scored with ScoreTossPoses. Tosses are scored in order;
// `gravity` is the scene's (9.81 for the built-in toss scene). Errors from
// FindTossStart and the model, naming the episode.
absl::StatusOr<std::vector<TossScore>> ScoreTosses(
    const WorldModel& model, const std::vector<datasets::Episode>& tosses,
    double gravity);

// Mean, median and a bootstrap 90% interval of the mean.
struct BootstrapSummary {
  double mean = 0;
  double median = 0;
  double ci90_low = 0;
  double ci90_high = 0;
};

// Summarises `values` (non-empty) with `resamples` bootstrap resamples drawn
// from `seed` (deterministic).
BootstrapSummary SummariseWithBootstrap(absl::Span<const double> values,
                                        int resamples, uint64_t seed);

// A paired comparison of per-toss scores a and b (same tosses, same order,
// non-empty): the ratio of their means with a bootstrap 90% interval that
// resamples tosses (pairs kept together), and the share of tosses where a
// is lower than b.
struct PairedComparison {
  double mean_ratio = 0;
  double ci90_low = 0;
  double ci90_high = 0;
  double share_a_better = 0;
};
PairedComparison ComparePaired(absl::Span<const double> a,
                               absl::Span<const double> b, int resamples,
                               uint64_t seed);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_ACOSTA_TOSS_PROTOCOL_H_
