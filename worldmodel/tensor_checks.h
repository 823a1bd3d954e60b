#ifndef WM_WORLDMODEL_TENSOR_CHECKS_H_
#define WM_WORLDMODEL_TENSOR_CHECKS_H_

// Shared validation of WorldModel inputs, so every model kind (learned,
// mujoco, constant velocity, remote) refuses bad input with the same
// messages, e.g. "states: expected shape [B, 17], got [4, 16]". All
// functions are pure and thread-safe; every error is INVALID_ARGUMENT naming
// the field ("states", "actions", "initial", "context.parameters",
// "context.history_states", "context.history_actions") unless noted.

#include <cstdint>

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

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_TENSOR_CHECKS_H_
