#ifndef WM_SIM_SIMULATOR_H_
#define WM_SIM_SIMULATOR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sim/learned_force.h"
#include "sim/mjcf.h"
#include "sim/scene.h"
#include "util/random.h"

namespace wm::sim {

// Simulates one scene: a private copy of the model (so per-episode parameters
// never touch the shared Scene) and one mjData. One per thread; not
// thread-safe. Steps hold the action over frame_skip MuJoCo steps.
class Simulator {
 public:
  explicit Simulator(std::shared_ptr<const Scene> scene);

  const Scene& scene() const { return *scene_; }
  // The model with this episode's parameters, and the simulation data.
  const mjModel& model() const { return *model_; }
  const mjData& data() const { return *data_; }

  // Starts an episode: draws every randomised parameter uniformly in its
  // range and the initial state, both from `seed`. Returns the drawn
  // parameters in Scene::parameters() order.
  std::vector<double> Reset(uint64_t seed);

  // Sets the physical parameters (Scene::parameters() order) and resets the
  // state to qpos0 at rest. INVALID_ARGUMENT on a wrong count or a
  // non-finite value.
  absl::Status SetParameters(absl::Span<const double> values);

  // The state [qpos (nq) | qvel (nv)] into `state` (nx values).
  void GetState(absl::Span<double> state) const;
  // Sets the state and runs mj_forward. INVALID_ARGUMENT on a wrong size or
  // a non-finite value.
  absl::Status SetState(absl::Span<const double> state);

  // Applies `action` (nu values; clipped to ctrl ranges by MuJoCo) for
  // frame_skip steps. FAILED_PRECONDITION when MuJoCo raises an error or the
  // simulation goes unstable (MuJoCo's bad qpos / qvel / qacc warnings, or a
  // non-finite state); the episode should then be dropped.
  absl::Status Step(absl::Span<const double> action);

  // A learned force added at every MuJoCo step of Step (qfrc_applied from
  // the state at that step); null (the default) for none. Kept across
  // resets and parameter changes.
  void SetForceLaw(std::shared_ptr<const LearnedForceLaw> law) {
    force_law_ = std::move(law);
  }

  // The Jacobians of one Step(action) at the current state, in MuJoCo's
  // tangent space (mjd_transitionFD's convention: a state is [dqpos (nv,
  // quaternions as rotation vectors) | dqvel (nv) | act (na)]):
  // d(next state) = a * d(state) + b * d(action). Central finite
  // differences of step `epsilon` (mjd_transitionFD) for each of the
  // frame_skip MuJoCo steps, chained; the action is held over them. The
  // simulator is left at the state it was in. FAILED_PRECONDITION when
  // MuJoCo raises an error.
  struct StepJacobians {
    int n = 0;              // 2 nv + na
    int nu = 0;             // actions
    std::vector<double> a;  // [n, n], row-major
    std::vector<double> b;  // [n, nu], row-major
  };
  absl::StatusOr<StepJacobians> Jacobians(absl::Span<const double> action,
                                          double epsilon = 1e-6);

  // Simulated time of the current episode, seconds.
  double time() const { return data_->time; }

 private:
  void ApplyParameters(absl::Span<const double> values);

  std::shared_ptr<const Scene> scene_;
  ModelPtr model_;
  DataPtr data_;
  std::shared_ptr<const LearnedForceLaw> force_law_;
};

}  // namespace wm::sim

#endif  // WM_SIM_SIMULATOR_H_
