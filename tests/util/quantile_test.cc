#include "util/quantile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace wm {
namespace {

constexpr double kTolerance = 1e-12;

TEST(QuantileTest, InterpolatesLikeNumpy) {
  EXPECT_DOUBLE_EQ(Quantile({3, 1, 2}, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 0.5), 2.5);
  // numpy.quantile(range(1, 11), 0.9) = 9.1
  EXPECT_NEAR(Quantile({10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 0.9), 9.1, kTolerance);
  EXPECT_DOUBLE_EQ(Quantile({5}, 0.9), 5.0);
}

TEST(QuantileTest, EndsAreTheExtremesAndOutOfRangeQIsClamped) {
  EXPECT_DOUBLE_EQ(Quantile({4, -1, 7}, 0.0), -1.0);
  EXPECT_DOUBLE_EQ(Quantile({4, -1, 7}, 1.0), 7.0);
  EXPECT_DOUBLE_EQ(Quantile({4, -1, 7}, 1.5), 7.0);
  EXPECT_DOUBLE_EQ(Quantile({4, -1, 7}, -0.5), -1.0);
}

TEST(QuantileTest, NoValuesIsNan) {
  EXPECT_TRUE(std::isnan(Quantile({}, 0.5)));
}

}  // namespace
}  // namespace wm
