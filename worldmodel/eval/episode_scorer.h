#ifndef WM_WORLDMODEL_EVAL_EPISODE_SCORER_H_
#define WM_WORLDMODEL_EVAL_EPISODE_SCORER_H_

// The evaluator's inner loop: runs a model over episodes in batched Predict
// and Rollout calls and keeps per-episode errors and spreads, which
// evaluator.cc aggregates into an EvalReport.

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "worldmodel/eval/metrics.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

struct ScoringPlan {
  // Steps of history at the start of each episode; predictions start after.
  int64_t history_steps = 1;
  // Rollout horizons, steps, increasing, each >= 1.
  std::vector<int64_t> horizons;
  // Context: the episode's true parameters (columns
  // true_parameter_columns[i] of Episode::params for the model's parameter
  // i; a column of -1 takes parameter_overrides[i] instead) instead of its
  // history.
  bool use_true_parameters = false;
  std::vector<int> true_parameter_columns;
  std::vector<double> parameter_overrides;
  // Rows per model call.
  int64_t max_batch = 1024;
  // [2 nv]: scales of one-step tangent changes (the training split's delta
  // std) and of tangent states (position and velocity std; 1 rad for
  // rotations), both > 0.
  std::vector<double> delta_std;
  std::vector<double> state_scale;
};

struct EpisodeScore {
  // One step, over the transitions after the history.
  int64_t one_step_rows = 0;
  // Over the tangent dimensions whose delta_std is above
  // datasets::kConstantStd (the others never change in the training data): the
  // sum of (error / delta_std)^2, its number of terms, and the sum over rows of
  // the mean of epistemic / delta_std.
  double one_step_squared_error = 0;
  int64_t one_step_terms = 0;
  double one_step_spread = 0;
  // The rollout from the state after the history: as long as the largest
  // horizon that fits (0: none fits).
  int64_t rollout_steps = 0;
  // At plan.horizons[i] for each horizon <= rollout_steps.
  std::vector<StateError> horizon_errors;
  // Means over the rollout's steps of the RMS over tangent dimensions (those
  // with a state_scale above datasets::kConstantStd) of
  // error / state_scale and epistemic std / state_scale.
  double rollout_error = 0;
  double rollout_spread = 0;
  // The same RMS of error / state_scale at the rollout's last step only.
  double final_error = 0;
};

// Sums over all one-step predictions and the tangent dimensions that vary
// (as above) whose total spread is > 0 (see CalibrationReport).
struct CalibrationSums {
  double nll = 0;
  int64_t count = 0;
  int64_t covered = 0;
};

struct ScoredEpisodes {
  std::vector<EpisodeScore> episodes;  // in the input order
  CalibrationSums calibration;
};

// Scores `episodes` (validated, the model's layout) under `plan`.
// `progress` (may be empty) gets (work done, total work) in model rows.
// Errors: the model's; FAILED_PRECONDITION when true parameters are asked
// for and an episode's are unknown (NaN); INTERNAL when the model answers
// with the wrong shapes.
absl::StatusOr<ScoredEpisodes> ScoreEpisodes(
    const WorldModel& model, const std::vector<datasets::Episode>& episodes,
    const ScoringPlan& plan,
    const std::function<void(int64_t, int64_t)>& progress);

// The context the plan gives a call whose row i belongs to
// `row_episodes[i]`: that episode's history (its first plan.history_steps
// steps, which it must have) or its true parameters; leading dimension 1
// when all rows share one episode. FAILED_PRECONDITION for an unknown (NaN)
// true parameter.
absl::StatusOr<Context> ContextFor(
    const std::vector<const datasets::Episode*>& row_episodes,
    const ScoringPlan& plan);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_EPISODE_SCORER_H_
