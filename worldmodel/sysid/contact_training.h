#ifndef WM_WORLDMODEL_SYSID_CONTACT_TRAINING_H_
#define WM_WORLDMODEL_SYSID_CONTACT_TRAINING_H_

// `wm train --model contact`: learns a force (v1::LearnedForce,
// sim/learned_force.h) that MuJoCo adds at every step of an identified or
// nominal base, on the objective the model is used for: open-loop rollouts
// (whole tosses scored by e_q, or windows). The objective is not smooth in
// the weights (a corner touching down one step earlier changes a toss's
// whole future), so the weights are searched by CMA-ES (cma_es.h), not by
// gradients. The fit and the selection use different episodes: --data fits,
// --validation_data selects.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"

namespace wm::worldmodel {

struct ContactTrainingJob {
  v1::TrainingConfig config;  // model "contact"; settings in config.contact()
  std::string data_dir;       // the fit: every episode
  std::string validation_data_dir;  // the selection: every episode
  std::string base;                 // MODELS/NAME[/N] of kind "mujoco"
  std::string model_dir;            // MODELS/NAME to publish to
  std::string git_revision;         // recorded in the manifest
};

struct ContactTrainingProgress {
  int generation = 0;
  int generations = 0;
  double fit_objective = 0;              // the generation's best candidate
  double validation_objective = 0;       // the selected weights' (hedged)
  double base_validation_objective = 0;  // the base alone (hedged)
};

// `contact` with every zero field set to its default for a scene whose
// first joint is free (`free_body`): objective acosta_toss there, else
// windows of 1 s; hidden 6, max_generations 40, sigma0 0.3,
// validate_every 2, patience 6, workers all cores; window_stride_seconds
// half the horizon. INVALID_ARGUMENT for a negative or non-finite field.
absl::StatusOr<v1::ContactTrainingConfig> WithContactDefaults(
    v1::ContactTrainingConfig contact, bool free_body);

// Trains and publishes a contact model as the next version of
// job.model_dir, and returns its manifest: kind "contact", the base's scene,
// parameter values and simulation ensemble, and the learned force
// (features "box_corners" for a base whose first joint is a free box joint,
// its half-width read from the box; else "joints").
// The search starts at zero force (the base itself), fits the --data
// episodes (the base simulated once, or with its ensemble when
// fit_with_ensemble; each generation on fit_episodes_per_generation
// episodes drawn anew, all by default) and every validate_every generations
// scores the search's mean on the validation episodes with the base's ensemble
// (the hedged model that is published); the weights kept are the best validated
// ones, the zero force included, so the model published is never worse on
// validation than its base. With learn_ensemble_spread the search also
// scales the base ensemble's four stds (searched log scales, start 0) and
// the published model simulates the scaled ensemble; the fit simulates it
// too when fit_with_ensemble, with fit_ensemble_members members when set.
// It stops after max_generations or `patience`
// validations without a gain. Metrics: validation_objective,
// base_validation_objective, fit_objective, base_fit_objective,
// generations, evaluations. Deterministic for a given seed and workers.
// Errors: INVALID_ARGUMENT for a missing base, data or validation data, a
// base of another kind than mujoco, learn_ensemble_spread over a base
// without an ensemble, data whose layout or dt differ from the
// base's scene, or a scene the learned force does not fit; NOT_FOUND /
// DATA_LOSS for a missing or unreadable base; dataset and publish errors.
absl::StatusOr<v1::CheckpointManifest> TrainContactAndPublish(
    const ContactTrainingJob& job,
    const std::function<void(const ContactTrainingProgress&)>& progress);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_CONTACT_TRAINING_H_
