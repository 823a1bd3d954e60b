#ifndef WM_WORLDMODEL_MODEL_REGISTRY_HOOKS_H_
#define WM_WORLDMODEL_MODEL_REGISTRY_HOOKS_H_

namespace wm::worldmodel {

class ModelFactory;

// Where each model kind's loader comes from (the kinds: ModelKind,
// model_kind.h; each is registered under its ModelKindName). Binaries call
// one of these once at start-up, before loading; this header is torch-free
// and MuJoCo-free.

// Registers ModelKind::kMujoco (MujocoModel from the manifest's scene and
// parameter_values) and kContact (the same with its learned force). Defined
// in wm_worldmodel_mujoco.
void RegisterMujocoModel(ModelFactory* factory);

// Registers every kind: the learned ones (kPhysics, kBlackbox, kHybrid) and,
// through RegisterMujocoModel, kMujoco (the hybrid's base). Defined in the
// LibTorch target, wm_worldmodel_learned.
void RegisterLearnedModels(ModelFactory* factory);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_MODEL_REGISTRY_HOOKS_H_
