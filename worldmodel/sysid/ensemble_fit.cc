#include "worldmodel/sysid/ensemble_fit.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "util/parallel.h"
#include "util/status_macros.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/sysid/cma_es.h"
#include "worldmodel/sysid/sysid.h"

namespace wm::worldmodel {
namespace {

// Search bounds of each std, searched in log space.
struct StdBounds {
  double min, max;
};
constexpr StdBounds kParameterLogStd = {1e-3, 1.0};
constexpr StdBounds kAngleStd = {1e-4, 0.3};            // rad
constexpr StdBounds kLinearVelocityStd = {1e-4, 1.0};   // m/s
constexpr StdBounds kAngularVelocityStd = {1e-4, 3.0};  // rad/s
constexpr StdBounds kBounds[] = {kParameterLogStd, kAngleStd,
                                 kLinearVelocityStd, kAngularVelocityStd};
constexpr int kDimensions = 4;
constexpr int kPopulation = 8;
constexpr double kSigma0 = 0.3;  // in the unit cube

v1::SimulationEnsemble EnsembleAt(const std::vector<double>& unit,
                                  const EnsembleFitOptions& options) {
  double stds[kDimensions];
  for (int i = 0; i < kDimensions; ++i) {
    stds[i] = FromUnitInterval(unit[i], kBounds[i].min, kBounds[i].max,
                               /*log_scale=*/true);
  }
  v1::SimulationEnsemble ensemble;
  ensemble.set_members(options.members);
  ensemble.set_seed(options.seed);
  ensemble.set_parameter_log_std(stds[0]);
  ensemble.set_angle_std(stds[1]);
  ensemble.set_linear_velocity_std(stds[2]);
  ensemble.set_angular_velocity_std(stds[3]);
  return ensemble;
}

}  // namespace

absl::StatusOr<EnsembleFitResult> FitSimulationEnsemble(
    std::shared_ptr<const sim::Scene> scene, const std::vector<double>& values,
    const SysidObjective& objective, const SysidObjective* holdout,
    const EnsembleFitOptions& options,
    const std::function<void(int generation, double best)>& progress) {
  if (options.members < 2 || options.generations < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an ensemble fit needs >= 2 members and >= 1 generation; got ",
        options.members, " members, ", options.generations, " generations"));
  }
  EnsembleFitResult result;
  // The objective of one ensemble (members 0: the single simulation).
  auto score =
      [&](const SysidObjective& scored,
          const v1::SimulationEnsemble& ensemble) -> absl::StatusOr<double> {
    WM_ASSIGN_OR_RETURN(std::unique_ptr<MujocoModel> model,
                        MujocoModel::Create(scene, values, ensemble));
    return CombineEpisodeErrors(scored.Evaluate(*model, {}), {});
  };
  WM_ASSIGN_OR_RETURN(result.single_objective, score(objective, {}));
  result.objective = result.single_objective;
  result.evaluations = 1;

  CmaEsOptions cma_options;
  cma_options.initial.assign(kDimensions, 0.5);
  cma_options.lower.assign(kDimensions, 0.0);
  cma_options.upper.assign(kDimensions, 1.0);
  cma_options.sigma0 = kSigma0;
  cma_options.population = kPopulation;
  cma_options.seed = options.seed;
  WM_ASSIGN_OR_RETURN(std::unique_ptr<CmaEs> cma, CmaEs::Create(cma_options));
  while (cma->generation() < options.generations && !cma->Converged()) {
    const std::vector<std::vector<double>>& candidates = cma->Ask();
    std::vector<absl::StatusOr<double>> scores(candidates.size(), 0.0);
    ForEachOnWorkers(options.workers, candidates.size(), [&](int k) {
      scores[k] = score(objective, EnsembleAt(candidates[k], options));
    });
    std::vector<double> values;
    for (const absl::StatusOr<double>& value : scores) {
      WM_RETURN_IF_ERROR(value.status());
      values.push_back(*value);
    }
    cma->Tell(values);
    result.evaluations += static_cast<int64_t>(values.size());
    if (progress) progress(cma->generation(), cma->best_value());
  }
  if (cma->best_value() < result.single_objective) {
    result.ensemble = EnsembleAt(cma->best(), options);
    result.objective = cma->best_value();
    if (holdout != nullptr && holdout->num_episodes() > 0) {
      WM_ASSIGN_OR_RETURN(result.holdout_objective,
                          score(*holdout, result.ensemble));
    }
  }
  return result;
}

}  // namespace wm::worldmodel
