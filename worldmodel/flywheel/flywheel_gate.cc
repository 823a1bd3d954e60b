#include "worldmodel/flywheel/flywheel_gate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "worldmodel/eval/episode_scorer.h"
#include "worldmodel/eval/evaluator.h"
#include "worldmodel/eval/metrics.h"

namespace wm::worldmodel {
namespace {

// Salts the held-out hash away from datasets::SplitOf's.
constexpr uint64_t kHoldoutSalt = 0x666c7977686565ULL;  // "flywhee"

int64_t StepsFor(double seconds, double dt) {
  return std::max<int64_t>(1, std::llround(seconds / dt));
}

}  // namespace

std::vector<double> GateStateScale(const v1::StateSpec& spec,
                                   const v1::NormalizationStats& stats) {
  std::vector<double> scale = TangentStateScale(spec, stats);
  const int nv = spec.nv();
  auto isotropic = [&scale](int first) {
    double sum = 0;
    for (int i = first; i < first + 3; ++i) sum += scale[i] * scale[i];
    const double rms = std::sqrt(sum / 3);
    for (int i = first; i < first + 3; ++i) scale[i] = rms;
  };
  for (const v1::Joint& joint : spec.joints()) {
    if (joint.type() != v1::Joint::FREE) continue;
    const int v = joint.qvel_offset();
    isotropic(v);  // position (x, y, z)
  }
  // Velocities carry no weight: the open-loop positions integrate them.
  for (int i = nv; i < 2 * nv; ++i) {
    scale[i] = std::numeric_limits<double>::infinity();
  }
  return scale;
}

absl::StatusOr<v1::FlywheelConfig> WithFlywheelDefaults(
    v1::FlywheelConfig config) {
  auto refuse_negative = [](const char* name, double value) {
    return value < 0 ? absl::InvalidArgumentError(absl::StrCat(
                           "flywheel config: ", name, " is ", value,
                           "; it must be >= 0 (0 takes the default)"))
                     : absl::OkStatus();
  };
  WM_RETURN_IF_ERROR(
      refuse_negative("min_new_episodes", config.min_new_episodes()));
  WM_RETURN_IF_ERROR(
      refuse_negative("window_episodes", config.window_episodes()));
  WM_RETURN_IF_ERROR(
      refuse_negative("min_holdout_episodes", config.min_holdout_episodes()));
  WM_RETURN_IF_ERROR(
      refuse_negative("bootstrap_resamples", config.bootstrap_resamples()));
  WM_RETURN_IF_ERROR(
      refuse_negative("horizon_seconds", config.horizon_seconds()));
  WM_RETURN_IF_ERROR(
      refuse_negative("history_seconds", config.history_seconds()));
  WM_RETURN_IF_ERROR(refuse_negative("poll_seconds", config.poll_seconds()));
  if (!(config.holdout_fraction() >= 0 && config.holdout_fraction() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("flywheel config: holdout_fraction is ",
                     config.holdout_fraction(), "; it must be in (0, 1)"));
  }
  if (!(config.min_improvement() >= 0 && config.min_improvement() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("flywheel config: min_improvement is ",
                     config.min_improvement(), "; it must be in [0, 1)"));
  }
  if (config.min_new_episodes() == 0) config.set_min_new_episodes(40);
  if (config.window_episodes() == 0) config.set_window_episodes(400);
  if (config.holdout_fraction() == 0) config.set_holdout_fraction(0.25);
  if (config.min_holdout_episodes() == 0) config.set_min_holdout_episodes(12);
  if (config.min_improvement() == 0) config.set_min_improvement(0.02);
  if (config.bootstrap_resamples() == 0) config.set_bootstrap_resamples(2000);
  if (config.horizon_seconds() == 0) config.set_horizon_seconds(2.5);
  if (config.history_seconds() == 0) config.set_history_seconds(1);
  if (config.poll_seconds() == 0) config.set_poll_seconds(5);
  return config;
}

bool IsHeldOut(int64_t episode_index, double fraction) {
  const uint64_t hash =
      MixBits(static_cast<uint64_t>(episode_index) ^ kHoldoutSalt);
  const double u = static_cast<double>(hash >> 11) * 0x1.0p-53;
  return u < fraction;
}

int64_t GateHistorySteps(const v1::FlywheelConfig& config, double dt) {
  return StepsFor(config.history_seconds(), dt);
}

int64_t GateHorizonSteps(const v1::FlywheelConfig& config, double dt) {
  return StepsFor(config.horizon_seconds(), dt);
}

std::vector<int64_t> GateRolloutSteps(const v1::FlywheelConfig& config,
                                      double dt) {
  const int64_t horizon = GateHorizonSteps(config, dt);
  std::vector<int64_t> steps;
  for (int i = 1; i <= 5; ++i) {
    const int64_t length = std::max<int64_t>(1, horizon * i / 5);
    if (steps.empty() || length > steps.back()) steps.push_back(length);
  }
  return steps;
}

int64_t GateMinEpisodeSteps(const v1::FlywheelConfig& config, double dt) {
  return GateHistorySteps(config, dt) + GateRolloutSteps(config, dt).front();
}

absl::StatusOr<std::vector<double>> GateErrors(
    const WorldModel& model, const std::vector<datasets::Episode>& episodes,
    const std::vector<double>& state_scale, double dt,
    const v1::FlywheelConfig& config) {
  const int64_t tangent = 2 * model.spec().nv();
  if (static_cast<int64_t>(state_scale.size()) != tangent) {
    return absl::InvalidArgumentError(
        absl::StrCat("gate: state_scale has ", state_scale.size(),
                     " entries; the model's tangent state has ", tangent));
  }
  ScoringPlan plan;
  plan.history_steps = GateHistorySteps(config, dt);
  plan.horizons = GateRolloutSteps(config, dt);
  plan.delta_std.assign(tangent, 1.0);  // one-step scores are not used
  plan.state_scale = state_scale;
  for (const datasets::Episode& episode : episodes) {
    if (episode.num_steps() < plan.history_steps + plan.horizons[0]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "gate: episode ", episode.index, " has ", episode.num_steps(),
          " steps; the gate needs ", plan.history_steps, " of history + ",
          plan.horizons[0], " of rollout"));
    }
  }
  WM_ASSIGN_OR_RETURN(ScoredEpisodes scored,
                      ScoreEpisodes(model, episodes, plan, nullptr));
  std::vector<double> errors;
  errors.reserve(scored.episodes.size());
  for (const EpisodeScore& score : scored.episodes) {
    errors.push_back(score.final_error);
  }
  return errors;
}

GateOutcome DecideGate(absl::Span<const double> candidate_errors,
                       absl::Span<const double> current_errors,
                       const v1::FlywheelConfig& config, uint64_t seed) {
  GateOutcome outcome;
  const size_t n = current_errors.size();
  std::vector<double> log_ratios(n);
  for (size_t i = 0; i < n; ++i) {
    constexpr double kFloor = 1e-12;  // an exact prediction is not -inf
    log_ratios[i] = std::log(std::max(candidate_errors[i], kFloor) /
                             std::max(current_errors[i], kFloor));
  }
  const int resamples = std::max(1, config.bootstrap_resamples());
  std::vector<double> means(resamples);
  Rng random(seed);
  for (double& mean : means) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += log_ratios[std::min(n - 1,
                                 static_cast<size_t>(random.Uniform() * n))];
    }
    mean = std::exp(sum / n);
  }
  std::sort(means.begin(), means.end());
  outcome.current_error =
      Mean(std::vector<double>(current_errors.begin(), current_errors.end()));
  outcome.candidate_error = Mean(
      std::vector<double>(candidate_errors.begin(), candidate_errors.end()));
  outcome.ratio = std::exp(Mean(log_ratios));
  outcome.ratio_ci90_low = means[static_cast<size_t>(0.05 * (resamples - 1))];
  outcome.ratio_ci90_high = means[static_cast<size_t>(0.95 * (resamples - 1))];
  const double bar = 1 - config.min_improvement();
  const bool typical =
      std::isfinite(outcome.ratio_ci90_high) && outcome.ratio_ci90_high < bar;
  const bool on_average = outcome.candidate_error <= outcome.current_error;
  outcome.publish = typical && on_average;
  outcome.reason = absl::StrFormat(
      "candidate/current error %.4g (geometric mean of %d held-out "
      "episodes' ratios, 90%% interval %.4g-%.4g) %s %.4g; mean errors "
      "%.4g / %.4g",
      outcome.ratio, static_cast<int>(n), outcome.ratio_ci90_low,
      outcome.ratio_ci90_high, typical ? "is below" : "does not stay below",
      bar, outcome.candidate_error, outcome.current_error);
  if (typical && !on_average) absl::StrAppend(&outcome.reason, " (worse)");
  return outcome;
}

}  // namespace wm::worldmodel
