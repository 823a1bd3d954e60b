#include "worldmodel/eval/acosta_toss_protocol.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "util/quantile.h"
#include "util/quaternion.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "worldmodel/eval/metrics.h"

namespace wm::worldmodel {
namespace {

constexpr int kNq = 7;
constexpr int kNv = 6;
constexpr double kRadiansToDegrees = 180.0 / M_PI;

}  // namespace

absl::StatusOr<int64_t> FirstDropIndex(absl::Span<const double> heights,
                                       double half_width) {
  const double threshold = std::sqrt(3.0) * half_width;
  double lowest = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < heights.size(); ++i) {
    if (heights[i] <= threshold) return static_cast<int64_t>(i);
    lowest = std::min(lowest, heights[i]);
  }
  return absl::NotFoundError(
      absl::StrCat("the cube centre never drops to sqrt(3) half-widths (",
                   threshold, " m); lowest height ", lowest, " m"));
}

absl::StatusOr<std::array<double, 3>> BallisticVelocity(
    absl::Span<const double> times, absl::Span<const double> positions,
    double t_eval, double gravity) {
  const size_t n = times.size();
  if (n < 2 || positions.size() != 3 * n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ballistic fit needs >= 2 samples with 3 positions each; got ", n,
        " times and ", positions.size(), " positions"));
  }
  double tau_mean = 0;
  for (double t : times) tau_mean += (t - t_eval) / n;
  double tau_var = 0;
  for (double t : times)
    tau_var += (t - t_eval - tau_mean) * (t - t_eval - tau_mean);
  if (tau_var <= 0) {
    return absl::InvalidArgumentError(
        "ballistic fit: the sample times are equal");
  }
  std::array<double, 3> velocity{};
  for (int axis = 0; axis < 3; ++axis) {
    // Remove the known gravity term, then fit a line y = p0 + v tau.
    const double g = axis == 2 ? -gravity : 0.0;
    double y_mean = 0;
    std::vector<double> y(n);
    for (size_t i = 0; i < n; ++i) {
      const double tau = times[i] - t_eval;
      y[i] = positions[3 * i + axis] - 0.5 * g * tau * tau;
      y_mean += y[i] / n;
    }
    double covariance = 0;
    for (size_t i = 0; i < n; ++i) {
      covariance += (times[i] - t_eval - tau_mean) * (y[i] - y_mean);
    }
    velocity[axis] = covariance / tau_var;
  }
  return velocity;
}

double RotationAngle(const double a[4], const double b[4]) {
  double dot = 0;
  for (int i = 0; i < 4; ++i) dot += a[i] * b[i];
  dot = std::min(1.0, std::fabs(dot));
  return 2.0 * std::acos(dot);
}

absl::StatusOr<TossStart> FindTossStart(const datasets::Episode& toss,
                                        double gravity) {
  if (toss.nq != kNq || toss.nv != kNv) {
    return absl::InvalidArgumentError(
        absl::StrCat("episode ", toss.index,
                     ": the toss protocol needs a free-joint cube "
                     "(nq 7, nv 6); got nq ",
                     toss.nq, ", nv ", toss.nv));
  }
  const int64_t samples = toss.num_steps() + 1;
  std::vector<double> heights(samples);
  for (int64_t i = 0; i < samples; ++i) heights[i] = toss.qpos[i * kNq + 2];
  absl::StatusOr<int64_t> drop = FirstDropIndex(heights, kTossCubeHalfWidth);
  if (!drop.ok()) {
    return absl::NotFoundError(
        absl::StrCat("episode ", toss.index, ": ", drop.status().message()));
  }
  if (*drop < 2) {
    return absl::FailedPreconditionError(
        absl::StrCat("episode ", toss.index, ": only ", *drop,
                     " free-flight samples before the cube drops; the "
                     "ballistic fit needs 2"));
  }
  TossStart start;
  start.drop_index = *drop;
  start.start_index = std::max<int64_t>(0, *drop - kTossSamplesBeforeDrop);

  std::vector<double> times(toss.time.begin(), toss.time.begin() + *drop);
  std::vector<double> positions;
  std::array<double, 3> body_rate{};
  for (int64_t i = 0; i < *drop; ++i) {
    for (int axis = 0; axis < 3; ++axis) {
      positions.push_back(toss.qpos[i * kNq + axis]);
      body_rate[axis] += toss.qvel[i * kNv + 3 + axis] / *drop;
    }
  }
  using Velocity = std::array<double, 3>;
  WM_ASSIGN_OR_RETURN(const Velocity velocity,
                      BallisticVelocity(times, positions,
                                        toss.time[start.start_index], gravity));
  start.state.assign(toss.qpos.begin() + start.start_index * kNq,
                     toss.qpos.begin() + (start.start_index + 1) * kNq);
  start.state.insert(start.state.end(), velocity.begin(), velocity.end());
  start.state.insert(start.state.end(), body_rate.begin(), body_rate.end());
  return start;
}

absl::StatusOr<TossScore> ScoreTossPoses(absl::Span<const double> predicted,
                                         absl::Span<const double> measured) {
  if (measured.empty() || predicted.size() != measured.size() ||
      measured.size() % kNq != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "toss poses: predicted (", predicted.size(), ") and measured (",
        measured.size(), ") must be equal, non-empty multiples of 7"));
  }
  TossScore score;
  score.samples = static_cast<int64_t>(measured.size() / kNq);
  double squared_position = 0, position = 0, squared_angle = 0, angle = 0;
  for (int64_t i = 0; i < score.samples; ++i) {
    const double* p = predicted.data() + i * kNq;
    const double* m = measured.data() + i * kNq;
    double distance_squared = 0;
    for (int axis = 0; axis < 3; ++axis) {
      distance_squared += (p[axis] - m[axis]) * (p[axis] - m[axis]);
    }
    const double theta = RotationAngle(p + 3, m + 3);
    squared_position += distance_squared;
    position += std::sqrt(distance_squared);
    squared_angle += theta * theta;
    angle += theta;
  }
  const double n = static_cast<double>(score.samples);
  score.e_q = squared_position / n / kTossCubeHalfWidth + squared_angle / n;
  score.mean_pos_err_m = position / n;
  score.mean_rot_err_deg = angle / n * kRadiansToDegrees;
  return score;
}

absl::StatusOr<TossScore> ScoreTossRollout(const WorldModel& model,
                                           const datasets::Episode& toss,
                                           const TossStart& start) {
  const int64_t steps = toss.num_steps() - start.start_index;
  Tensor initial = Tensor::Filled({1, kNq + kNv});
  std::copy(start.state.begin(), start.state.end(), initial.data.begin());
  const Tensor actions = Tensor::Filled({1, steps, model.spec().nu()});
  WM_ASSIGN_OR_RETURN(const Trajectory rollout,
                      model.Rollout(initial, actions, {}));
  std::vector<double> predicted, measured;
  for (int64_t i = 0; i <= steps; ++i) {
    const float* row = rollout.mean.data.data() + i * (kNq + kNv);
    predicted.insert(predicted.end(), row, row + kNq);
    const double* truth = toss.qpos.data() + (start.start_index + i) * kNq;
    measured.insert(measured.end(), truth, truth + kNq);
  }
  WM_ASSIGN_OR_RETURN(TossScore score, ScoreTossPoses(predicted, measured));
  score.episode = toss.index;
  score.start_index = start.start_index;
  return score;
}

absl::StatusOr<std::vector<TossScore>> ScoreTosses(
    const WorldModel& model, const std::vector<datasets::Episode>& tosses,
    double gravity) {
  std::vector<TossScore> scores;
  scores.reserve(tosses.size());
  for (const datasets::Episode& toss : tosses) {
    WM_ASSIGN_OR_RETURN(const TossStart start, FindTossStart(toss, gravity));
    absl::StatusOr<TossScore> score = ScoreTossRollout(model, toss, start);
    if (!score.ok()) {
      return absl::Status(
          score.status().code(),
          absl::StrCat("episode ", toss.index, ": ", score.status().message()));
    }
    scores.push_back(*score);
  }
  return scores;
}

BootstrapSummary SummariseWithBootstrap(absl::Span<const double> values,
                                        int resamples, uint64_t seed) {
  BootstrapSummary summary;
  const size_t n = values.size();
  if (n == 0) return summary;
  const std::vector<double> all(values.begin(), values.end());
  summary.mean = Mean(all);
  summary.median = Quantile(all, 0.5);
  Rng random(seed);
  std::vector<double> means(std::max(resamples, 1));
  for (double& mean : means) {
    mean = 0;
    for (size_t i = 0; i < n; ++i) mean += values[random.UniformIndex(n)] / n;
  }
  summary.ci90_low = Quantile(means, 0.05);
  summary.ci90_high = Quantile(means, 0.95);
  return summary;
}

PairedComparison ComparePaired(absl::Span<const double> a,
                               absl::Span<const double> b, int resamples,
                               uint64_t seed) {
  PairedComparison comparison;
  const size_t n = std::min(a.size(), b.size());
  if (n == 0) return comparison;
  auto ratio_of_means = [&](auto&& index) {
    double sum_a = 0, sum_b = 0;
    for (size_t i = 0; i < n; ++i) {
      sum_a += a[index(i)];
      sum_b += b[index(i)];
    }
    return sum_a / sum_b;
  };
  comparison.mean_ratio = ratio_of_means([](size_t i) { return i; });
  for (size_t i = 0; i < n; ++i) {
    if (a[i] < b[i]) comparison.share_a_better += 1.0 / n;
  }
  Rng random(seed);
  std::vector<double> ratios(std::max(resamples, 1));
  for (double& ratio : ratios) {
    std::vector<size_t> sample(n);
    for (size_t& i : sample) i = random.UniformIndex(n);
    ratio = ratio_of_means([&](size_t i) { return sample[i]; });
  }
  comparison.ci90_low = Quantile(ratios, 0.05);
  comparison.ci90_high = Quantile(ratios, 0.95);
  return comparison;
}

}  // namespace wm::worldmodel
