#ifndef WM_WORLDMODEL_SYSID_ENSEMBLE_FIT_H_
#define WM_WORLDMODEL_SYSID_ENSEMBLE_FIT_H_

// Fitting a SimulationEnsemble (model.proto) to logged episodes: the stds
// whose members' average prediction minimises a SysidObjective, for fixed
// (identified) parameter values.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scene.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/sysid/sysid_objective.h"

namespace wm::worldmodel {

struct EnsembleFitOptions {
  int members = 16;     // K >= 2
  uint64_t seed = 0;    // the members' draws and the search
  int generations = 6;  // CMA-ES generations (population 8)
  int workers = 1;      // threads evaluating candidates
};

struct EnsembleFitResult {
  // The best ensemble found; members 0 when none beat the single simulation.
  v1::SimulationEnsemble ensemble;
  double objective = 0;         // of `ensemble` (single: when members 0)
  double single_objective = 0;  // of the single, unperturbed simulation
  // Of `ensemble` on the held-out objective, when one was given and an
  // ensemble was kept.
  std::optional<double> holdout_objective;
  int64_t evaluations = 0;
};

// Searches the four stds of an ensemble of options.members members by
// CMA-ES, each in log space between fixed bounds (parameter_log_std [1e-3,
// 1], angle_std [1e-4, 0.3] rad, linear_velocity_std [1e-4, 1] m/s,
// angular_velocity_std [1e-4, 3] rad/s), scoring a candidate by
// `objective`.Evaluate of MujocoModel(scene, values, candidate),
// combined over episodes; the kept ensemble is also scored on `holdout`
// (may be null). Deterministic for given options, whatever the worker
// count. `progress` (may be empty) gets each generation's number and
// best value so far, on the calling thread. INVALID_ARGUMENT for fewer than
// 2 members or generations < 1; MujocoModel::Create errors for `values`.
absl::StatusOr<EnsembleFitResult> FitSimulationEnsemble(
    std::shared_ptr<const sim::Scene> scene, const std::vector<double>& values,
    const SysidObjective& objective, const SysidObjective* holdout,
    const EnsembleFitOptions& options,
    const std::function<void(int generation, double best)>& progress);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_ENSEMBLE_FIT_H_
