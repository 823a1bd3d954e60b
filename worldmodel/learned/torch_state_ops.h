#ifndef WM_WORLDMODEL_LEARNED_TORCH_STATE_OPS_H_
#define WM_WORLDMODEL_LEARNED_TORCH_STATE_OPS_H_

// Batched, differentiable state-space operations in LibTorch on [qpos |
// qvel] states with quaternion joints, by concern: normalisation
// (state_normalization.h), network features (state_features.h) and
// integration (state_integration.h), composed per model by StateOps; and
// conversions from and to wm::Tensor. Internal to the LibTorch target
// (includes torch headers).

#include <torch/torch.h>

#include <string>
#include <vector>

#include "util/tensor.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/state_spec.pb.h"
#include "worldmodel/learned/state_features.h"
#include "worldmodel/learned/state_integration.h"
#include "worldmodel/learned/state_normalization.h"

namespace wm::worldmodel {

// A model's state operations: the StateSpec and normalisation statistics
// as tensors, built once per model. Immutable after construction;
// thread-safe for concurrent reads. One per model, shared by its members:
// not copyable.
class StateOps {
 public:
  // `frame_skip` MuJoCo substeps per dt, for the position update.
  // `parameter_names` (`<element>/<quantity>`, in the order of the stats'
  // parameters; may be empty) mark which parameters are masses. With
  // `horizontal_invariance`, features().State hides world horizontal
  // positions (see CheckpointManifest.horizontal_invariance).
  StateOps(const v1::StateSpec& spec, const v1::NormalizationStats& stats,
           double dt, int frame_skip,
           const std::vector<std::string>& parameter_names = {},
           bool horizontal_invariance = false);
  StateOps(const StateOps&) = delete;
  StateOps& operator=(const StateOps&) = delete;

  int nq() const { return integration_.nq(); }
  int nv() const { return integration_.nv(); }
  int nx() const { return nq() + nv(); }
  int nu() const { return nu_; }
  int num_parameters() const { return normalization_.num_parameters(); }
  // Number of parameters whose quantity is `mass`.
  int num_masses() const { return normalization_.num_masses(); }
  double dt() const { return integration_.dt(); }

  // z-scores and scale features of states, actions, parameters and deltas.
  const StateNormalization& normalization() const { return normalization_; }
  // What the networks read of a state.
  const StateFeatures& features() const { return features_; }
  // Tangent-space differences and integration.
  const StateIntegration& integration() const { return integration_; }

 private:
  int nu_;
  StateIntegration integration_;
  StateNormalization normalization_;
  StateFeatures features_;  // built from the two above
};

// Conversions between wm::Tensor (float32, row-major) and torch tensors.
torch::Tensor ToTorch(const Tensor& tensor);
Tensor FromTorch(const torch::Tensor& tensor);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TORCH_STATE_OPS_H_
