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

// Loads the checkpoint version in `version_dir` (its `weights.pt`, described
// by `manifest`, kind physics or blackbox). The module is rebuilt from the
// manifest and every tensor's shape checked. DATA_LOSS for an unreadable
// weights file, INVALID_ARGUMENT for a shape mismatch or a kind that is not
// learned. The model is immutable and thread-safe; it runs LibTorch in
// inference mode on the calling thread.
absl::StatusOr<std::unique_ptr<WorldModel>> LoadLearnedModel(
    const std::string& version_dir, const v1::CheckpointManifest& manifest);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_LEARNED_MODEL_H_
