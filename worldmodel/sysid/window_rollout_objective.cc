#include "worldmodel/sysid/window_rollout_objective.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "datasets/state_layout.h"
#include "util/logging.h"

namespace wm::worldmodel {

double CombineEpisodeErrors(const std::vector<EpisodeError>& errors,
                            absl::Span<const double> weights) {
  double sum = 0, count = 0;
  for (size_t e = 0; e < errors.size(); ++e) {
    const double w = weights.empty() ? 1.0 : weights[e];
    sum += w * errors[e].sum;
    count += w * errors[e].count;
  }
  return count > 0 ? sum / count : std::numeric_limits<double>::infinity();
}

std::vector<double> TangentScales(
    const v1::StateSpec& spec, const std::vector<datasets::Episode>& episodes) {
  const int nq = spec.nq(), nv = spec.nv();
  // Mean and spread of every qpos and qvel entry.
  std::vector<double> sum(nq + nv, 0.0), sum_sq(nq + nv, 0.0);
  double n = 0;
  for (const datasets::Episode& episode : episodes) {
    for (int64_t t = 0; t <= episode.num_steps(); ++t) {
      for (int i = 0; i < nq; ++i) {
        const double v = episode.qpos[t * nq + i];
        sum[i] += v;
        sum_sq[i] += v * v;
      }
      for (int i = 0; i < nv; ++i) {
        const double v = episode.qvel[t * nv + i];
        sum[nq + i] += v;
        sum_sq[nq + i] += v * v;
      }
      n += 1;
    }
  }
  auto stddev = [&](int i) {
    if (n == 0) return 1.0;
    const double mean = sum[i] / n;
    return std::max(std::sqrt(std::max(sum_sq[i] / n - mean * mean, 0.0)),
                    1e-6);
  };
  std::vector<double> scale(2 * nv, 1.0);
  for (const v1::Joint& joint : spec.joints()) {
    const int q = joint.qpos_offset(), v = joint.qvel_offset();
    switch (joint.type()) {
      case v1::Joint::FREE:
        for (int k = 0; k < 3; ++k) scale[v + k] = stddev(q + k);
        break;  // rotation entries v + 3..5 stay 1 rad
      case v1::Joint::BALL:
        break;
      default:
        scale[v] = stddev(q);
    }
  }
  if (spec.joints_size() == 0) {  // plain coordinates, nq == nv
    for (int i = 0; i < nv; ++i) scale[i] = stddev(i);
  }
  for (int i = 0; i < nv; ++i) scale[nv + i] = stddev(nq + i);
  return scale;
}

absl::StatusOr<std::unique_ptr<WindowRolloutObjective>>
WindowRolloutObjective::Create(std::vector<datasets::Episode> episodes,
                               v1::StateSpec spec, int horizon_steps,
                               int stride_steps, std::vector<double> scale) {
  if (episodes.empty()) {
    return absl::InvalidArgumentError("sysid objective: no episodes");
  }
  if (horizon_steps < 1 || stride_steps < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("sysid objective: horizon (", horizon_steps,
                     " steps) and window stride (", stride_steps,
                     " steps) must be >= 1 step"));
  }
  if (scale.size() != static_cast<size_t>(2 * spec.nv())) {
    return absl::InvalidArgumentError(
        absl::StrCat("sysid objective: scale has ", scale.size(),
                     " entries, the tangent space 2 nv = ", 2 * spec.nv()));
  }
  for (double s : scale) {
    if (!(s > 0) || !std::isfinite(s)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sysid objective: scale entry ", s, " is not > 0"));
    }
  }
  if (absl::Status valid = datasets::ValidateStateSpec(spec); !valid.ok()) {
    return valid;
  }
  for (const datasets::Episode& episode : episodes) {
    if (absl::Status valid = episode.Validate(); !valid.ok()) return valid;
    if (episode.nq != spec.nq() || episode.nv != spec.nv() ||
        episode.nu != spec.nu()) {
      return absl::InvalidArgumentError(
          absl::StrCat("episode ", episode.index, " has nq/nv/nu ", episode.nq,
                       "/", episode.nv, "/", episode.nu, ", the scene ",
                       spec.nq(), "/", spec.nv(), "/", spec.nu()));
    }
  }
  return std::unique_ptr<WindowRolloutObjective>(new WindowRolloutObjective(
      std::move(episodes), std::move(spec), horizon_steps, stride_steps,
      std::move(scale)));
}

WindowRolloutObjective::WindowRolloutObjective(
    std::vector<datasets::Episode> episodes, v1::StateSpec spec,
    int horizon_steps, int stride_steps, std::vector<double> scale)
    : episodes_(std::move(episodes)),
      spec_(std::move(spec)),
      horizon_steps_(horizon_steps),
      stride_steps_(stride_steps) {
  for (double s : scale) inverse_scale_.push_back(1 / s);
}

int WindowRolloutObjective::num_windows() const {
  int windows = 0;
  for (const datasets::Episode& episode : episodes_) {
    windows += static_cast<int>(WindowStarts(episode).size());
  }
  return windows;
}

std::vector<int64_t> WindowRolloutObjective::WindowStarts(
    const datasets::Episode& episode) const {
  const int64_t steps = episode.num_steps();
  if (steps <= horizon_steps_) return {0};
  std::vector<int64_t> starts;
  for (int64_t start = 0; start + horizon_steps_ <= steps;
       start += stride_steps_) {
    starts.push_back(start);
  }
  return starts;
}

int64_t WindowRolloutObjective::WindowSteps(
    const datasets::Episode& episode) const {
  return std::min<int64_t>(episode.num_steps(), horizon_steps_);
}

std::vector<EpisodeError> WindowRolloutObjective::Evaluate(
    const WorldModel& model, absl::Span<const double> weights) const {
  CHECK(weights.empty() || weights.size() == episodes_.size());
  const int nq = spec_.nq(), nv = spec_.nv(), nu = spec_.nu();
  const int nx = nq + nv;
  std::vector<EpisodeError> errors(episodes_.size());
  std::vector<double> logged(nx), predicted(nx), delta(2 * nv);
  for (size_t e = 0; e < episodes_.size(); ++e) {
    if (!weights.empty() && weights[e] == 0) continue;
    const datasets::Episode& episode = episodes_[e];
    const std::vector<int64_t> starts = WindowStarts(episode);
    const int64_t windows = static_cast<int64_t>(starts.size());
    const int64_t steps = WindowSteps(episode);
    Tensor initial = Tensor::Filled({windows, nx});
    Tensor actions = Tensor::Filled({windows, steps, nu});
    for (int64_t w = 0; w < windows; ++w) {
      const int64_t t = starts[w];
      std::copy_n(episode.qpos.begin() + t * nq, nq, &initial.data[w * nx]);
      std::copy_n(episode.qvel.begin() + t * nv, nv,
                  &initial.data[w * nx + nq]);
      std::copy_n(episode.ctrl.begin() + t * nu, steps * nu,
                  actions.data.data() + w * steps * nu);
    }
    errors[e].count = static_cast<double>(windows * steps) * 2 * nv;
    absl::StatusOr<Trajectory> rollout = model.Rollout(initial, actions, {});
    if (!rollout.ok()) {
      errors[e].sum = kUnstableWindowPenalty * errors[e].count;
      continue;
    }
    for (int64_t w = 0; w < windows; ++w) {
      for (int64_t h = 1; h <= steps; ++h) {
        const int64_t t = starts[w] + h;
        std::copy_n(episode.qpos.begin() + t * nq, nq, logged.begin());
        std::copy_n(episode.qvel.begin() + t * nv, nv, logged.begin() + nq);
        const float* row = &rollout->mean.data[(w * (steps + 1) + h) * nx];
        std::copy_n(row, nx, predicted.begin());
        datasets::TangentDelta(spec_, logged.data(), predicted.data(),
                               delta.data());
        for (int i = 0; i < 2 * nv; ++i) {
          const double scaled = delta[i] * inverse_scale_[i];
          errors[e].sum += scaled * scaled;
        }
      }
    }
  }
  return errors;
}

}  // namespace wm::worldmodel
