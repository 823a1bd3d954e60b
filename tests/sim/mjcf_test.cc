#include "sim/mjcf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(MjcfTest, CompilesValidMjcf) {
  auto model = CompileMjcf(
      "<mujoco><worldbody><body><freejoint/><geom size='0.1'/></body>"
      "</worldbody></mujoco>",
      "inline");
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ((*model)->nq, 7);
  EXPECT_EQ((*model)->nv, 6);
  ModelPtr copy = CopyModel(**model);
  EXPECT_EQ(copy->nq, 7);
}

TEST(MjcfTest, MalformedXmlNamesSourceAndLine) {
  auto model =
      CompileMjcf("<mujoco>\n<worldbody>\n<body>\n</mujoco>", "scene 'broken'");
  EXPECT_THAT(model, StatusIs(absl::StatusCode::kInvalidArgument,
                              ::testing::AllOf(HasSubstr("scene 'broken'"),
                                               HasSubstr("Line number=3"))));
}

TEST(MjcfTest, UnknownAttributeIsReportedByMujoco) {
  auto model = CompileMjcf(
      "<mujoco><worldbody><geom size='0.1' bogus='1'/></worldbody></mujoco>",
      "inline");
  EXPECT_THAT(model,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bogus")));
}

}  // namespace
}  // namespace wm::sim
