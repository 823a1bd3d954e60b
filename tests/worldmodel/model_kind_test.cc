#include "worldmodel/model_kind.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// The enum's names are the ones checkpoints store, and parse back.
TEST(ModelKindTest, NamesAreTheCheckpointNamesAndParseBack) {
  EXPECT_STREQ(ModelKindName(ModelKind::kMujoco), "mujoco");
  EXPECT_STREQ(ModelKindName(ModelKind::kPhysics), "physics");
  EXPECT_STREQ(ModelKindName(ModelKind::kBlackbox), "blackbox");
  EXPECT_STREQ(ModelKindName(ModelKind::kHybrid), "hybrid");
  EXPECT_STREQ(ModelKindName(ModelKind::kContact), "contact");
  for (ModelKind kind :
       {ModelKind::kMujoco, ModelKind::kPhysics, ModelKind::kBlackbox,
        ModelKind::kHybrid, ModelKind::kContact}) {
    absl::StatusOr<ModelKind> parsed = ParseModelKind(ModelKindName(kind));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_FALSE(IsLearnedKind(ModelKind::kMujoco));
  EXPECT_TRUE(IsLearnedKind(ModelKind::kHybrid));
  EXPECT_FALSE(IsLearnedKind(ModelKind::kContact));
  EXPECT_THAT(ParseModelKind("Physics"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown kind 'Physics' (mujoco, physics, "
                                 "blackbox, hybrid or contact)")));
}

}  // namespace
}  // namespace wm::worldmodel
