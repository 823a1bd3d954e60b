#include "util/text_proto.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "wm/v1/state_spec.pb.h"

namespace wm {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(TextProtoTest, ParsesAndRoundTripsThroughAFile) {
  v1::StateSpec spec;
  ASSERT_THAT(ParseTextProto("nq: 7 nv: 6 joints { name: 'box' type: FREE }",
                             "inline", &spec),
              IsOk());
  EXPECT_EQ(spec.nq(), 7);
  EXPECT_EQ(spec.joints(0).type(), v1::Joint::FREE);

  testing::TempDir dir;
  ASSERT_THAT(WriteTextProtoFile(dir.Join("spec.pbtxt"), spec), IsOk());
  v1::StateSpec read;
  ASSERT_THAT(ReadTextProtoFile(dir.Join("spec.pbtxt"), &read), IsOk());
  EXPECT_EQ(read.SerializeAsString(), spec.SerializeAsString());
}

TEST(TextProtoTest, ErrorNamesSourceLineAndField) {
  v1::StateSpec spec;
  EXPECT_THAT(
      ParseTextProto("nq: 7\nnv: 6\nbogus: 1\n", "scene.pbtxt", &spec),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(HasSubstr("scene.pbtxt"), HasSubstr("line 3"),
                                HasSubstr("bogus"))));
}

TEST(TextProtoTest, MissingFileIsNotFound) {
  v1::StateSpec spec;
  EXPECT_THAT(ReadTextProtoFile("/nonexistent/x.pbtxt", &spec),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace wm
