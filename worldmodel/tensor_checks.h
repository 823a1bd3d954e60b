#ifndef WM_WORLDMODEL_TENSOR_CHECKS_H_
#define WM_WORLDMODEL_TENSOR_CHECKS_H_

// Shared validation of WorldModel inputs, so every model kind (learned,
// mujoco, constant velocity, remote) refuses bad input with the same
// messages, e.g. "states: expected shape [B, 17], got [4, 16]". All
// functions are pure and thread-safe; every error is INVALID_ARGUMENT naming
// the field ("states", "actions", "initial", "context.parameters",
// "context.history_states", "context.history_actions") unless noted.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "util/tensor.h"
#include "wm/v1/state_spec.pb.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Predict's inputs: states [B, nx] (nx = nq + nv), actions [B, nu], B >= 1,
// consistent data sizes, every value finite.
absl::Status CheckPredictInputs(const v1::StateSpec& spec, const Tensor& states,
                                const Tensor& actions);

// Rollout's inputs: initial [1 or N, nx], actions [N, H, nu] with N >= 1 and
// H >= 1, consistent data sizes, every value finite.
absl::Status CheckRolloutInputs(const v1::StateSpec& spec,
                                const Tensor& initial, const Tensor& actions);

// A Context for a call with `batch` rows (B of Predict, N of Rollout, 1 of
// InferParameters) to a model that takes `num_parameters` explicit physical
// parameters. An empty context is OK. At most one of history and parameters
// may be set. Parameters: [batch or 1, num_parameters], finite;
// FAILED_PRECONDITION when num_parameters == 0 (the model takes none).
// History: history_states [batch or 1, L + 1, nx] and history_actions [same,
// L, nu], L >= 1, finite.
absl::Status CheckContext(const v1::StateSpec& spec, int64_t num_parameters,
                          int64_t batch, const Context& context);

// Physical plausibility of explicit parameters `values` [B or 1, P] in the
// order of `parameters` (names "<element>/<quantity>", SI units), by the
// quantity: mass (kg) and inertia_x/y/z (kg m^2) in (0, 1e4]; friction in
// [0, 10]; damping, frictionloss (joint units) in [0, 1e5]; armature in
// [0, 1e4]; com_x/y/z (m) within +-100; solref_stiffness in [0, 1e9] and
// solref_damping in [0, 1e6] (MuJoCo's direct form); any other quantity
// finite within +-1e9. INVALID_ARGUMENT naming `field`, the row, the
// parameter, its value and the bounds, e.g. "context.parameters[0, 1]
// (box/mass): -1 is outside (0, 10000] kg".
absl::Status CheckParameterBounds(
    const std::vector<v1::ParameterInfo>& parameters, const Tensor& values,
    const std::string& field);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_TENSOR_CHECKS_H_
