#ifndef WM_WORLDMODEL_LEARNED_FUSED_STATE_OPS_H_
#define WM_WORLDMODEL_LEARNED_FUSED_STATE_OPS_H_

// StateOps (torch_state_ops.h) for inference in plain C++ on one row at a
// time (the features: on a block of rows in columns): the same features,
// normalisation and integration, computed in float loops instead of dozens
// of LibTorch operations per step. Copied
// once from a model's StateOps; torch-free header. Every function equals
// its LibTorch counterpart to float rounding (fused_inference_test.cc).

#include <cstdint>
#include <vector>

namespace wm::worldmodel {

class StateOps;

// Immutable after construction; thread-safe for concurrent reads. All
// pointers are to rows of floats: states [nx], actions [nu], tangent deltas
// [2 nv], normalised parameters [P].
class FusedStateOps {
 public:
  explicit FusedStateOps(const StateOps& ops);

  int nq() const { return nq_; }
  int nv() const { return nv_; }
  int nx() const { return nq_ + nv_; }
  int nu() const { return nu_; }
  int num_parameters() const { return static_cast<int>(param_mean_.size()); }
  int num_masses() const { return static_cast<int>(mass_indices_.size()); }
  int num_state_features() const { return num_state_features_; }
  int num_geometry_features() const { return num_geometry_features_; }
  double dt() const { return dt_; }

  // The features of `count` rows (at most kBlockRows, fused_columns.h)
  // from their state columns [nx] (fused_columns.h layout), in columns
  // `ld` floats apart: feature j of row i at out[j * ld + i].
  // StateFeatures::State: num_state_features() columns.
  void StateFeatureColumns(int count, const float* state, float* out,
                           int64_t ld) const;
  // StateFeatures::Geometry: num_geometry_features() columns.
  void GeometryColumns(int count, const float* state, float* out,
                       int64_t ld) const;
  // StateNormalization::NormalizeActions of `count` rows of actions [nu]
  // `stride` floats apart: nu columns `ld` apart, as above.
  void NormalizeActionColumns(int count, const float* actions, int64_t stride,
                              float* out, int64_t ld) const;
  // StateNormalization::ScaleActions of one row: writes nu floats.
  void ScaleActions(const float* actions, float* out) const;
  // StateNormalization::NormalizeParameters of physical parameters [P].
  void NormalizeParameters(const float* parameters, float* out) const;
  // The physics member's scale features of normalised parameters [P]:
  // ParameterRatios (P floats into `ratios`) and InverseMassRatios
  // (num_masses() floats into `inverse_masses`).
  void ParameterFeatures(const float* normalized, float* ratios,
                         float* inverse_masses) const;

  // StateIntegration::TangentDelta b - a: writes 2 nv floats.
  void TangentDelta(const float* a, const float* b, float* out) const;
  // StateIntegration::TangentIntegrate: writes nx floats (`out` must not
  // alias `state`).
  void TangentIntegrate(const float* state, const float* delta,
                        float* out) const;
  // StateIntegration::IntegrateVelocityChange with velocity change `dv`
  // [nv] and `correction` [nv]: writes nx floats (not aliasing `state`).
  void IntegrateVelocityChange(const float* state, const float* dv,
                               const float* correction, float* out) const;

  // The integration's coordinates (fused_columns.h): scalar qpos entries
  // and their qvel entries; each quaternion's w in qpos and its angular
  // velocity's first entry in qvel.
  const std::vector<int>& linear_qpos() const { return linear_qpos_; }
  const std::vector<int>& linear_qvel() const { return linear_qvel_; }
  const std::vector<int>& quaternion_qpos() const { return quaternion_qpos_; }
  const std::vector<int>& quaternion_qvel() const { return quaternion_qvel_; }
  double substep_factor() const { return substep_factor_; }

  // Normalisation statistics (StateNormalization's, as floats).
  const std::vector<float>& delta_mean() const { return delta_mean_; }
  const std::vector<float>& delta_std() const { return delta_std_; }
  const std::vector<float>& delta_varies() const { return delta_varies_; }
  // The velocity parts [nv] of the three above.
  const float* velocity_delta_mean() const { return delta_mean_.data() + nv_; }
  const float* velocity_delta_std() const { return delta_std_.data() + nv_; }
  const float* velocity_delta_varies() const {
    return delta_varies_.data() + nv_;
  }

 private:
  struct FreeBody {
    int quaternion_offset, tracked_index;
    float position_scale, velocity_scale;
    std::vector<int> others;  // the other tracked bodies
    // 1 / the scale of each rotated vector: up, v, then per other body
    // (multiplied: a division costs several multiplications).
    std::vector<float> inverse_scales;
  };

  int nq_, nv_, nu_;
  double dt_, substep_factor_;
  // Normalisation.
  std::vector<float> state_mean_, state_std_, action_mean_, action_std_;
  std::vector<float> inverse_state_std_;  // 1 / state_std_
  std::vector<float> param_mean_, param_std_, param_unit_;
  std::vector<int> mass_indices_;
  std::vector<float> delta_mean_, delta_std_, delta_varies_;
  // Integration: scalar coordinates qpos -> qvel; quaternions' w and their
  // angular velocities.
  std::vector<int> linear_qpos_, linear_qvel_, quaternion_qpos_,
      quaternion_qvel_;
  // Features: visible state entries (all without horizontal invariance),
  // tracked bodies' linear maps [nx, 3 N] (their non-zero terms) and
  // origins [3 N].
  bool horizontal_invariance_;
  std::vector<int> visible_;
  int num_state_features_, num_geometry_features_, num_tracked_bodies_;
  struct MapTerm {
    int entry, column;
    float coefficient;
  };
  std::vector<MapTerm> position_terms_, velocity_terms_;  // non-zero entries
  std::vector<float> origins_;
  std::vector<FreeBody> free_bodies_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_FUSED_STATE_OPS_H_
