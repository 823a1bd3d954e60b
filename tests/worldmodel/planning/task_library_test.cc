#include "worldmodel/planning/task_library.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"

namespace wm::worldmodel {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(TaskLibraryTest, BuiltinTaskLoadsFromAnyDirectory) {
  EXPECT_THAT(BuiltinTaskNames(), Contains("push_to_goal"));
  absl::StatusOr<v1::TaskConfig> task = LoadTaskConfig("push_to_goal");
  ASSERT_THAT(task, IsOk());
  EXPECT_EQ(task->name(), "push_to_goal");
  EXPECT_EQ(task->free_joint(), "box");
}

TEST(TaskLibraryTest, FilesLoadAndErrorsNameTheTask) {
  ::wm::testing::TempDir temp;
  const std::string path = temp.Join("mine.pbtxt");
  ASSERT_THAT(WriteFileAtomically(path, "name: \"mine\" free_joint: \"box\""),
              IsOk());
  absl::StatusOr<v1::TaskConfig> task = LoadTaskConfig(path);
  ASSERT_THAT(task, IsOk());
  EXPECT_EQ(task->name(), "mine");
  EXPECT_THAT(LoadTaskConfig("push_to_moon"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("built-in: push_to_goal")));
  EXPECT_THAT(LoadTaskConfig(temp.Join("missing.pbtxt")),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(WriteFileAtomically(path, "bogus_field: 1"), IsOk());
  EXPECT_THAT(LoadTaskConfig(path),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
}

}  // namespace
}  // namespace wm::worldmodel
