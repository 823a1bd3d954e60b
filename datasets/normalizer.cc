#include "datasets/normalizer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/state_layout.h"
#include "util/status_macros.h"

namespace wm::datasets {
namespace {

// Welford's running mean and sum of squared deviations, per entry.
class RunningStats {
 public:
  explicit RunningStats(int size) : count_(size), mean_(size), m2_(size) {}

  // Adds `values[i]` to entry i for i < size; with `finite_only`, skips
  // non-finite values.
  void Add(const double* values, bool finite_only = false) {
    for (size_t i = 0; i < mean_.size(); ++i) {
      const double value = values[i];
      if (finite_only && !std::isfinite(value)) continue;
      ++count_[i];
      const double delta = value - mean_[i];
      mean_[i] += delta / static_cast<double>(count_[i]);
      m2_[i] += delta * (value - mean_[i]);
    }
  }

  // Writes the means and floored population stds; entries with no samples
  // get mean 0, std 1.
  void Finish(google::protobuf::RepeatedField<double>* mean,
              google::protobuf::RepeatedField<double>* std) const {
    for (size_t i = 0; i < mean_.size(); ++i) {
      if (count_[i] == 0) {
        mean->Add(0.0);
        std->Add(1.0);
        continue;
      }
      mean->Add(mean_[i]);
      std->Add(std::max(std::sqrt(m2_[i] / static_cast<double>(count_[i])),
                        kMinNormalizationStd));
    }
  }

 private:
  std::vector<int64_t> count_;
  std::vector<double> mean_;
  std::vector<double> m2_;
};

}  // namespace

absl::StatusOr<v1::NormalizationStats> ComputeNormalization(
    const Dataset& dataset, const SplitFractions& fractions) {
  WM_RETURN_IF_ERROR(ValidateSplitFractions(fractions));
  const v1::StateSpec& spec = dataset.spec();
  const int nq = spec.nq(), nv = spec.nv(), nu = spec.nu();
  const int num_params = dataset.manifest().parameters_size();
  RunningStats states(nq + nv), actions(nu), deltas(2 * nv), params(num_params);
  int64_t num_episodes = 0, num_transitions = 0;
  std::vector<double> state(nq + nv), next(nq + nv), delta(2 * nv);

  WM_RETURN_IF_ERROR(dataset.ForEachEpisode([&](const Episode& episode) {
    if (SplitOf(episode.index, fractions) != Split::kTrain) {
      return absl::OkStatus();
    }
    ++num_episodes;
    const int64_t steps = episode.num_steps();
    num_transitions += steps;
    for (int64_t t = 0; t <= steps; ++t) {
      std::copy_n(&episode.qpos[t * nq], nq, next.begin());
      std::copy_n(&episode.qvel[t * nv], nv, next.begin() + nq);
      states.Add(next.data());
      if (t > 0) {
        TangentDelta(spec, state.data(), next.data(), delta.data());
        deltas.Add(delta.data());
        actions.Add(episode.ctrl.data() + (t - 1) * nu);
      }
      std::swap(state, next);
    }
    params.Add(episode.params.data(), /*finite_only=*/true);
    return absl::OkStatus();
  }));
  if (num_episodes == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", dataset.directory(), "': the training split (fraction ",
        fractions.train,
        ") holds no episode; cannot compute normalisation statistics"));
  }

  v1::NormalizationStats stats;
  states.Finish(stats.mutable_state_mean(), stats.mutable_state_std());
  for (int i : QuaternionQposIndices(spec)) {
    stats.set_state_mean(i, 0.0);
    stats.set_state_std(i, 1.0);
  }
  actions.Finish(stats.mutable_action_mean(), stats.mutable_action_std());
  deltas.Finish(stats.mutable_delta_mean(), stats.mutable_delta_std());
  params.Finish(stats.mutable_param_mean(), stats.mutable_param_std());
  stats.set_num_transitions(num_transitions);
  return stats;
}

}  // namespace wm::datasets
