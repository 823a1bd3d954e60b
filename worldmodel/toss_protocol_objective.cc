#include "worldmodel/toss_protocol_objective.h"

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
    sim::Simulator* simulator, absl::Span<const double> params,
    absl::Span<const double> weights) const {
  constexpr int kNq = 7, kNv = 6;
  std::vector<EpisodeError> errors(tosses_.size());
  std::vector<double> state(kNq + kNv), predicted, measured;
  for (size_t e = 0; e < tosses_.size(); ++e) {
    if (!weights.empty() && weights[e] == 0) continue;
    const datasets::Episode& toss = tosses_[e];
    const int64_t start = starts_[e].start_index;
    predicted.assign(starts_[e].state.begin(), starts_[e].state.begin() + kNq);
    measured.assign(toss.qpos.begin() + start * kNq,
                    toss.qpos.begin() + (start + 1) * kNq);
    bool stable = simulator->SetParameters(params).ok() &&
                  simulator->SetState(starts_[e].state).ok();
    for (int64_t t = start; stable && t < toss.num_steps(); ++t) {
      stable = simulator->Step({}).ok();
      simulator->GetState(absl::MakeSpan(state));
      predicted.insert(predicted.end(), state.begin(), state.begin() + kNq);
      measured.insert(measured.end(), toss.qpos.begin() + (t + 1) * kNq,
                      toss.qpos.begin() + (t + 2) * kNq);
    }
    absl::StatusOr<TossScore> score = ScoreTossPoses(predicted, measured);
    errors[e] = {stable && score.ok() ? score->e_q : kUnstableTossEq, 1.0};
  }
  return errors;
}

std::vector<EpisodeError> TossProtocolObjective::EvaluateModel(
    const WorldModel& model) const {
  std::vector<EpisodeError> errors(tosses_.size());
  for (size_t e = 0; e < tosses_.size(); ++e) {
    absl::StatusOr<TossScore> score =
        ScoreTossRollout(model, tosses_[e], starts_[e]);
    errors[e] = {score.ok() ? score->e_q : kUnstableTossEq, 1.0};
  }
  return errors;
}

}  // namespace wm::worldmodel
