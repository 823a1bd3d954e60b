#ifndef WM_WORLDMODEL_LEARNED_STATE_NORMALIZATION_H_
#define WM_WORLDMODEL_LEARNED_STATE_NORMALIZATION_H_

// The training data's statistics as tensors: z-scores of states, actions,
// physical parameters and tangent deltas, and the scale features physics
// members read parameters through. Internal to the LibTorch target
// (includes torch headers).

#include <torch/torch.h>

#include <string>
#include <vector>

#include "wm/v1/dataset.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// Built once per model from its NormalizationStats. Stds of entries that
// never varied in training (at the normaliser's floor) count as 1.
// Immutable after construction; thread-safe for concurrent reads.
class StateNormalization {
 public:
  // `parameter_names` (`<element>/<quantity>`, in the order of the stats'
  // parameters; may be empty) mark which parameters are masses.
  StateNormalization(const v1::StateSpec& spec,
                     const v1::NormalizationStats& stats,
                     const std::vector<std::string>& parameter_names = {});

  int num_parameters() const { return num_parameters_; }
  // Number of parameters whose quantity is `mass`.
  int num_masses() const { return static_cast<int>(mass_indices_.numel()); }

  // The states' training mean and std [nx] (StateFeatures z-scores with
  // them).
  const torch::Tensor& state_mean() const { return state_mean_; }
  const torch::Tensor& state_std() const { return state_std_; }
  // z-scored actions [..., nu] and parameters [..., P].
  torch::Tensor NormalizeActions(const torch::Tensor& actions) const;
  torch::Tensor NormalizeParameters(const torch::Tensor& parameters) const;
  torch::Tensor DenormalizeParameters(const torch::Tensor& normalized) const;
  // Physical scale features of normalised parameters [B, P]: each parameter
  // in SI units over its training mean (>= 0), [B, P]; and each mass's
  // training mean over the mass (inverse mass ratio, bounded), [B, masses].
  torch::Tensor ParameterRatios(const torch::Tensor& normalized) const;
  torch::Tensor InverseMassRatios(const torch::Tensor& normalized) const;
  // Actions [..., nu] divided by their training std (not centred: zero
  // stays zero, so a control-affine term vanishes without control).
  torch::Tensor ScaleActions(const torch::Tensor& actions) const;
  // The z-scored velocity change [B, nv] from states [B, nx] to next [B, nx]
  // (what a physics member predicts).
  torch::Tensor NormalizedVelocityChange(const torch::Tensor& states,
                                         const torch::Tensor& next) const;
  // Tangent deltas [..., 2 nv] to and from z-scores.
  torch::Tensor NormalizeDelta(const torch::Tensor& delta) const;
  torch::Tensor DenormalizeDelta(const torch::Tensor& normalized) const;
  // Std of the tangent deltas [2 nv], and of their velocity part [nv].
  const torch::Tensor& delta_std() const { return delta_std_; }
  const torch::Tensor& velocity_delta_std() const { return delta_std_v_; }
  const torch::Tensor& velocity_delta_mean() const { return delta_mean_v_; }
  // 1 for the tangent delta entries [2 nv] (velocity part [nv]) that varied
  // in training, 0 for those that never did (std <= datasets::kConstantStd,
  // such as a joint the data never moves): models predict their training
  // mean change there, with no spread, since the data say nothing else.
  const torch::Tensor& delta_varies() const { return delta_varies_; }
  const torch::Tensor& velocity_delta_varies() const { return delta_varies_v_; }

 private:
  friend class FusedStateOps;  // copies the layout once for inference
  int nq_, nv_, num_parameters_;
  torch::Tensor state_mean_, state_std_;
  torch::Tensor action_mean_, action_std_;
  torch::Tensor param_mean_, param_std_;
  torch::Tensor param_unit_;  // per-parameter divisor of ParameterRatios
  torch::Tensor mass_indices_;
  torch::Tensor delta_mean_, delta_std_;
  torch::Tensor delta_mean_v_, delta_std_v_;
  torch::Tensor delta_varies_, delta_varies_v_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_STATE_NORMALIZATION_H_
