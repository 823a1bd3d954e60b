#ifndef WM_WORLDMODEL_SYSID_OBJECTIVE_H_
#define WM_WORLDMODEL_SYSID_OBJECTIVE_H_

#include <vector>

#include "absl/types/span.h"
#include "sim/simulator.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// One episode's share of a system-identification objective: its error is
// sum / count (count 0: the episode was skipped or has nothing to score).
struct EpisodeError {
  double sum = 0;
  double count = 0;
};

// What system identification minimises: an error of simulating logged
// episodes with candidate parameter values, reported per episode so a
// bootstrap can reweight episodes without re-simulating the others. The
// default is WindowRolloutObjective (window_rollout_objective.h); another
// (e.g. whole episodes from a protocol-defined initial state) plugs in by
// implementing this interface.
class SysidObjective {
 public:
  virtual ~SysidObjective() = default;

  // The number of episodes scored.
  virtual int num_episodes() const = 0;

  // Each episode's error ([num_episodes()]) when `simulator`'s scene is
  // simulated with `params` (in the order of its Scene::parameters(), the
  // fitted parameters). Episodes whose weight is 0 are skipped (entry {0,
  // 0}); `weights` is empty (all episodes) or [num_episodes()]. Must be
  // deterministic: the same params give the same errors whatever the
  // simulator did before. Const and thread-safe given one simulator per
  // thread.
  virtual std::vector<EpisodeError> Evaluate(
      sim::Simulator* simulator, absl::Span<const double> params,
      absl::Span<const double> weights) const = 0;

  // Each episode's error ([num_episodes()]) when `model` predicts instead of
  // a simulator: the mean of model.Rollout from the same start states and
  // actions Evaluate uses. A Rollout error (an unstable simulation) charges
  // the episode the penalty Evaluate charges an unstable one, over all its
  // steps. `model`'s spec must match the episodes. Thread-safe when the
  // model is.
  virtual std::vector<EpisodeError> EvaluateModel(
      const WorldModel& model) const = 0;
};

// The weighted mean error sum_e w_e sum_e / sum_e w_e count_e over episodes
// (`weights` empty: all 1). +infinity when nothing was counted. Pure.
double CombineEpisodeErrors(const std::vector<EpisodeError>& errors,
                            absl::Span<const double> weights);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_OBJECTIVE_H_
