#ifndef WM_DATASETS_NORMALIZER_H_
#define WM_DATASETS_NORMALIZER_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "wm/v1/dataset.pb.h"

namespace wm::datasets {

// The floor applied to every standard deviation, so constant entries do not
// divide by zero when z-scored.
inline constexpr double kMinNormalizationStd = 1e-6;

// Entries whose standard deviation is at most this never varied in the data
// (what is left is rounding): models z-score them by 1 instead and predict no
// change there, and scores leave them out.
inline constexpr double kConstantStd = 1e-5;

// Per-entry means and standard deviations over the episodes of `dataset`
// whose SplitOf(index, fractions) is kTrain, streamed one shard at a time
// (see NormalizationStats in dataset.proto):
//   state  [nq + nv]: over all T + 1 states of each episode; quaternion
//                     entries get mean 0, std 1 (never z-scored);
//   action [nu]:      over all T actions;
//   delta  [2 nv]:    over the T one-step tangent changes (TangentDelta);
//   param  [P]:       one sample per episode, finite values only; mean 0,
//                     std 1 for a parameter with no finite value.
// Population standard deviations (divide by n), accumulated in double with
// Welford's update, floored at kMinNormalizationStd. num_transitions = sum
// of T. FAILED_PRECONDITION when the training split has no episode;
// INVALID_ARGUMENT for bad fractions; shard read errors (DATA_LOSS) pass
// through. Thread-safe (reads only).
absl::StatusOr<v1::NormalizationStats> ComputeNormalization(
    const Dataset& dataset, const SplitFractions& fractions);

}  // namespace wm::datasets

#endif  // WM_DATASETS_NORMALIZER_H_
