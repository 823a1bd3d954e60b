#ifndef WM_WORLDMODEL_MUJOCO_SIMULATION_ENSEMBLE_H_
#define WM_WORLDMODEL_MUJOCO_SIMULATION_ENSEMBLE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// The members of a v1::SimulationEnsemble (model.proto) for one scene: each
// member's fixed parameter factors and start-state offset. Immutable and
// thread-safe once created.
class SimulationMembers {
 public:
  // Draws the members of `ensemble` for a scene with `spec` (which must pass
  // datasets::ValidateStateSpec) and `num_parameters` parameters.
  // INVALID_ARGUMENT naming the field for negative members or a std that is
  // negative or not finite.
  static absl::StatusOr<SimulationMembers> Create(
      const v1::SimulationEnsemble& ensemble, const v1::StateSpec& spec,
      int num_parameters);

  // K >= 1 (1 for members 0 or 1: the unperturbed simulation).
  int size() const { return static_cast<int>(log_factors_.size()); }

  // Member k's parameters: each of `values` times exp(its log factor).
  std::vector<double> Parameters(int k,
                                 const std::vector<double>& values) const;

  // Member k's start: `state` [nq + nv] advanced by its tangent offset
  // (datasets::TangentIntegrate) into `out` [nq + nv].
  void PerturbState(int k, const double* state, double* out) const;

 private:
  SimulationMembers(v1::StateSpec spec,
                    std::vector<std::vector<double>> log_factors,
                    std::vector<std::vector<double>> offsets)
      : spec_(std::move(spec)),
        log_factors_(std::move(log_factors)),
        offsets_(std::move(offsets)) {}

  v1::StateSpec spec_;
  std::vector<std::vector<double>> log_factors_;  // [K][parameters]
  std::vector<std::vector<double>> offsets_;      // [K][2 nv]
};

// The average of `states` (each [nq + nv], at least one) into `mean`
// [nq + nv]: quaternions sign-aligned to the first state's, summed and
// normalised; every other entry the arithmetic mean. `spread` [2 nv] gets the
// root mean square over states of their tangent difference from that mean
// (datasets::TangentDelta). `spec` must pass datasets::ValidateStateSpec.
void AverageStates(const v1::StateSpec& spec,
                   const std::vector<std::vector<double>>& states, double* mean,
                   double* spread);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_MUJOCO_SIMULATION_ENSEMBLE_H_
