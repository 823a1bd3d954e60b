#ifndef WM_WORLDMODEL_LEARNED_ENSEMBLE_H_
#define WM_WORLDMODEL_LEARNED_ENSEMBLE_H_

// An ensemble of learned members and the state operations they share, built
// from a checkpoint manifest. Used by training and by LearnedModel. Internal
// to the LibTorch target.

#include <memory>
#include <string>
#include <vector>

#include "wm/v1/model.pb.h"
#include "worldmodel/learned_networks.h"
#include "worldmodel/torch_state_ops.h"

namespace wm::worldmodel {

struct LearnedEnsemble {
  std::string kind;         // "physics", "blackbox" or "hybrid"
  std::vector<int> hidden;  // the members' hidden widths
  std::unique_ptr<StateOps> ops;
  std::vector<std::shared_ptr<MemberNetwork>> members;
};

// Builds `manifest.training().ensemble_size()` members of
// `manifest.kind()`; member k's weights are initialised from torch seed
// (training seed + k), so a manifest always rebuilds the same initial
// ensemble.
LearnedEnsemble BuildEnsemble(const v1::CheckpointManifest& manifest);

// Default hidden widths of a kind: physics [112, 96] (under 0.25 MFLOP per
// sample-step for 5 members on the built-in scenes: 0.23 on push, the
// largest), blackbox 4 x 200, hybrid [128, 128].
std::vector<int> DefaultHidden(const std::string& kind);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_ENSEMBLE_H_
