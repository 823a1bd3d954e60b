#ifndef WM_WORLDMODEL_EVAL_METRICS_H_
#define WM_WORLDMODEL_EVAL_METRICS_H_

// The statistics and state errors `wm eval` reports. Pure functions,
// thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// z of a central 90% Gaussian interval: |x - mean| <= kZ90 * std.
inline constexpr double kZ90 = 1.6448536269514722;

double Mean(const std::vector<double>& values);  // 0 for none

// Spearman's rank correlation of paired samples (average ranks for ties);
// nullopt for fewer than 3 pairs, different lengths, or a constant side.
std::optional<double> SpearmanCorrelation(const std::vector<double>& x,
                                          const std::vector<double>& y);

// Negative log-likelihood of `error` under N(0, std^2); std > 0.
double GaussianNll(double error, double std);

// Error of a predicted state against the true one, by joint kind: each the
// Euclidean norm over all joints of that kind. NaN for a kind the spec lacks.
struct StateError {
  double pos_m;      // free joints: position error, m
  double rot_deg;    // free and ball joints: orientation error angle, degrees
  double joint_rad;  // hinge joints: angle error, rad
  double joint_m;    // slide joints: position error, m
};

// The keys of StateError that `spec` has, in report order: "pos_m",
// "rot_deg", "joint_rad", "joint_m".
std::vector<std::string> StateErrorKeys(const v1::StateSpec& spec);

// The value of `key` (one of StateErrorKeys) in `error`.
double StateErrorValue(const StateError& error, const std::string& key);

// The error of `predicted` [nx] against `truth` [nx]. `spec` must pass
// datasets::ValidateStateSpec.
StateError ComputeStateError(const v1::StateSpec& spec, const double* truth,
                             const double* predicted);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_METRICS_H_
