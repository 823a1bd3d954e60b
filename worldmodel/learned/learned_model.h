#ifndef WM_WORLDMODEL_LEARNED_LEARNED_MODEL_H_
#define WM_WORLDMODEL_LEARNED_LEARNED_MODEL_H_

// The learned model kinds ("physics", "blackbox") behind the torch-free
// WorldModel interface. Torch-free header.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// How a loaded learned model computes Predict and Rollout. Both give the
// same answers (to float rounding; fused_inference_test.cc checks 1e-4
// relative).
enum class InferencePath {
  // The members' steps in plain C++ over weights copied once, matrix
  // products through BLAS (fused_ensemble.h): what serving uses. Context
  // histories are still identified and scored in LibTorch, once per call.
  kFused,
  // Everything in LibTorch, as training computes it: the reference the
  // fused path is tested and benchmarked against.
  kLibTorch,
};

// Loads the checkpoint version in `version_dir` (its `weights.pt`, described
// by `manifest`, kind physics or blackbox). The module is rebuilt from the
// manifest and every tensor's shape checked. DATA_LOSS for an unreadable
// weights file, INVALID_ARGUMENT for a shape mismatch or a kind that is not
// learned. The model is immutable and thread-safe; it computes on the
// calling thread (one BLAS thread: UseOneIntraOpThread).
absl::StatusOr<std::unique_ptr<WorldModel>> LoadLearnedModel(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    InferencePath path = InferencePath::kFused);

// FLOPs of one step of one row through every member of the learned model
// `manifest` describes (physics, blackbox or hybrid; MuJoCo's own cost in
// a hybrid not counted): 2 per multiply-add of the step networks' matrix
// products and of the physics kind's combination of its terms. What a
// rollout costs at the compute floor, for benchmarks.
double StepFlopsPerRow(const v1::CheckpointManifest& manifest);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_LEARNED_MODEL_H_
