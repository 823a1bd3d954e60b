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

namespace {

// One sysid run: CMA-ES fits in the unit cube of the parameters, their
// evaluations spread over the workers, and the progress they report.
class SysidRun {
 public:
  SysidRun(const SysidSetup& setup, const SysidObjective& fit,
           const v1::SysidConfig& config,
           const std::function<void(const SysidProgress&)>& progress)
      : setup_(setup),
        parameters_(setup.scene->parameters()),
        fit_(fit),
        config_(config),
        progress_(progress) {
    state_.fits = 1 + std::max(0, config.bootstrap());
  }

  // The nominal values, clamped into their ranges, in the unit cube.
  std::vector<double> InitialUnits() const {
    std::vector<double> initial(parameters_.size());
    for (size_t i = 0; i < parameters_.size(); ++i) {
      initial[i] = ToUnitInterval(
          std::clamp(setup_.nominal[i], parameters_[i].min, parameters_[i].max),
          parameters_[i].min, parameters_[i].max, setup_.log_scale[i]);
    }
    return initial;
  }

  std::vector<double> ToValues(const std::vector<double>& unit) const {
    std::vector<double> values(parameters_.size());
    for (size_t i = 0; i < parameters_.size(); ++i) {
      values[i] = FromUnitInterval(unit[i], parameters_[i].min,
                                   parameters_[i].max, setup_.log_scale[i]);
    }
    return values;
  }

  // Per-episode errors of `objective` for a MujocoModel with `values`.
  std::vector<EpisodeError> ErrorsAt(const SysidObjective& objective,
                                     const std::vector<double>& values,
                                     const std::vector<double>& weights) const {
    absl::StatusOr<std::unique_ptr<MujocoModel>> model =
        MujocoModel::Create(setup_.scene, values);
    CHECK(model.ok()) << model.status();  // values are finite, in bounds
    return objective.Evaluate(**model, weights);
  }

  // The fit objective of each candidate; candidate k's value lands in slot
  // k, so the thread that computed it does not matter.
  std::vector<double> EvaluateAll(const std::vector<std::vector<double>>& units,
                                  const std::vector<double>& weights) {
    std::vector<double> values(units.size());
    ForEachOnWorkers(std::max(1, config_.workers()), units.size(), [&](int k) {
      values[k] = CombineEpisodeErrors(
          ErrorsAt(fit_, ToValues(units[k]), weights), weights);
    });
    result_.evaluations += units.size();
    return values;
  }

  // One CMA-ES run (index 0: the main fit; b > 0: bootstrap refit b) from
  // `start`; returns its best point. The main fit never ends worse than the
  // nominal start and records its final step size and covariance. A
  // bootstrap refit keeps its own best, even when a resample's search stays
  // above the estimate's value: a zero spread would claim more than the
  // data tell (flat, unidentified directions show up as wide intervals).
  absl::StatusOr<std::vector<double>> RunFit(
      int index, const std::vector<double>& start, double sigma,
      const std::vector<double>& covariance, int max_generations, uint64_t seed,
      const std::vector<double>& weights) {
    CmaEsOptions options;
    options.initial = start;
    options.lower.assign(start.size(), 0.0);
    options.upper.assign(start.size(), 1.0);
    options.sigma0 = sigma;
    options.initial_covariance = covariance;
    options.population = config_.population();
    options.seed = seed;
    options.tol_x = kToleranceX;
    options.tol_fun =
        kRelativeToleranceFun * std::max(result_.nominal_objective, 1e-300);
    WM_ASSIGN_OR_RETURN(std::unique_ptr<CmaEs> cma, CmaEs::Create(options));
    while (cma->generation() < max_generations && !cma->Converged()) {
      cma->Tell(EvaluateAll(cma->Ask(), weights));
      Report(index, *cma, max_generations);
    }
    if (index > 0) return cma->best();
    result_.generations = cma->generation();
    final_sigma_ = cma->sigma();
    final_covariance_ = cma->covariance();
    if (!(cma->best_value() < result_.nominal_objective)) return start;
    return cma->best();
  }

  // The main fit, its errors on the fit and held-out episodes, then the
  // bootstrap refits.
  absl::StatusOr<SysidResult> Run(const SysidObjective* holdout) {
    const std::vector<double> initial = InitialUnits();
    result_.nominal_objective = EvaluateAll({initial}, {})[0];
    WM_ASSIGN_OR_RETURN(const std::vector<double> best,
                        RunFit(0, initial, config_.sigma0(), {},
                               config_.max_generations(), config_.seed(), {}));
    result_.estimate = ToValues(best);
    result_.fit_errors = ErrorsAt(fit_, result_.estimate, {});
    result_.objective = CombineEpisodeErrors(result_.fit_errors, {});
    ++result_.evaluations;
    if (holdout != nullptr && holdout->num_episodes() > 0) {
      result_.holdout_errors = ErrorsAt(*holdout, result_.estimate, {});
      ++result_.evaluations;
    }
    WM_RETURN_IF_ERROR(Bootstrap(best));
    return std::move(result_);
  }

 private:
  void Report(int index, const CmaEs& cma, int max_generations) {
    state_.fit = index;
    state_.generation = cma.generation();
    state_.max_generations = max_generations;
    state_.best = cma.best_value();
    state_.sigma = cma.sigma();
    state_.evaluations = result_.evaluations;
    if (progress_) progress_(state_);
  }

  // Refits on episodes drawn with replacement (multinomial weights), each
  // from the estimate `best`.
  absl::Status Bootstrap(const std::vector<double>& best) {
    const int episodes = fit_.num_episodes();
    const double sigma = std::clamp(kBootstrapSigmaFactor * final_sigma_,
                                    kMinBootstrapSigma, config_.sigma0());
    for (int b = 1; b < state_.fits; ++b) {
      Rng rng(EpisodeSeed(config_.seed() ^ 0x5b007, b));
      std::vector<double> weights(episodes, 0.0);
      for (int k = 0; k < episodes; ++k) {
        weights[std::min(episodes - 1,
                         static_cast<int>(rng.Uniform() * episodes))] += 1;
      }
      WM_ASSIGN_OR_RETURN(
          const std::vector<double> refit,
          RunFit(b, best, sigma, final_covariance_,
                 config_.bootstrap_generations(), rng.Bits(), weights));
      result_.bootstrap.push_back(ToValues(refit));
    }
    return absl::OkStatus();
  }

  const SysidSetup& setup_;
  const std::vector<sim::PhysicalParameter>& parameters_;
  const SysidObjective& fit_;
  const v1::SysidConfig& config_;
  const std::function<void(const SysidProgress&)>& progress_;
  SysidProgress state_;
  SysidResult result_;
  // The main fit's final step size and covariance warm-start the bootstrap.
  double final_sigma_ = 0;
  std::vector<double> final_covariance_;
};

}  // namespace

absl::StatusOr<SysidResult> RunSysid(
    const SysidSetup& setup, const SysidObjective& fit,
    const SysidObjective* holdout, const v1::SysidConfig& config,
    const std::function<void(const SysidProgress&)>& progress) {
  if (fit.num_episodes() == 0) {
    return absl::InvalidArgumentError("sysid: no episodes to fit");
  }
  return SysidRun(setup, fit, config, progress).Run(holdout);
}

}  // namespace wm::worldmodel
