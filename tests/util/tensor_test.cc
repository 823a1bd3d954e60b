#include "util/tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/testing/status_matchers.h"

namespace wm {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(TensorTest, FilledHasShapeAndValues) {
  Tensor tensor = Tensor::Filled({2, 3}, 1.5f);
  EXPECT_EQ(tensor.NumElements(), 6);
  EXPECT_EQ(tensor.rank(), 2);
  EXPECT_EQ(tensor.data, std::vector<float>(6, 1.5f));
  EXPECT_EQ(tensor.ShapeString(), "[2, 3]");
}

TEST(TensorTest, ScalarHasOneElement) {
  EXPECT_EQ(Tensor::Filled({}).NumElements(), 1);
}

TEST(TensorTest, InconsistentShapeNamesTheField) {
  Tensor tensor{{2, 3}, {1, 2, 3}};
  EXPECT_THAT(tensor.CheckConsistent("states"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("states: shape [2, 3] needs 6 values but 3")));
  EXPECT_THAT(Tensor::Filled({2, 3}).CheckConsistent("states"), IsOk());
}

TEST(TensorTest, NegativeDimensionIsRejected) {
  Tensor tensor{{-1}, {}};
  EXPECT_THAT(tensor.CheckConsistent("actions"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("negative dimension")));
}

TEST(TensorTest, NonFiniteValueIsReportedWithIndex) {
  Tensor tensor = Tensor::Filled({4});
  tensor.at(2) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(
      tensor.CheckFinite("actions"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("flat index 2")));
  tensor.at(2) = std::numeric_limits<float>::infinity();
  EXPECT_THAT(tensor.CheckFinite("actions"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  tensor.at(2) = 0.0f;
  EXPECT_THAT(tensor.CheckFinite("actions"), IsOk());
}

TEST(TensorDeathTest, OutOfBoundsIndexChecks) {
  Tensor tensor = Tensor::Filled({2});
  EXPECT_DEATH(tensor.at(2), "outside a tensor of 2");
}

}  // namespace
}  // namespace wm
