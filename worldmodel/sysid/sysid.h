#ifndef WM_WORLDMODEL_SYSID_SYSID_H_
#define WM_WORLDMODEL_SYSID_SYSID_H_

// System identification (`wm sysid`): named MuJoCo parameters fitted to
// logged trajectories by CMA-ES on a SysidObjective, with bootstrap
// uncertainty over episodes.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scene.h"
#include "wm/v1/scene.pb.h"
#include "wm/v1/sysid.pb.h"
#include "worldmodel/sysid/sysid_objective.h"

namespace wm::worldmodel {

// The scene to fit: the user's scene with its randomize list replaced by the
// fitted parameters, so Scene::parameters() are exactly those (their min /
// max are the search bounds) and sim::Simulator::SetParameters and the
// "mujoco" model kind take fitted values directly.
struct SysidSetup {
  std::shared_ptr<const sim::Scene> scene;
  std::vector<double> nominal;  // the MJCF's values, parameters() order
  // Searched in log space (min > 0) or linearly, each interval mapped to
  // [0, 1].
  std::vector<bool> log_scale;
};

// Resolves `names` (`<element>/<quantity>`) against `scene`. Bounds: the
// config's `bounds` entry for that element and quantity; else the scene's
// randomize range when listed there; else [0.2, 5] x the nominal value
// (sorted for a negative one). Masses are ordered first (a mass write scales
// the body's inertia, so an inertia fitted alongside is written after it);
// the rest keep their order. INVALID_ARGUMENT for no names, a duplicate, a
// name that is not `<element>/<quantity>`, an unknown quantity (listing the
// valid ones) or element (sim::ResolveParameter's message), default bounds
// of a zero nominal value (asking for `bounds` in the config), or bounds
// with min >= max.
absl::StatusOr<SysidSetup> PrepareSysid(const v1::SceneConfig& scene,
                                        const std::vector<std::string>& names,
                                        const v1::SysidConfig& config);

// The config with every default filled in (see sysid.proto), for `dt` the
// scene's control period. INVALID_ARGUMENT for a negative count, sigma0 <=
// 0, or a horizon or stride below one control step.
absl::StatusOr<v1::SysidConfig> ResolveSysidConfig(v1::SysidConfig config,
                                                   double dt);

// A parameter value <-> its coordinate in [0, 1] within [min, max] (log
// space when `log_scale`). Pure.
double ToUnitInterval(double value, double min, double max, bool log_scale);
double FromUnitInterval(double unit, double min, double max, bool log_scale);

// Reported once per CMA-ES generation.
struct SysidProgress {
  int fit = 0;  // 0: the main fit; b >= 1: bootstrap fit b
  int fits = 1;
  int generation = 0;
  int max_generations = 0;
  double best = 0;          // best objective of this fit so far
  double sigma = 0;         // CMA-ES step size (normalised space)
  int64_t evaluations = 0;  // all fits so far
};

struct SysidResult {
  std::vector<double> estimate;  // parameters() order
  // [bootstrap fits][parameters]
  std::vector<std::vector<double>> bootstrap;
  double objective = 0;                  // on the fit episodes, at the estimate
  double nominal_objective = 0;          // the same at the nominal values
  std::vector<EpisodeError> fit_errors;  // per fit episode
  std::vector<EpisodeError> holdout_errors;  // per held-out episode
  int64_t evaluations = 0;
  int generations = 0;  // of the main fit
};

// Fits setup.scene's parameters to `fit` from the nominal values, then
// refits `config.bootstrap()` times on episode resamples (multinomial
// weights) for bootstrap_generations generations each, started from the
// estimate with the main fit's final covariance and step size (each
// refit's best counts, so directions the data do not pin down widen the
// intervals; the main fit never returns a point worse than the nominal
// start). Each candidate is scored as a MujocoModel with its values
// (SysidObjective::Evaluate); a generation's candidates run on
// config.workers() threads, and the result depends only on the config (seed
// included) and the data, not on the thread count. `config` must be resolved
// (ResolveSysidConfig). `holdout` may be null. `progress` (may be empty) runs
// on the calling thread. Errors: INVALID_ARGUMENT for an objective without
// episodes.
absl::StatusOr<SysidResult> RunSysid(
    const SysidSetup& setup, const SysidObjective& fit,
    const SysidObjective* holdout, const v1::SysidConfig& config,
    const std::function<void(const SysidProgress&)>& progress);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_SYSID_H_
