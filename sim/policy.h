#ifndef WM_SIM_POLICY_H_
#define WM_SIM_POLICY_H_

#include <mujoco/mujoco.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sim/scene.h"
#include "util/random.h"
#include "wm/v1/scene.pb.h"

namespace wm::sim {

// An action policy for generated episodes. Stateful (noise processes): one
// instance per worker thread, Reset at each episode start. Actions are clipped
// to the actuators' ctrl ranges.
class Policy {
 public:
  virtual ~Policy() = default;
  // Starts an episode, drawing its per-episode values from `rng`.
  virtual void Reset(Rng* rng) = 0;
  // Fills `ctrl` (nu values) with the action for the state in `data`, to be
  // held for one control period.
  virtual void Act(const mjModel& model, const mjData& data, Rng* rng,
                   absl::Span<double> ctrl) = 0;
};

// Builds the policy `config` names for `scene` (an unset config means the
// scene's default policy; a scene without one gets zero actions).
// INVALID_ARGUMENT naming the problem: uniform or smooth noise on an actuator
// without a ctrl range, a scripted segment whose ctrl lists do not have nu
// entries, an approach policy whose bodies or actuators do not exist.
absl::StatusOr<std::unique_ptr<Policy>> CreatePolicy(
    const v1::PolicyConfig& config, const Scene& scene);

// "zero", "uniform", "smooth_noise", "scripted", "approach".
std::string PolicyKindName(const v1::PolicyConfig& config);

}  // namespace wm::sim

#endif  // WM_SIM_POLICY_H_
