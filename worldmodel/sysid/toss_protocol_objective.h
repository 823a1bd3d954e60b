#ifndef WM_WORLDMODEL_SYSID_TOSS_PROTOCOL_OBJECTIVE_H_
#define WM_WORLDMODEL_SYSID_TOSS_PROTOCOL_OBJECTIVE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "worldmodel/eval/acosta_toss_protocol.h"
#include "worldmodel/sysid/sysid_objective.h"

namespace wm::worldmodel {

// The sysid objective of the cube-toss protocol (acosta_toss_protocol.h):
// each toss is simulated open loop from the protocol's start state to its
// end and scored by e_q, so identified parameters minimise the published
// metric itself. An unstable simulation scores kUnstableTossEq.
class TossProtocolObjective : public SysidObjective {
 public:
  // e_q charged for a toss whose simulation goes unstable.
  static constexpr double kUnstableTossEq = 10.0;

  // Finds each toss's start (FindTossStart with `gravity`). Errors from
  // FindTossStart; INVALID_ARGUMENT for no tosses.
  static absl::StatusOr<std::unique_ptr<TossProtocolObjective>> Create(
      std::vector<datasets::Episode> tosses, double gravity);

  int num_episodes() const override { return static_cast<int>(tosses_.size()); }
  // See SysidObjective: one EpisodeError {e_q, 1} per toss with a non-zero
  // weight (ScoreTossRollout; kUnstableTossEq when the rollout fails). The
  // model must be a free-joint cube (nq 7, nv 6).
  std::vector<EpisodeError> Evaluate(
      const WorldModel& model, absl::Span<const double> weights) const override;

 private:
  TossProtocolObjective(std::vector<datasets::Episode> tosses,
                        std::vector<TossStart> starts)
      : tosses_(std::move(tosses)), starts_(std::move(starts)) {}

  std::vector<datasets::Episode> tosses_;
  std::vector<TossStart> starts_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_TOSS_PROTOCOL_OBJECTIVE_H_
