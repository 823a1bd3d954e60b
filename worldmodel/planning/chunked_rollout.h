#ifndef WM_WORLDMODEL_PLANNING_CHUNKED_ROLLOUT_H_
#define WM_WORLDMODEL_PLANNING_CHUNKED_ROLLOUT_H_

// A Rollout split over contiguous ranges of its samples, the ranges rolled
// out at once on separate threads: a sampling planner's many sequences use
// both cores even though one model call runs on one.

#include "absl/status/statusor.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// The answer of model.Rollout(initial, actions, context), computed as up to
// `chunks` concurrent Rollout calls over contiguous ranges of the N samples
// of `actions` [N, H, nu]. `initial` and the context tensors with a leading
// N are split with them; a leading 1 is shared. With chunks <= 1, N < 2 or
// context.per_member it is one call. `model` must be safe to call from
// several threads (every WorldModel here is). Errors: the model's (the
// first failing chunk's).
absl::StatusOr<Trajectory> ChunkedRollout(const WorldModel& model,
                                          const Tensor& initial,
                                          const Tensor& actions,
                                          const Context& context, int chunks);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_PLANNING_CHUNKED_ROLLOUT_H_
