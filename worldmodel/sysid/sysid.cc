#include "worldmodel/sysid/sysid.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sim/physical_parameter.h"
#include "util/logging.h"
#include "util/parallel.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/sysid/cma_es.h"

namespace wm::worldmodel {
namespace {

constexpr int kDefaultMaxGenerations = 120;
constexpr int kDefaultEnsembleGenerations = 6;
constexpr double kDefaultSigma0 = 0.2;
constexpr double kDefaultHorizonSeconds = 0.5;
constexpr int kDefaultBootstrap = 8;
constexpr int kMinBootstrapGenerations = 10;
// Bootstrap refits start from the estimate with the main fit's final
// covariance and this multiple of its final step size (at least the
// minimum, at most sigma0).
constexpr double kBootstrapSigmaFactor = 1;
constexpr double kMinBootstrapSigma = 1e-4;
// CMA-ES stops when its steps in the normalised space fall below this.
constexpr double kToleranceX = 1e-6;
// ... or when the objective stalls within this fraction of its nominal value.
constexpr double kRelativeToleranceFun = 1e-12;

// The bounds of `element`/`quantity`: the config's, the scene's randomize
// range, or [0.2, 5] x nominal.
absl::StatusOr<std::pair<double, double>> BoundsOf(
    const v1::SceneConfig& scene, const v1::SysidConfig& config,
    const std::string& name, const v1::ParameterRange& probe, double nominal) {
  auto same = [&](const v1::ParameterRange& range) {
    return range.element() == probe.element() &&
           range.quantity() == probe.quantity();
  };
  for (const v1::ParameterRange& range : config.bounds()) {
    if (same(range)) return std::make_pair(range.min(), range.max());
  }
  for (const v1::ParameterRange& range : scene.randomize()) {
    if (same(range)) return std::make_pair(range.min(), range.max());
  }
  if (nominal == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter ", name,
        ": its nominal value is 0, so there are no default bounds; give "
        "them in the config: bounds { element: \"",
        probe.element(), "\" quantity: \"", probe.quantity(),
        "\" min: ... max: ... }"));
  }
  const double a = 0.2 * nominal, b = 5 * nominal;
  return std::make_pair(std::min(a, b), std::max(a, b));
}

}  // namespace

double ToUnitInterval(double value, double min, double max, bool log_scale) {
  const double unit = log_scale ? (std::log(value) - std::log(min)) /
                                      (std::log(max) - std::log(min))
                                : (value - min) / (max - min);
  return std::clamp(unit, 0.0, 1.0);
}

double FromUnitInterval(double unit, double min, double max, bool log_scale) {
  unit = std::clamp(unit, 0.0, 1.0);
  if (!log_scale) return min + unit * (max - min);
  return std::clamp(
      std::exp(std::log(min) + unit * (std::log(max) - std::log(min))), min,
      max);
}

absl::StatusOr<SysidSetup> PrepareSysid(const v1::SceneConfig& scene,
                                        const std::vector<std::string>& names,
                                        const v1::SysidConfig& config) {
  if (names.empty()) {
    return absl::InvalidArgumentError(
        "no parameters to fit (give --params element/quantity,...)");
  }
  WM_ASSIGN_OR_RETURN(std::shared_ptr<const sim::Scene> nominal_scene,
                      sim::Scene::Create(scene));
  std::vector<v1::ParameterRange> ranges;
  for (const std::string& name : names) {
    std::vector<std::string> parts = absl::StrSplit(name, '/');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter '", name,
                       "' is not <element>/<quantity> (e.g. "
                       "shoulder/damping)"));
    }
    v1::ParameterRange probe;
    probe.set_element(parts[0]);
    probe.set_quantity(parts[1]);
    for (const v1::ParameterRange& other : ranges) {
      if (other.element() == parts[0] && other.quantity() == parts[1]) {
        return absl::InvalidArgumentError(
            absl::StrCat("parameter ", name, " is listed twice"));
      }
    }
    // Resolve with a placeholder range to learn the nominal value.
    probe.set_min(1);
    probe.set_max(1);
    WM_ASSIGN_OR_RETURN(sim::PhysicalParameter parameter,
                        sim::ResolveParameter(nominal_scene->model(), probe));
    const double nominal =
        sim::ReadParameter(nominal_scene->model(), parameter);
    WM_ASSIGN_OR_RETURN(auto bounds,
                        BoundsOf(scene, config, name, probe, nominal));
    if (!(bounds.first < bounds.second)) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter ", name, ": bounds [", bounds.first, ", ",
                       bounds.second, "] need min < max"));
    }
    probe.set_min(bounds.first);
    probe.set_max(bounds.second);
    ranges.push_back(probe);
  }
  std::stable_partition(ranges.begin(), ranges.end(),
                        [](const v1::ParameterRange& range) {
                          return range.quantity() == "mass";
                        });
  v1::SceneConfig fitted = scene;
  fitted.clear_randomize();
  for (const v1::ParameterRange& range : ranges) {
    *fitted.add_randomize() = range;
  }
  SysidSetup setup;
  WM_ASSIGN_OR_RETURN(setup.scene, sim::Scene::Create(fitted));
  setup.nominal = setup.scene->NominalParameters();
  for (const sim::PhysicalParameter& parameter : setup.scene->parameters()) {
    setup.log_scale.push_back(parameter.min > 0);
  }
  return setup;
}

absl::StatusOr<v1::SysidConfig> ResolveSysidConfig(v1::SysidConfig config,
                                                   double dt) {
  if (config.population() < 0 || config.max_generations() < 0 ||
      config.bootstrap() < -1 || config.bootstrap_generations() < 0 ||
      config.workers() < 0 || config.max_episodes() < 0 ||
      config.ensemble_generations() < 0) {
    return absl::InvalidArgumentError(
        "sysid config: population, max_generations, bootstrap_generations, "
        "workers, max_episodes and ensemble_generations must be >= 0 "
        "(bootstrap >= -1)");
  }
  if (config.ensemble_members() < 0 || config.ensemble_members() == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("sysid config: ensemble_members must be 0 (none) or >= "
                     "2, got ",
                     config.ensemble_members()));
  }
  if (config.ensemble_generations() == 0) {
    config.set_ensemble_generations(kDefaultEnsembleGenerations);
  }
  if (config.sigma0() < 0 || config.horizon_seconds() < 0 ||
      config.window_stride_seconds() < 0) {
    return absl::InvalidArgumentError(
        "sysid config: sigma0, horizon_seconds and window_stride_seconds "
        "must be >= 0 (0: default)");
  }
  if (config.max_generations() == 0) {
    config.set_max_generations(kDefaultMaxGenerations);
  }
  if (config.sigma0() == 0) config.set_sigma0(kDefaultSigma0);
  if (config.horizon_seconds() == 0) {
    config.set_horizon_seconds(kDefaultHorizonSeconds);
  }
  if (config.window_stride_seconds() == 0) {
    config.set_window_stride_seconds(config.horizon_seconds());
  }
  if (config.horizon_seconds() < 0.5 * dt ||
      config.window_stride_seconds() < 0.5 * dt) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sysid config: horizon_seconds ", config.horizon_seconds(),
        " and window_stride_seconds ", config.window_stride_seconds(),
        " must be at least one control step (dt = ", dt, " s)"));
  }
  if (config.bootstrap() == 0) config.set_bootstrap(kDefaultBootstrap);
  if (config.bootstrap_generations() == 0) {
    config.set_bootstrap_generations(
        std::max(kMinBootstrapGenerations, config.max_generations() / 4));
  }
  if (config.workers() == 0) {
    config.set_workers(
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }
  return config;
}

absl::StatusOr<SysidResult> RunSysid(
    const SysidSetup& setup, const SysidObjective& fit,
    const SysidObjective* holdout, const v1::SysidConfig& config,
    const std::function<void(const SysidProgress&)>& progress) {
  if (fit.num_episodes() == 0) {
    return absl::InvalidArgumentError("sysid: no episodes to fit");
  }
  const auto& parameters = setup.scene->parameters();
  const int n = static_cast<int>(parameters.size());
  auto to_values = [&](const std::vector<double>& unit) {
    std::vector<double> values(n);
    for (int i = 0; i < n; ++i) {
      values[i] = FromUnitInterval(unit[i], parameters[i].min,
                                   parameters[i].max, setup.log_scale[i]);
    }
    return values;
  };
  std::vector<double> initial(n);
  for (int i = 0; i < n; ++i) {
    initial[i] = ToUnitInterval(
        std::clamp(setup.nominal[i], parameters[i].min, parameters[i].max),
        parameters[i].min, parameters[i].max, setup.log_scale[i]);
  }

  // Each candidate is a MujocoModel with its values; candidate k's value
  // lands in slot k, so the thread that computed it does not matter.
  const int workers = std::max(1, config.workers());
  auto errors_at = [&](const SysidObjective& objective,
                       const std::vector<double>& values,
                       const std::vector<double>& weights) {
    absl::StatusOr<std::unique_ptr<MujocoModel>> model =
        MujocoModel::Create(setup.scene, values);
    CHECK(model.ok()) << model.status();  // values are finite, in bounds
    return objective.Evaluate(**model, weights);
  };
  SysidResult result;
  auto evaluate_all = [&](const std::vector<std::vector<double>>& units,
                          const std::vector<double>& weights) {
    std::vector<double> values(units.size());
    ForEachOnWorkers(workers, units.size(), [&](int k) {
      values[k] = CombineEpisodeErrors(
          errors_at(fit, to_values(units[k]), weights), weights);
    });
    result.evaluations += units.size();
    return values;
  };

  const int fits = 1 + std::max(0, config.bootstrap());
  SysidProgress state;
  state.fits = fits;
  result.nominal_objective = evaluate_all({initial}, {})[0];
  const double tol_fun =
      kRelativeToleranceFun * std::max(result.nominal_objective, 1e-300);
  // The main fit's final step size and covariance warm-start the bootstrap.
  double final_sigma = config.sigma0();
  std::vector<double> final_covariance;
  // One CMA-ES run in the unit cube; returns its best point.
  auto run_fit = [&](int index, const std::vector<double>& start, double sigma,
                     const std::vector<double>& covariance, int max_generations,
                     uint64_t seed, const std::vector<double>& weights)
      -> absl::StatusOr<std::vector<double>> {
    CmaEsOptions options;
    options.initial = start;
    options.lower.assign(n, 0.0);
    options.upper.assign(n, 1.0);
    options.sigma0 = sigma;
    options.initial_covariance = covariance;
    options.population = config.population();
    options.seed = seed;
    options.tol_x = kToleranceX;
    options.tol_fun = tol_fun;
    WM_ASSIGN_OR_RETURN(std::unique_ptr<CmaEs> cma, CmaEs::Create(options));
    while (cma->generation() < max_generations && !cma->Converged()) {
      cma->Tell(evaluate_all(cma->Ask(), weights));
      state.fit = index;
      state.generation = cma->generation();
      state.max_generations = max_generations;
      state.best = cma->best_value();
      state.sigma = cma->sigma();
      state.evaluations = result.evaluations;
      if (progress) progress(state);
    }
    if (index == 0) {
      result.generations = cma->generation();
      final_sigma = cma->sigma();
      final_covariance = cma->covariance();
    }
    // The main fit never ends worse than the nominal start. A bootstrap
    // refit keeps its own best, even when a resample's search stays above
    // the estimate's value: a zero spread would claim more than the data
    // tell (flat, unidentified directions show up as wide intervals).
    if (index == 0 && !(cma->best_value() < result.nominal_objective)) {
      return start;
    }
    return cma->best();
  };

  WM_ASSIGN_OR_RETURN(const std::vector<double> best,
                      run_fit(0, initial, config.sigma0(), {},
                              config.max_generations(), config.seed(), {}));
  result.estimate = to_values(best);
  result.fit_errors = errors_at(fit, result.estimate, {});
  result.objective = CombineEpisodeErrors(result.fit_errors, {});
  ++result.evaluations;
  if (holdout != nullptr && holdout->num_episodes() > 0) {
    result.holdout_errors = errors_at(*holdout, result.estimate, {});
    ++result.evaluations;
  }

  // Bootstrap: refit on episodes drawn with replacement (multinomial
  // weights), each from the estimate.
  const int episodes = fit.num_episodes();
  const double bootstrap_sigma = std::clamp(
      kBootstrapSigmaFactor * final_sigma, kMinBootstrapSigma, config.sigma0());
  for (int b = 1; b < fits; ++b) {
    Rng rng(EpisodeSeed(config.seed() ^ 0x5b007, b));
    std::vector<double> weights(episodes, 0.0);
    for (int k = 0; k < episodes; ++k) {
      weights[std::min(episodes - 1,
                       static_cast<int>(rng.Uniform() * episodes))] += 1;
    }
    WM_ASSIGN_OR_RETURN(
        const std::vector<double> refit,
        run_fit(b, best, bootstrap_sigma, final_covariance,
                config.bootstrap_generations(), rng.Bits(), weights));
    result.bootstrap.push_back(to_values(refit));
  }
  return result;
}

}  // namespace wm::worldmodel
