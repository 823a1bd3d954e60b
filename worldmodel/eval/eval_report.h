#ifndef WM_WORLDMODEL_EVAL_EVAL_REPORT_H_
#define WM_WORLDMODEL_EVAL_EVAL_REPORT_H_

// What `wm eval` measures for one model on one dataset's test split (issue
// 4's JSON). A metric no episode could contribute to is absent (nullopt or
// left out), never 0. Plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wm::worldmodel {

struct Quantiles {
  double median = 0;
  double p90 = 0;
};

// Open-loop rollout error `steps` control steps after its start.
struct HorizonReport {
  int64_t steps = 0;
  double seconds = 0;
  int64_t episodes = 0;  // episodes long enough to contribute
  // By key in report order ("pos_m", "rot_deg", "joint_rad", "joint_m"; only
  // those the spec has): the median and 90th percentile over episodes.
  std::vector<std::pair<std::string, Quantiles>> errors;
};

struct ParameterReport {
  std::string name;  // "box/mass"
  // Median of |estimate - true| / |true| over the episodes where the
  // parameter is identifiable (identifiability.h).
  std::optional<double> median_rel_err;
  // Fraction of all episodes with |true - mean| <= 1.645 std.
  std::optional<double> coverage90;
  int64_t identifiable_episodes = 0;
};

// One-step errors under the predicted total spread sqrt(epi^2 + alea^2),
// both normalised by the training split's delta std; dimensions with zero
// spread or that never varied in training are skipped.
struct CalibrationReport {
  double nll = 0;         // mean Gaussian NLL per tangent dimension
  double coverage90 = 0;  // fraction within 1.645 std
};

struct OodReport {
  // Mean one-step epistemic spread (normalised) on the OOD episodes over
  // that on the in-distribution test episodes.
  std::optional<double> spread_ratio;
  // Spearman correlation, over in-distribution and OOD episodes, between an
  // episode's rollout error and its rollout spread.
  std::optional<double> error_spread_rank_corr;
};

struct EvalReport {
  std::string model;  // "name/N", set by the caller
  std::string split = "test";
  int64_t episodes = 0;  // test episodes scored
  // Mean over transitions after the history of the squared one-step tangent
  // error divided by the training split's delta std squared, per dimension.
  std::optional<double> one_step_nmse;
  std::vector<HorizonReport> rollout;   // increasing steps
  std::vector<ParameterReport> params;  // empty: the model cannot infer
  std::optional<CalibrationReport> calibration;
  std::optional<OodReport> ood;
};

// A named baseline's report ("constant_velocity", "mujoco_nominal", ...).
using NamedReport = std::pair<std::string, EvalReport>;

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_EVAL_REPORT_H_
