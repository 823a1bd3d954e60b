#ifndef WM_WORLDMODEL_EVAL_EVALUATOR_H_
#define WM_WORLDMODEL_EVAL_EVALUATOR_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/episode.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/eval/eval_report.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

struct EvalOptions {
  // Episodes generated outside the training ranges (all of them, up to
  // config.max_episodes, are used): fills EvalReport::ood.
  const datasets::Dataset* ood = nullptr;
  // Called with (work done, total work) as the evaluation advances; may be
  // empty. Called from the evaluating thread.
  std::function<void(int64_t, int64_t)> progress;
  // Score every episode of the dataset, not only its test split: for a
  // dataset that is held out whole (a real run kept from fitting). The
  // report's split is then "all".
  bool all_episodes = false;
};

// Scores `model` on the test split of `dataset` (datasets::SplitOf with the
// default fractions; the first config.max_episodes test episodes by index
// when > 0). For each test episode the first H steps are its history, H =
// history_seconds / dt rounded (default 1 s), at least 1 and at most 100
// steps. The model gets the history as context (or, with
// config.use_true_parameters, the episode's true parameters). Then:
//   one_step_nmse: Predict on every transition after the history (true
//     states and actions), squared tangent error / delta_std^2 of the
//     training split (datasets::ComputeNormalization), mean over transitions
//     and the 2 nv dimensions, less those the training split never changes
//     (delta_std at the normaliser's floor);
//   rollout: one open-loop Rollout per episode from the state after the
//     history under the true actions; at each horizon (horizons_seconds / dt
//     rounded, default 10, 50 and 100 steps) the StateError kinds the spec
//     has (metrics.h), median and p90 over the episodes long enough for it;
//     a horizon no episode reaches is absent;
//   params: when the model's InferParameters works (not
//     FAILED_PRECONDITION), per model parameter the dataset knows:
//     median relative error over episodes where IsIdentifiable says the
//     history identifies it, and 90% coverage over all episodes;
//   calibration: from the one-step predictions (see CalibrationReport),
//     absent when every spread is zero;
//   ood: with options.ood (see OodReport).
// Predict and Rollout calls are batched (at most config.max_batch rows,
// default 1024). Errors: INVALID_ARGUMENT for a bad config or a model whose
// nq / nv / nu or dt differ from the dataset's; FAILED_PRECONDITION when the
// test split is empty or true parameters are asked for but unknown; the
// model's and the dataset's errors. Thread-safe if the model is.
absl::StatusOr<EvalReport> Evaluate(const WorldModel& model,
                                    const datasets::Dataset& dataset,
                                    const v1::EvalConfig& config,
                                    const EvalOptions& options = {});

// The history length in steps for `config` at control period `dt` (s).
int64_t HistorySteps(const v1::EvalConfig& config, double dt);

// [2 nv] scales of tangent states for `spec` from normalisation `stats`
// (a dataset's or a checkpoint's): positions from the state std of their
// qpos entries (1 rad for rotations), velocities from the qvel std.
std::vector<double> TangentStateScale(const v1::StateSpec& spec,
                                      const v1::NormalizationStats& stats);

// The rollout horizons in steps for `config` at `dt`: increasing, distinct,
// each >= 1.
std::vector<int64_t> HorizonSteps(const v1::EvalConfig& config, double dt);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_EVALUATOR_H_
