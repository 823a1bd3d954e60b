#ifndef WM_DATASETS_SPLIT_H_
#define WM_DATASETS_SPLIT_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wm::datasets {

// The three disjoint parts of a dataset. `wm eval` scores kTest only.
enum class Split { kTrain, kValidation, kTest };

// Target fractions of episodes per split; test gets the rest,
// 1 - train - validation.
struct SplitFractions {
  double train = 0.8;
  double validation = 0.1;
};

// OK when both fractions are finite, >= 0 and sum to at most 1;
// INVALID_ARGUMENT naming the bad value otherwise.
absl::Status ValidateSplitFractions(const SplitFractions& fractions);

// The split of the episode with this global index: a SplitMix64 hash of the
// index mapped to u in [0, 1); train when u < train, validation when u <
// train + validation, test otherwise. Deterministic, independent of the
// dataset's size and of other episodes, so adding episodes never moves one.
// `fractions` should pass ValidateSplitFractions(). Thread-safe.
Split SplitOf(int64_t episode_index, const SplitFractions& fractions);

// "train", "validation" or "test".
const char* SplitName(Split split);

// The inverse of SplitName; INVALID_ARGUMENT for any other name.
absl::StatusOr<Split> ParseSplit(std::string_view name);

}  // namespace wm::datasets

#endif  // WM_DATASETS_SPLIT_H_
