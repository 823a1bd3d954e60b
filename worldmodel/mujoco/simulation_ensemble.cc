#include "worldmodel/mujoco/simulation_ensemble.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "datasets/state_layout.h"
#include "util/random.h"

namespace wm::worldmodel {
namespace {

// The std of each tangent entry [2 nv] of a start state under `ensemble`.
std::vector<double> TangentStds(const v1::SimulationEnsemble& ensemble,
                                const v1::StateSpec& spec) {
  const int nv = spec.nv();
  std::vector<double> stds(2 * nv, 0.0);
  for (const v1::Joint& joint : spec.joints()) {
    const int v = joint.qvel_offset();
    switch (joint.type()) {
      case v1::Joint::FREE:
        for (int i = 0; i < 3; ++i) {
          stds[v + 3 + i] = ensemble.angle_std();
          stds[nv + v + i] = ensemble.linear_velocity_std();
          stds[nv + v + 3 + i] = ensemble.angular_velocity_std();
        }
        break;
      case v1::Joint::BALL:
        for (int i = 0; i < 3; ++i) {
          stds[v + i] = ensemble.angle_std();
          stds[nv + v + i] = ensemble.angular_velocity_std();
        }
        break;
      case v1::Joint::SLIDE:
        stds[nv + v] = ensemble.linear_velocity_std();
        break;
      default:  // hinge
        stds[v] = ensemble.angle_std();
        stds[nv + v] = ensemble.angular_velocity_std();
    }
  }
  return stds;
}

}  // namespace

absl::StatusOr<SimulationMembers> SimulationMembers::Create(
    const v1::SimulationEnsemble& ensemble, const v1::StateSpec& spec,
    int num_parameters) {
  if (ensemble.members() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation_ensemble.members is negative: ", ensemble.members()));
  }
  const std::pair<const char*, double> stds[] = {
      {"parameter_log_std", ensemble.parameter_log_std()},
      {"angle_std", ensemble.angle_std()},
      {"linear_velocity_std", ensemble.linear_velocity_std()},
      {"angular_velocity_std", ensemble.angular_velocity_std()}};
  for (const auto& [name, value] : stds) {
    if (!(value >= 0) || !std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("simulation_ensemble.", name,
                       " must be >= 0 and finite, got ", value));
    }
  }
  const int k = std::max(1, ensemble.members());
  const std::vector<double> tangent_stds = TangentStds(ensemble, spec);
  std::vector<std::vector<double>> log_factors(
      k, std::vector<double>(num_parameters, 0.0));
  std::vector<std::vector<double>> offsets(
      k, std::vector<double>(tangent_stds.size(), 0.0));
  Rng rng(EpisodeSeed(ensemble.seed(), 0x5e5e));
  // Antithetic pairs: members 2i and 2i + 1 take z and -z.
  for (int pair = 0; 2 * pair + 1 < k; ++pair) {
    for (int p = 0; p < num_parameters; ++p) {
      const double z = ensemble.parameter_log_std() * rng.Normal();
      log_factors[2 * pair][p] = z;
      log_factors[2 * pair + 1][p] = -z;
    }
    for (size_t i = 0; i < tangent_stds.size(); ++i) {
      const double z = tangent_stds[i] * rng.Normal();
      offsets[2 * pair][i] = z;
      offsets[2 * pair + 1][i] = -z;
    }
  }
  return SimulationMembers(spec, std::move(log_factors), std::move(offsets));
}

std::vector<double> SimulationMembers::Parameters(
    int k, const std::vector<double>& values) const {
  std::vector<double> scaled = values;
  for (size_t p = 0; p < scaled.size() && p < log_factors_[k].size(); ++p) {
    scaled[p] *= std::exp(log_factors_[k][p]);
  }
  return scaled;
}

void SimulationMembers::PerturbState(int k, const double* state,
                                     double* out) const {
  datasets::TangentIntegrate(spec_, state, offsets_[k].data(), out);
}

void AverageStates(const v1::StateSpec& spec,
                   const std::vector<std::vector<double>>& states, double* mean,
                   double* spread) {
  const int nx = spec.nq() + spec.nv(), nd = 2 * spec.nv();
  const double count = static_cast<double>(states.size());
  for (int i = 0; i < nx; ++i) mean[i] = 0;
  for (const std::vector<double>& state : states) {
    for (int i = 0; i < nx; ++i) mean[i] += state[i] / count;
  }
  // Quaternions: groups of 4 from each joint's quaternion offset.
  for (const v1::Joint& joint : spec.joints()) {
    const int q = joint.quaternion_offset();
    if (q < 0) continue;
    double sum[4] = {0, 0, 0, 0};
    for (const std::vector<double>& state : states) {
      double dot = 0;
      for (int i = 0; i < 4; ++i) dot += state[q + i] * states[0][q + i];
      for (int i = 0; i < 4; ++i)
        sum[i] += dot < 0 ? -state[q + i] : state[q + i];
    }
    const double norm = std::sqrt(sum[0] * sum[0] + sum[1] * sum[1] +
                                  sum[2] * sum[2] + sum[3] * sum[3]);
    for (int i = 0; i < 4; ++i) {
      mean[q + i] = norm > 0 ? sum[i] / norm : states[0][q + i];
    }
  }
  std::vector<double> delta(nd);
  for (int i = 0; i < nd; ++i) spread[i] = 0;
  for (const std::vector<double>& state : states) {
    datasets::TangentDelta(spec, mean, state.data(), delta.data());
    for (int i = 0; i < nd; ++i) spread[i] += delta[i] * delta[i] / count;
  }
  for (int i = 0; i < nd; ++i) spread[i] = std::sqrt(spread[i]);
}

}  // namespace wm::worldmodel
