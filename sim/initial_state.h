#ifndef WM_SIM_INITIAL_STATE_H_
#define WM_SIM_INITIAL_STATE_H_

#include <mujoco/mujoco.h>

#include <vector>

#include "absl/status/statusor.h"
#include "util/random.h"
#include "wm/v1/scene.pb.h"

namespace wm::sim {

// Draws an episode's initial state as an InitialStateConfig describes,
// resolved once against a model. Immutable after Create; thread-safe.
class InitialStateSampler {
 public:
  // INVALID_ARGUMENT naming the entry when a joint does not exist, a
  // component is outside the joint, min > max, or an orientation is asked of
  // a joint that is not free or ball (yaw: free only).
  static absl::StatusOr<InitialStateSampler> Create(
      const mjModel& model, const v1::InitialStateConfig& config);

  // Sets data's qpos from qpos0 and qvel from zero, applies the draws, and
  // runs mj_forward. With reject_penetration, redraws until no contact is
  // deeper than 1 mm (at most 100 draws; the last draw is kept).
  void Sample(const mjModel& model, mjData* data, Rng* rng) const;

 private:
  struct Range {
    int address;  // into qpos or qvel
    double min;
    double max;
  };
  void DrawOnce(const mjModel& model, mjData* data, Rng* rng) const;

  std::vector<Range> qpos_;
  std::vector<Range> qvel_;
  std::vector<int> orientation_addresses_;  // qpos address of quaternion w
  std::vector<int> yaw_addresses_;
  double max_yaw_ = 0;
  bool reject_penetration_ = false;
};

}  // namespace wm::sim

#endif  // WM_SIM_INITIAL_STATE_H_
