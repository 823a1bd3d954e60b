#ifndef WM_SIM_LEARNED_FORCE_SHAPE_H_
#define WM_SIM_LEARNED_FORCE_SHAPE_H_

// The sizes of a learned force's network (sim/learned_force.h states the
// features and the weight layout), for the law and for whoever initialises
// its weights.

#include <string>

#include "absl/status/statusor.h"
#include "mujoco/mujoco.h"

namespace wm::sim {

// box_corners' network: inputs (corner height / half-width, normal speed,
// slip speed) and outputs (normal and slip-direction force).
inline constexpr int kBoxCornerInputs = 3;
inline constexpr int kBoxCornerOutputs = 2;

struct LearnedForceShape {
  bool box_corners = false;  // else "joints"
  int inputs = 0;            // network inputs
  int outputs = 0;           // network outputs
  int extras = 0;            // weights after the network's (box: the gate)

  // W1 [hidden, inputs], b1 [hidden], W2 [outputs, hidden], b2 [outputs],
  // then the extras.
  int NumWeights(int hidden) const {
    return hidden * (inputs + 1) + outputs * (hidden + 1) + extras;
  }
};

// The shape of `features` ("box_corners" or "joints") on `model`.
// INVALID_ARGUMENT naming the feature set for an unknown one or a model it
// does not fit (box_corners: joint 0 free; joints: hinges only, at least
// one).
absl::StatusOr<LearnedForceShape> LearnedForceShapeOf(
    const std::string& features, const mjModel& model);

}  // namespace wm::sim

#endif  // WM_SIM_LEARNED_FORCE_SHAPE_H_
