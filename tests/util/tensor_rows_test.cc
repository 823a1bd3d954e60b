#include "util/tensor_rows.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm {
namespace {

using ::testing::ElementsAre;

TEST(TensorRowsTest, ConcatRepeatsSharedRowsAndKeepsOrder) {
  const Tensor shared{{1, 2}, {7, 8}};
  const Tensor own{{2, 2}, {1, 2, 3, 4}};
  Tensor merged = ConcatRows({&own, &shared}, {2, 3});
  EXPECT_THAT(merged.shape, ElementsAre(5, 2));
  EXPECT_THAT(merged.data, ElementsAre(1, 2, 3, 4, 7, 8, 7, 8, 7, 8));
}

TEST(TensorRowsTest, SliceTakesRowsAlongEitherLeadingDimension) {
  const Tensor batch{{3, 2}, {1, 2, 3, 4, 5, 6}};
  EXPECT_THAT(SliceRows(batch, 0, 1, 2).data, ElementsAre(3, 4, 5, 6));
  // Per-member answers [K=2, B=3, 1]: rows 1..2 of each member.
  const Tensor members{{2, 3, 1}, {1, 2, 3, 4, 5, 6}};
  Tensor slice = SliceRows(members, 1, 1, 2);
  EXPECT_THAT(slice.shape, ElementsAre(2, 2, 1));
  EXPECT_THAT(slice.data, ElementsAre(2, 3, 5, 6));
}

}  // namespace
}  // namespace wm
