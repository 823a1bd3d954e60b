#ifndef WM_WORLDMODEL_SYSID_SYSID_OBJECTIVE_H_
#define WM_WORLDMODEL_SYSID_SYSID_OBJECTIVE_H_

#include <vector>

#include "absl/types/span.h"
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

  // Each episode's error ([num_episodes()]) when `model` predicts it: the
  // mean of model.Rollout from the episode's start states and logged
  // actions (sysid scores a MujocoModel with the candidate parameters). A
  // Rollout error (an unstable simulation) charges the episode a penalty far
  // above any stable error. Episodes whose weight is 0 are skipped (entry
  // {0, 0}); `weights` is empty (all episodes) or [num_episodes()].
  // `model`'s spec must match the episodes. Deterministic when the model
  // is; const and thread-safe when the model is.
  virtual std::vector<EpisodeError> Evaluate(
      const WorldModel& model, absl::Span<const double> weights) const = 0;
};

// The weighted mean error sum_e w_e sum_e / sum_e w_e count_e over episodes
// (`weights` empty: all 1). +infinity when nothing was counted. Pure.
double CombineEpisodeErrors(const std::vector<EpisodeError>& errors,
                            absl::Span<const double> weights);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_SYSID_OBJECTIVE_H_
