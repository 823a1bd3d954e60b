#ifndef WM_WORLDMODEL_LEARNED_HYBRID_MODEL_H_
#define WM_WORLDMODEL_LEARNED_HYBRID_MODEL_H_

// Model kind "hybrid": MuJoCo with fixed (identified or nominal) parameters
// plus a learned residual ensemble. Torch-free header; defined in the
// LibTorch target.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/learned/learned_model.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Loads the hybrid checkpoint version in `version_dir`: the MuJoCo base is
// the manifest's scene at its parameter_values (copied from the base model
// at training, so the version is self-contained), the residual members come
// from `weights.pt` (shapes checked).
//
// The model's Predict steps every row with the MuJoCo base (explicit
// context.parameters, in parameters() order = the scene's, go to the base;
// a history is validated and ignored), then each member k predicts a
// correction c_k of the MuJoCo tangent delta (velocity entries only, as
// trained; see TrainHybridAndPublish); the next state is
// s (+) (delta_mujoco + mean_k c_k) on the quaternion manifold.
// epistemic_std is the members' spread of c_k, aleatoric_std the RMS of
// their predicted noise. Rollout is H such steps open loop from the mean
// state; its spreads accumulate the per-step variances (sum over steps).
// InferParameters is FAILED_PRECONDITION. Immutable, const and thread-safe.
// Errors: INVALID_ARGUMENT for another kind, a scene that does not compile or
// wrong parameter values; DATA_LOSS / INVALID_ARGUMENT from the weights
// file (LoadEnsembleWeights).
// `path` chooses how the residual members compute (learned_model.h): the
// fused path serves, LibTorch is its reference.
absl::StatusOr<std::unique_ptr<WorldModel>> LoadHybridModel(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    InferencePath path = InferencePath::kFused);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_HYBRID_MODEL_H_
