#ifndef WM_WORLDMODEL_MODEL_REGISTRY_HOOKS_H_
#define WM_WORLDMODEL_MODEL_REGISTRY_HOOKS_H_

namespace wm::worldmodel {

class ModelFactory;

// Registers the learned model kinds ("physics", "blackbox", "hybrid") with
// `factory`.
// Defined in the LibTorch target (wm_worldmodel_torch); binaries that load
// learned checkpoints call it once at start-up. Torch-free header.
void RegisterLearnedModels(ModelFactory* factory);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_MODEL_REGISTRY_HOOKS_H_
