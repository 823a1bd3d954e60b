#ifndef WM_WORLDMODEL_MODEL_KIND_H_
#define WM_WORLDMODEL_MODEL_KIND_H_

// The kinds of world model wm builds, as an enum. Checkpoints store a
// kind's name (CheckpointManifest.kind, TrainingConfig.model); code parses
// it once and compares enums. Torch-free and MuJoCo-free.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wm::worldmodel {

enum class ModelKind {
  kMujoco,    // the scene's MJCF simulated (worldmodel/mujoco/)
  kPhysics,   // learned: parameter encoder + physics-shaped dynamics
  kBlackbox,  // learned: the PETS baseline
  kHybrid,    // MuJoCo base + learned residual
  kContact,   // MuJoCo base + a learned force in its integration
};

// The kind's name as stored in checkpoints: "mujoco", "physics",
// "blackbox", "hybrid" or "contact".
const char* ModelKindName(ModelKind kind);

// The inverse of ModelKindName. INVALID_ARGUMENT "unknown kind '<name>'
// (mujoco, physics, blackbox, hybrid or contact)" for any other name.
absl::StatusOr<ModelKind> ParseModelKind(absl::string_view name);

// Whether `kind` has LibTorch ensemble members (physics, blackbox, hybrid;
// not mujoco, nor contact, whose learned force is part of its simulation).
bool IsLearnedKind(ModelKind kind);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_MODEL_KIND_H_
