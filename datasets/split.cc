#include "datasets/split.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace wm::datasets {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): one step from state `x`, i.e. the
// golden-ratio increment followed by its finaliser.
uint64_t SplitMix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

absl::Status ValidateSplitFractions(const SplitFractions& fractions) {
  for (const auto& [name, value] :
       {std::pair<const char*, double>{"train", fractions.train},
        std::pair<const char*, double>{"validation", fractions.validation}}) {
    if (!std::isfinite(value) || value < 0.0 || value > 1.0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "split fraction ", name, " must lie in [0, 1], got ", value));
    }
  }
  if (fractions.train + fractions.validation > 1.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("split fractions train ", fractions.train,
                     " + validation ", fractions.validation, " exceed 1"));
  }
  return absl::OkStatus();
}

Split SplitOf(int64_t episode_index, const SplitFractions& fractions) {
  // The top 53 bits as a double in [0, 1).
  const double u = static_cast<double>(
                       SplitMix64(static_cast<uint64_t>(episode_index)) >> 11) *
                   0x1.0p-53;
  if (u < fractions.train) return Split::kTrain;
  if (u < fractions.train + fractions.validation) return Split::kValidation;
  return Split::kTest;
}

const char* SplitName(Split split) {
  switch (split) {
    case Split::kTrain:
      return "train";
    case Split::kValidation:
      return "validation";
    case Split::kTest:
      return "test";
  }
  return "unknown";
}

absl::StatusOr<Split> ParseSplit(std::string_view name) {
  for (Split split : {Split::kTrain, Split::kValidation, Split::kTest}) {
    if (name == SplitName(split)) return split;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown split '", std::string(name),
                   "'; expected train, validation or test"));
}

}  // namespace wm::datasets
