#include "worldmodel/eval/episode_scorer.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "datasets/normalizer.h"
#include "datasets/state_layout.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

using datasets::Episode;

// Copies `count` doubles to floats at the end of `out`.
void Append(const double* values, int64_t count, std::vector<float>* out) {
  for (int64_t i = 0; i < count; ++i)
    out->push_back(static_cast<float>(values[i]));
}

void AppendState(const Episode& episode, int64_t t, std::vector<float>* out) {
  Append(&episode.qpos[t * episode.nq], episode.nq, out);
  Append(&episode.qvel[t * episode.nv], episode.nv, out);
}

std::vector<double> StateAt(const Episode& episode, int64_t t) {
  std::vector<double> state(&episode.qpos[t * episode.nq],
                            &episode.qpos[(t + 1) * episode.nq]);
  state.insert(state.end(), &episode.qvel[t * episode.nv],
               &episode.qvel[(t + 1) * episode.nv]);
  return state;
}

absl::Status CheckShape(const char* what, const Tensor& tensor,
                        const std::vector<int64_t>& shape) {
  if (tensor.shape != shape ||
      static_cast<int64_t>(tensor.data.size()) != tensor.NumElements()) {
    Tensor expected;
    expected.shape = shape;
    return absl::InternalError(absl::StrCat(
        "model answered with ", what, " of shape ", tensor.ShapeString(),
        ", expected ", expected.ShapeString()));
  }
  return absl::OkStatus();
}

// Whether the training data change a dimension of this scale: one at or
// below kConstantStd never changes there (its std is rounding), and would
// read a rounding-sized error as many std, so the scores leave it out.
bool Varies(double scale) { return scale > datasets::kConstantStd; }

// RMS of values[i] / scale[i] over the dimensions that vary (0 when none
// does).
double ScaledRms(const double* values, const std::vector<double>& scale) {
  double sum = 0;
  int count = 0;
  for (size_t i = 0; i < scale.size(); ++i) {
    if (!Varies(scale[i])) continue;
    const double z = values[i] / scale[i];
    sum += z * z;
    count += 1;
  }
  return count > 0 ? std::sqrt(sum / count) : 0.0;
}

// One-step predictions for the transitions after the history of one
// episode, in chunks of plan.max_batch rows.
absl::Status ScoreOneStep(const WorldModel& model, const Episode& episode,
                          const ScoringPlan& plan, EpisodeScore* score,
                          CalibrationSums* calibration) {
  const v1::StateSpec& spec = model.spec();
  const int nx = episode.nq + episode.nv, nu = episode.nu, nd = 2 * episode.nv;
  WM_ASSIGN_OR_RETURN(const Context context, ContextFor({&episode}, plan));
  std::vector<double> delta(nd);
  const int varying = static_cast<int>(
      std::count_if(plan.delta_std.begin(), plan.delta_std.end(), Varies));
  for (int64_t begin = plan.history_steps; begin < episode.num_steps();
       begin += plan.max_batch) {
    const int64_t end = std::min(episode.num_steps(), begin + plan.max_batch);
    const int64_t rows = end - begin;
    Tensor states, actions;
    states.shape = {rows, nx};
    actions.shape = {rows, nu};
    for (int64_t t = begin; t < end; ++t) {
      AppendState(episode, t, &states.data);
      Append(episode.ctrl.data() + t * nu, nu, &actions.data);
    }
    WM_ASSIGN_OR_RETURN(Prediction prediction,
                        model.Predict(states, actions, context));
    WM_RETURN_IF_ERROR(CheckShape("mean", prediction.mean, {rows, nx}));
    WM_RETURN_IF_ERROR(
        CheckShape("epistemic_std", prediction.epistemic_std, {rows, nd}));
    WM_RETURN_IF_ERROR(
        CheckShape("aleatoric_std", prediction.aleatoric_std, {rows, nd}));
    for (int64_t row = 0; row < rows; ++row) {
      const std::vector<double> truth = StateAt(episode, begin + row + 1);
      const std::vector<double> predicted(
          &prediction.mean.data[row * nx],
          &prediction.mean.data[(row + 1) * nx]);
      datasets::TangentDelta(spec, truth.data(), predicted.data(),
                             delta.data());
      double spread = 0;
      for (int i = 0; i < nd; ++i) {
        const double scale = plan.delta_std[i];
        const double error = delta[i] / scale;
        const double epistemic = prediction.epistemic_std.data[row * nd + i];
        const double aleatoric = prediction.aleatoric_std.data[row * nd + i];
        const double total =
            std::sqrt(epistemic * epistemic + aleatoric * aleatoric) / scale;
        if (!Varies(scale)) continue;
        score->one_step_squared_error += error * error;
        spread += epistemic / scale;
        if (total > 0 && std::isfinite(total)) {
          calibration->nll += GaussianNll(error, total);
          calibration->count += 1;
          calibration->covered += std::abs(error) <= kZ90 * total ? 1 : 0;
        }
      }
      if (varying > 0) score->one_step_spread += spread / varying;
    }
    score->one_step_rows += rows;
    score->one_step_terms += rows * varying;
  }
  return absl::OkStatus();
}

// Rollouts of `steps` steps for the episodes `members` (indices), batched.
absl::Status ScoreRollouts(const WorldModel& model,
                           const std::vector<Episode>& episodes,
                           const std::vector<size_t>& members, int64_t steps,
                           const ScoringPlan& plan,
                           std::vector<EpisodeScore>* scores) {
  const v1::StateSpec& spec = model.spec();
  const int nq = spec.nq(), nv = spec.nv(), nx = nq + nv, nu = spec.nu();
  const int nd = 2 * nv;
  const int64_t start = plan.history_steps;
  std::vector<double> delta(nd);
  for (size_t begin = 0; begin < members.size(); begin += plan.max_batch) {
    const size_t end = std::min<size_t>(members.size(), begin + plan.max_batch);
    const int64_t rows = end - begin;
    Tensor initial, actions;
    initial.shape = {rows, nx};
    actions.shape = {rows, steps, nu};
    std::vector<const Episode*> row_episodes;
    for (size_t m = begin; m < end; ++m) {
      const Episode& episode = episodes[members[m]];
      row_episodes.push_back(&episode);
      AppendState(episode, start, &initial.data);
      Append(episode.ctrl.data() + start * nu, steps * nu, &actions.data);
    }
    WM_ASSIGN_OR_RETURN(const Context context, ContextFor(row_episodes, plan));
    WM_ASSIGN_OR_RETURN(Trajectory trajectory,
                        model.Rollout(initial, actions, context));
    WM_RETURN_IF_ERROR(
        CheckShape("mean", trajectory.mean, {rows, steps + 1, nx}));
    WM_RETURN_IF_ERROR(CheckShape("epistemic_std", trajectory.epistemic_std,
                                  {rows, steps + 1, nd}));
    for (int64_t row = 0; row < rows; ++row) {
      const Episode& episode = *row_episodes[row];
      EpisodeScore& score = (*scores)[members[begin + row]];
      score.rollout_steps = steps;
      size_t next_horizon = 0;
      for (int64_t k = 1; k <= steps; ++k) {
        const std::vector<double> truth = StateAt(episode, start + k);
        const float* mean = &trajectory.mean.data[(row * (steps + 1) + k) * nx];
        const std::vector<double> predicted(mean, mean + nx);
        datasets::TangentDelta(spec, truth.data(), predicted.data(),
                               delta.data());
        const double error = ScaledRms(delta.data(), plan.state_scale);
        score.rollout_error += error;
        if (k == steps) score.final_error = error;
        const float* epistemic =
            &trajectory.epistemic_std.data[(row * (steps + 1) + k) * nd];
        const std::vector<double> spread(epistemic, epistemic + nd);
        score.rollout_spread += ScaledRms(spread.data(), plan.state_scale);
        if (next_horizon < plan.horizons.size() &&
            plan.horizons[next_horizon] == k) {
          score.horizon_errors.push_back(
              ComputeStateError(spec, truth.data(), predicted.data()));
          ++next_horizon;
        }
      }
      score.rollout_error /= steps;
      score.rollout_spread /= steps;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Context> ContextFor(
    const std::vector<const Episode*>& row_episodes, const ScoringPlan& plan) {
  const bool shared = std::all_of(
      row_episodes.begin(), row_episodes.end(),
      [&](const Episode* episode) { return episode == row_episodes.front(); });
  const size_t lead = shared ? 1 : row_episodes.size();
  Context context;
  if (plan.use_true_parameters) {
    const int64_t count = plan.true_parameter_columns.size();
    context.parameters.shape = {static_cast<int64_t>(lead), count};
    for (size_t row = 0; row < lead; ++row) {
      const Episode& episode = *row_episodes[row];
      for (size_t i = 0; i < plan.true_parameter_columns.size(); ++i) {
        const int column = plan.true_parameter_columns[i];
        if (column < 0) {
          context.parameters.data.push_back(
              static_cast<float>(plan.parameter_overrides[i]));
          continue;
        }
        const double value = episode.params[column];
        if (!std::isfinite(value)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "episode ", episode.index, ": true parameter ", column,
              " is unknown (", value, "), so it cannot be given as context"));
        }
        context.parameters.data.push_back(static_cast<float>(value));
      }
    }
    return context;
  }
  const int64_t length = plan.history_steps;
  const Episode& first = *row_episodes.front();
  context.history_states.shape = {static_cast<int64_t>(lead), length + 1,
                                  first.nq + first.nv};
  context.history_actions.shape = {static_cast<int64_t>(lead), length,
                                   first.nu};
  for (size_t row = 0; row < lead; ++row) {
    const Episode& episode = *row_episodes[row];
    for (int64_t t = 0; t <= length; ++t) {
      AppendState(episode, t, &context.history_states.data);
    }
    Append(episode.ctrl.data(), length * episode.nu,
           &context.history_actions.data);
  }
  return context;
}

absl::StatusOr<ScoredEpisodes> ScoreEpisodes(
    const WorldModel& model, const std::vector<Episode>& episodes,
    const ScoringPlan& plan,
    const std::function<void(int64_t, int64_t)>& progress) {
  ScoredEpisodes scored;
  scored.episodes.resize(episodes.size());
  // Work in rows: one-step rows, then one rollout row per rollout step.
  std::map<int64_t, std::vector<size_t>> by_length;
  int64_t total = 0, done = 0;
  for (size_t e = 0; e < episodes.size(); ++e) {
    const int64_t after = episodes[e].num_steps() - plan.history_steps;
    if (after <= 0) continue;
    total += after;
    int64_t length = 0;
    for (int64_t horizon : plan.horizons) {
      if (horizon <= after) length = horizon;
    }
    if (length > 0) {
      by_length[length].push_back(e);
      total += length;
    }
  }
  for (size_t e = 0; e < episodes.size(); ++e) {
    if (episodes[e].num_steps() <= plan.history_steps) continue;
    WM_RETURN_IF_ERROR(ScoreOneStep(model, episodes[e], plan,
                                    &scored.episodes[e], &scored.calibration));
    done += scored.episodes[e].one_step_rows;
    if (progress) progress(done, total);
  }
  for (const auto& [length, members] : by_length) {
    WM_RETURN_IF_ERROR(ScoreRollouts(model, episodes, members, length, plan,
                                     &scored.episodes));
    done += length * members.size();
    if (progress) progress(done, total);
  }
  return scored;
}

}  // namespace wm::worldmodel
