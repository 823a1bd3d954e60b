#ifndef WM_WORLDMODEL_EVAL_PARAMETER_SCORER_H_
#define WM_WORLDMODEL_EVAL_PARAMETER_SCORER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "wm/v1/dataset.pb.h"
#include "worldmodel/eval/episode_scorer.h"
#include "worldmodel/eval/eval_report.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Infers each episode's parameters from its history (the first
// plan.history_steps steps; shorter episodes are skipped) and scores the
// estimates of every model parameter that `manifest` lists against the
// episodes' true values: median relative error where IsIdentifiable (with
// manifest.scene().name()) says the history identifies it and the true value
// is finite and non-zero; 90% coverage over all episodes with a finite true
// value. Reports follow the model's parameter order. Empty when the model
// cannot infer (its InferParameters answers FAILED_PRECONDITION or
// UNIMPLEMENTED). Other model errors pass through; INTERNAL for an estimate
// of the wrong size. Thread-safe if the model is.
absl::StatusOr<std::vector<ParameterReport>> ScoreParameters(
    const WorldModel& model, const std::vector<datasets::Episode>& episodes,
    const v1::DatasetManifest& manifest, const ScoringPlan& plan);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_PARAMETER_SCORER_H_
