#include "datasets/split.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/status_matchers.h"

namespace wm::datasets {
namespace {

using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr int kNumIndices = 10000;
constexpr double kFractionTolerance = 0.03;  // 3 percentage points

TEST(SplitTest, FractionsHoldWithinThreePointsOver10000Indices) {
  for (const SplitFractions& fractions :
       {SplitFractions(), SplitFractions{0.5, 0.25},
        SplitFractions{0.9, 0.0}}) {
    int counts[3] = {0, 0, 0};
    for (int64_t index = 0; index < kNumIndices; ++index) {
      ++counts[static_cast<int>(SplitOf(index, fractions))];
    }
    EXPECT_NEAR(counts[0] / double{kNumIndices}, fractions.train,
                kFractionTolerance);
    EXPECT_NEAR(counts[1] / double{kNumIndices}, fractions.validation,
                kFractionTolerance);
    EXPECT_NEAR(counts[2] / double{kNumIndices},
                1.0 - fractions.train - fractions.validation,
                kFractionTolerance);
  }
}

// The splits of the first 64 indices under the default fractions, one
// letter each: T(rain), V(alidation), E (test).
std::string SplitPattern() {
  std::string pattern;
  for (int64_t index = 0; index < 64; ++index) {
    pattern += "TVE"[static_cast<int>(SplitOf(index, SplitFractions()))];
  }
  return pattern;
}

TEST(SplitTest, DeterministicAndPinned) {
  EXPECT_EQ(SplitPattern(), SplitPattern());
  // Checkpoints record splits by this hash: it must never change.
  EXPECT_EQ(SplitPattern(),
            "VTTTTTTTTTTTTTTTTTTTTTTETTTTTTTVETTTETEVTTTTEETTTTTTETTTTTTTTTTT");
}

TEST(SplitTest, IndependentOfOtherIndicesAndOfLargeValues) {
  const SplitFractions fractions;
  const Split before = SplitOf(123456789012345, fractions);
  for (int64_t index = 0; index < 1000; ++index) SplitOf(index, fractions);
  EXPECT_EQ(SplitOf(123456789012345, fractions), before);
}

TEST(SplitTest, ExtremeFractions) {
  for (int64_t index = 0; index < 1000; ++index) {
    EXPECT_EQ(SplitOf(index, SplitFractions{1.0, 0.0}), Split::kTrain);
    EXPECT_EQ(SplitOf(index, SplitFractions{0.0, 1.0}), Split::kValidation);
    EXPECT_EQ(SplitOf(index, SplitFractions{0.0, 0.0}), Split::kTest);
  }
}

TEST(SplitTest, ValidatesFractions) {
  EXPECT_THAT(ValidateSplitFractions(SplitFractions()), IsOk());
  EXPECT_THAT(ValidateSplitFractions(SplitFractions{0.7, 0.4}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateSplitFractions(SplitFractions{-0.1, 0.1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SplitTest, NamesRoundTrip) {
  for (Split split : {Split::kTrain, Split::kValidation, Split::kTest}) {
    absl::StatusOr<Split> parsed = ParseSplit(SplitName(split));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, split);
  }
  EXPECT_STREQ(SplitName(Split::kValidation), "validation");
  EXPECT_THAT(ParseSplit("eval"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wm::datasets
