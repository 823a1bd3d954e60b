#include "worldmodel/sysid/toss_protocol_objective.h"

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace wm::worldmodel {

absl::StatusOr<std::unique_ptr<TossProtocolObjective>>
TossProtocolObjective::Create(std::vector<datasets::Episode> tosses,
                              double gravity) {
  if (tosses.empty()) {
    return absl::InvalidArgumentError(
        "the toss protocol objective has no tosses");
  }
  std::vector<TossStart> starts;
  for (const datasets::Episode& toss : tosses) {
    WM_ASSIGN_OR_RETURN(starts.emplace_back(), FindTossStart(toss, gravity));
  }
  return std::unique_ptr<TossProtocolObjective>(
      new TossProtocolObjective(std::move(tosses), std::move(starts)));
}

std::vector<EpisodeError> TossProtocolObjective::Evaluate(
    const WorldModel& model, absl::Span<const double> weights) const {
  std::vector<EpisodeError> errors(tosses_.size());
  for (size_t e = 0; e < tosses_.size(); ++e) {
    if (!weights.empty() && weights[e] == 0) continue;
    absl::StatusOr<TossScore> score =
        ScoreTossRollout(model, tosses_[e], starts_[e]);
    errors[e] = {score.ok() ? score->e_q : kUnstableTossEq, 1.0};
  }
  return errors;
}

}  // namespace wm::worldmodel
