#include "util/status_macros.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "tests/testing/status_matchers.h"

namespace wm {
namespace {

using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

absl::Status FailIf(bool fail) {
  return fail ? absl::NotFoundError("missing") : absl::OkStatus();
}

absl::Status Chain(bool fail, int* reached) {
  WM_RETURN_IF_ERROR(FailIf(fail));
  *reached = 1;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<int>> MakeValue(bool fail) {
  if (fail) return absl::DataLossError("truncated");
  return std::make_unique<int>(7);
}

absl::StatusOr<int> UseValue(bool fail) {
  WM_ASSIGN_OR_RETURN(std::unique_ptr<int> value, MakeValue(fail));
  WM_ASSIGN_OR_RETURN(auto again, MakeValue(false));  // two on nearby lines
  return *value + *again;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstError) {
  int reached = 0;
  EXPECT_THAT(Chain(true, &reached), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(reached, 0);
  EXPECT_THAT(Chain(false, &reached), IsOk());
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, AssignOrReturnMovesValuesAndPropagatesErrors) {
  absl::StatusOr<int> ok = UseValue(false);
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(*ok, 14);
  EXPECT_THAT(UseValue(true), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(StatusMatchersTest, MatchersDescribeMismatches) {
  EXPECT_THAT(absl::InternalError("x"),
              ::testing::Not(StatusIs(absl::StatusCode::kNotFound)));
  EXPECT_THAT(absl::InternalError("x"), ::testing::Not(IsOk()));
  EXPECT_THAT(absl::StatusOr<int>(3), IsOk());
}

}  // namespace
}  // namespace wm
