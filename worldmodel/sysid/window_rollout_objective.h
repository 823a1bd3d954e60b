#ifndef WM_WORLDMODEL_SYSID_WINDOW_ROLLOUT_OBJECTIVE_H_
#define WM_WORLDMODEL_SYSID_WINDOW_ROLLOUT_OBJECTIVE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "wm/v1/state_spec.pb.h"
#include "worldmodel/sysid/sysid_objective.h"

namespace wm::worldmodel {

// Squared error charged per tangent entry and step of an episode whose
// rollout fails (an unstable simulation; normalised units: far above any
// stable error).
inline constexpr double kUnstableWindowPenalty = 1e4;

// The default sysid objective: multi-step open-loop simulation error over
// windows. From the logged state at each window start t0 (t0 = 0, stride,
// 2 stride, ... while t0 + horizon <= T; an episode shorter than the
// horizon gives one window over all of it) the model rolls out `horizon`
// steps of the logged actions (all of an episode's windows in one Rollout
// call); at each step the tangent-space difference to the logged state
// (datasets::TangentDelta: nv position entries, quaternions as rotation
// vectors, then nv velocity entries) is divided entry-wise by `scale` and
// squared. An episode's error is the mean over its windows, steps and the
// 2 nv entries.
class WindowRolloutObjective : public SysidObjective {
 public:
  // INVALID_ARGUMENT for no episodes, an episode that fails Validate() or
  // does not match `spec` (nq, nv, nu), horizon_steps or stride_steps < 1,
  // or `scale` not [2 nv] positive finite values.
  static absl::StatusOr<std::unique_ptr<WindowRolloutObjective>> Create(
      std::vector<datasets::Episode> episodes, v1::StateSpec spec,
      int horizon_steps, int stride_steps, std::vector<double> scale);

  int num_episodes() const override {
    return static_cast<int>(episodes_.size());
  }
  // See SysidObjective.
  std::vector<EpisodeError> Evaluate(
      const WorldModel& model, absl::Span<const double> weights) const override;

  // Windows over all episodes, and the episodes (in the order given).
  int num_windows() const;
  const std::vector<datasets::Episode>& episodes() const { return episodes_; }

 private:
  WindowRolloutObjective(std::vector<datasets::Episode> episodes,
                         v1::StateSpec spec, int horizon_steps,
                         int stride_steps, std::vector<double> scale);

  // The window starts of `episode` and the steps each window runs.
  std::vector<int64_t> WindowStarts(const datasets::Episode& episode) const;
  int64_t WindowSteps(const datasets::Episode& episode) const;
  std::vector<datasets::Episode> episodes_;
  v1::StateSpec spec_;
  int horizon_steps_;
  int stride_steps_;
  std::vector<double> inverse_scale_;
};

// Per tangent entry [2 nv] spreads of `episodes`' states, the default
// `scale` of WindowRolloutObjective: position entries of hinge and slide
// joints and free-joint positions get the population std of that qpos entry,
// rotation entries (ball, free) 1 rad, velocity entries the std of that
// qvel entry; each floored at 1e-6. `episodes` must match `spec`. Pure.
std::vector<double> TangentScales(
    const v1::StateSpec& spec, const std::vector<datasets::Episode>& episodes);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_WINDOW_ROLLOUT_OBJECTIVE_H_
