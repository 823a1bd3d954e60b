#ifndef WM_WORLDMODEL_LEARNED_WEIGHTS_FILE_H_
#define WM_WORLDMODEL_LEARNED_WEIGHTS_FILE_H_

// `weights.pt`: a name -> tensor dictionary written with torch::pickle_save,
// which python3-torch's torch.load reads. Internal to the LibTorch target.

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/learned/learned_networks.h"

namespace wm::worldmodel {

// Writes every member's parameters as "member<k>.<name>" atomically.
absl::Status SaveEnsembleWeights(
    const std::string& path,
    const std::vector<std::shared_ptr<MemberNetwork>>& members);

// Publishes `manifest` with the members' weights.pt as the next version of
// `model_dir` (see PublishModelVersion); returns the version directory.
absl::StatusOr<std::string> PublishEnsembleVersion(
    const std::string& model_dir, v1::CheckpointManifest* manifest,
    const std::vector<std::shared_ptr<MemberNetwork>>& members);

// Loads the weights file at `path` into freshly built members, checking
// that every parameter is present with exactly its shape (LibTorch 1.13's
// torch::load accepts mismatches silently). The bytes pass the ZIP check
// (util/zip_check.h: structure and CRC-32) before LibTorch parses them.
// DATA_LOSS for an unreadable file, INVALID_ARGUMENT naming the first
// missing, extra or mis-shaped tensor.
absl::Status LoadEnsembleWeights(
    const std::string& path,
    const std::vector<std::shared_ptr<MemberNetwork>>& members);

// LoadEnsembleWeights for the weights.pt of a published version, read
// through ReadVersionFile: bytes that differ from the SHA-256 its manifest
// records are DATA_LOSS before anything parses them.
absl::Status LoadVersionWeights(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    const std::vector<std::shared_ptr<MemberNetwork>>& members);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_WEIGHTS_FILE_H_
