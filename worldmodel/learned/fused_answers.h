#ifndef WM_WORLDMODEL_LEARNED_FUSED_ANSWERS_H_
#define WM_WORLDMODEL_LEARNED_FUSED_ANSWERS_H_

// The physics and blackbox kinds' Predict and Rollout answers on the fused
// path (fused_ensemble.h): the members' steps, then per row the ensemble
// mean (quaternions sign-aligned to member 0, averaged, normalised), the
// epistemic spread with what extrapolating parameters and a surprising
// history add, and the aleatoric noise, exactly as learned_model.cc's
// LibTorch path computes them. Torch-free header.

#include <vector>

#include "util/tensor.h"
#include "worldmodel/learned/fused_ensemble.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// What a call needs beyond states and actions, prepared once per call by
// the model (learned_model.cc). Rows: B for Predict, N for Rollout.
struct FusedCall {
  // Normalised parameters [K * rows, P] in member blocks (physics; empty
  // for kinds without parameters).
  std::vector<float> parameters;
  // The same clamped into the training range, when any lies outside it;
  // empty otherwise. Each member then also steps at these, and the
  // difference counts as epistemic spread.
  std::vector<float> in_range;
  // Per row, the factor (>= 1) by which a surprising context history
  // widens the predictive variance; empty for none.
  std::vector<float> surprise;
  bool per_member = false;
};

// `ensemble` (physics or blackbox) stepping states [B, nx] under actions
// [B, nu]: Prediction with mean, epistemic_std, aleatoric_std and, when
// call.per_member, member_mean [K, B, nx]. Inputs are checked by the
// caller. Thread-safe.
Prediction FusedPredict(const FusedEnsemble& ensemble,
                        const std::vector<int>& quaternion_offsets,
                        const Tensor& states, const Tensor& actions,
                        const FusedCall& call);

// `ensemble` rolling initial states [1 or N, nx] out under actions
// [N, H, nu]: Trajectory [N, H + 1, ...] (member_mean [K, N, H + 1, nx]
// when call.per_member). Buffers are allocated once per call and reused
// across its steps. The rows are split over up to RowSplitThreads()
// threads (util/parallel.h; parts of at least 128 rows), each computing its
// rows exactly as one thread would. Inputs are checked by the caller.
// Thread-safe.
Trajectory FusedRollout(const FusedEnsemble& ensemble,
                        const std::vector<int>& quaternion_offsets,
                        const Tensor& initial, const Tensor& actions,
                        const FusedCall& call);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_FUSED_ANSWERS_H_
