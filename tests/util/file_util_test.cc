#include "util/file_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace wm {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

TEST(FileUtilTest, WriteThenReadRoundTripsBytes) {
  TempDir dir;
  const std::string path = dir.Join("a.bin");
  const std::string contents("one\0two\nthree", 13);
  ASSERT_THAT(WriteFileAtomically(path, contents), IsOk());
  absl::StatusOr<std::string> read = ReadFileToString(path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, contents);
}

TEST(FileUtilTest, OverwriteReplacesAndLeavesNoTemporaryFiles) {
  TempDir dir;
  const std::string path = dir.Join("config.pbtxt");
  ASSERT_THAT(WriteFileAtomically(path, "old contents that are longer"),
              IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "new"), IsOk());
  EXPECT_EQ(*ReadFileToString(path), "new");
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(FileUtilTest, MissingDirectoryIsNotFoundAndNamesThePath) {
  TempDir dir;
  const std::string path = dir.Join("no/such/dir/file");
  EXPECT_THAT(WriteFileAtomically(path, "x"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no/such/dir")));
  EXPECT_THAT(ReadFileToString(dir.Join("absent")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent")));
}

TEST(FileUtilTest, RenameOntoNonEmptyDirectoryFails) {
  TempDir dir;
  ASSERT_EQ(mkdir(dir.Join("from").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(dir.Join("to").c_str(), 0755), 0);
  ASSERT_THAT(WriteFileAtomically(dir.Join("to/x"), "x"), IsOk());
  EXPECT_THAT(RenamePath(dir.Join("from"), dir.Join("to")),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("to")));
  EXPECT_THAT(RenamePath(dir.Join("from"), dir.Join("fresh")), IsOk());
  EXPECT_TRUE(std::filesystem::is_directory(dir.Join("fresh")));
}

TEST(FileUtilTest, TemporarySiblingPathsAreDistinct) {
  EXPECT_NE(TemporarySiblingPath("/x/y"), TemporarySiblingPath("/x/y"));
  EXPECT_THAT(TemporarySiblingPath("/x/y"), HasSubstr("/x/y.tmp."));
}

}  // namespace
}  // namespace wm
