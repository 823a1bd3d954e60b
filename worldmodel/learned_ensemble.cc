#include "worldmodel/learned_ensemble.h"

namespace wm::worldmodel {

std::vector<int> DefaultHidden(const std::string& kind) {
  if (kind == "blackbox") return {200, 200, 200, 200};
  if (kind == "hybrid") return {128, 128};
  return {112, 96};
}

LearnedEnsemble BuildEnsemble(const v1::CheckpointManifest& manifest) {
  LearnedEnsemble ensemble;
  ensemble.kind = manifest.kind();
  std::vector<std::string> parameter_names;
  for (const auto& parameter : manifest.parameters()) {
    parameter_names.push_back(parameter.name());
  }
  ensemble.ops = std::make_unique<StateOps>(
      manifest.spec(), manifest.normalization(), manifest.dt(),
      std::max(1, manifest.frame_skip()), parameter_names);
  std::vector<int> hidden(manifest.training().hidden().begin(),
                          manifest.training().hidden().end());
  if (hidden.empty()) hidden = DefaultHidden(manifest.kind());
  ensemble.hidden = hidden;
  const int members = std::max(1, manifest.training().ensemble_size());
  for (int k = 0; k < members; ++k) {
    torch::manual_seed(manifest.training().seed() * 1000 + k);
    ensemble.members.push_back(
        MakeMember(manifest.kind(), *ensemble.ops, hidden));
  }
  return ensemble;
}

}  // namespace wm::worldmodel
