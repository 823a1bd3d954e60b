#ifndef WM_WORLDMODEL_ANSWER_BOUNDS_H_
#define WM_WORLDMODEL_ANSWER_BOUNDS_H_

// Every answer a model gives is finite. A row (Predict) or sample (Rollout)
// is *diverged* at the first step where any value of its mean is non-finite
// or beyond kMaxStateMagnitude, or any spread (epistemic or aleatoric) is
// non-finite or beyond kSaturatedStd: an ensemble member ran away. From that
// step on, its mean holds the last sound state (Predict: the input state),
// its member means too, and both spreads saturate at kSaturatedStd; its
// index is listed in the answer's `diverged`. Sound rows are untouched.

#include "util/tensor.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// The spread a diverged answer reports, in tangent-space units (m, rad,
// m/s, rad/s): far beyond any physical spread, finite in float32.
inline constexpr float kSaturatedStd = 1e3f;
// A state entry beyond this magnitude (m, rad, m/s, quaternion units) is
// unsound.
inline constexpr float kMaxStateMagnitude = 1e6f;

// Bounds `prediction` for the inputs `states` [B, nx] (finite, as checked
// by CheckPredictInputs) and fills prediction->diverged. Shapes must be the
// interface's (CHECKed). Pure; thread-compatible.
void BoundPrediction(const Tensor& states, Prediction* prediction);

// Bounds `trajectory` for the initial states [1 or N, nx] (finite) and
// fills trajectory->diverged. Shapes must be the interface's (CHECKed).
void BoundTrajectory(const Tensor& initial, Trajectory* trajectory);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_ANSWER_BOUNDS_H_
