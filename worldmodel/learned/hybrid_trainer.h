#ifndef WM_WORLDMODEL_LEARNED_HYBRID_TRAINER_H_
#define WM_WORLDMODEL_LEARNED_HYBRID_TRAINER_H_

// Training of the hybrid model kind (MuJoCo plus a learned residual).
// Torch-free header; defined in the LibTorch target.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "wm/v1/scene.pb.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {

// The MuJoCo base of a hybrid: its scene and the model simulating it.
struct HybridBase {
  std::string name;  // as given, for messages
  v1::SceneConfig scene;
  std::unique_ptr<MujocoModel> model;  // fixed parameter values
};

// Resolves `--base`: MODELS/NAME[/N], a checkpoint of kind "mujoco" (e.g.
// one `wm sysid --out` publishes), or mujoco:DATA_DIR, the dataset's scene
// at its nominal parameter values. INVALID_ARGUMENT for an empty base or a
// checkpoint of another kind; NOT_FOUND / DATA_LOSS for a missing or
// unreadable one; FAILED_PRECONDITION for a dataset that embeds no MJCF.
// Every message names the --base value.
absl::StatusOr<HybridBase> LoadHybridBase(const std::string& base);

// Trains the residual ensemble of a hybrid model (request.config.model() ==
// "hybrid", request.base the MuJoCo base, see LoadHybridBase) and publishes
// it atomically as version N = largest + 1 of request.model_dir; returns its
// manifest (kind "hybrid", the base's scene and parameter_values copied in).
// One-step training: for every transition (s, a, s') of the train and
// validation splits (request.data_dir's, or with
// request.validation_data_dir all of data_dir and all of that dataset;
// training_splits.h), the base predicts s_mj; the target is the normalised
// tangent correction (delta(s, s') - delta(s, s_mj)) / correction_std, the
// per-entry std of the corrections over the training split (saved with the
// weights; 0, never corrected, below 1e-8 where MuJoCo is exact, and for the
// position entries: velocities are corrected, positions follow them). Each
// member fits a Gaussian over it (NLL, Adam at config.learning_rate, default
// 1e-3; minibatch rows drawn with wm::Rng). The weights kept, and early
// stopping, go by the member's open-loop rollout error over validation
// windows of config.horizon() steps (default 32): one-step fits that keep
// improving can make rollouts worse. The data are read through the
// datasets window code (HybridObjective, hybrid_objective.h). Members train
// through the member-training loop (member_training.h: turns on the cores,
// the divergence policy, metrics.jsonl in model_dir), seeded: the same
// request gives the same weights.
// Metrics: validation_loss (the members' mean rollout error: mean squared
// tangent error over the data's delta std), diverged_members when any
// diverged, validation_one_step_nll, and
// the one-step validation RMS tangent error over the delta std of the base
// alone (validation_rmse_mujoco) and of the hybrid (validation_rmse_hybrid).
// `progress` may be empty.
// Errors: LoadHybridBase's; INVALID_ARGUMENT for resume or init_from (not
// supported), a base whose state layout or dt differs from the data's or a
// validation_data_dir of another system;
// FAILED_PRECONDITION when a split has no transition or no validation
// window; dataset errors.
absl::StatusOr<v1::CheckpointManifest> TrainHybridAndPublish(
    const TrainingRequest& request,
    const std::function<void(const TrainingProgress&)>& progress);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_HYBRID_TRAINER_H_
