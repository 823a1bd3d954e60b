#include "util/data_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"

namespace wm {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

namespace fs = std::filesystem;

// An OK StatusOr<std::string> holding `path`.
MATCHER_P(IsOkAndHolds, path, "is OK and holds " + std::string(path)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "holds " << *arg;
  return *arg == path;
}

// Creates `dir` (and its parents) under `root`; returns its normalised path.
std::string MakeDir(const TempDir& root, const std::string& dir) {
  const fs::path path = fs::path(root.Join(dir)).lexically_normal();
  fs::create_directories(path);
  return path.string();
}

// `root`/`path`, lexically normalised.
std::string Normal(const TempDir& root, const std::string& path) {
  return fs::path(root.Join(path)).lexically_normal().string();
}

// An empty executable file at `root`/`file`; returns its path.
std::string MakeExecutable(const TempDir& root, const std::string& file) {
  const std::string path = root.Join(file);
  fs::create_directories(fs::path(path).parent_path());
  EXPECT_TRUE(WriteFileAtomically(path, "").ok());
  return path;
}

TEST(DataDirTest, FindsTheRepositoryDataFromABuildTree) {
  TempDir repo;
  const std::string real = MakeDir(repo, "data/real");
  const std::string wm = MakeExecutable(repo, "build/bin/wm");
  EXPECT_THAT(FindRealDataDir("", wm), IsOkAndHolds(real));
}

TEST(DataDirTest, FindsAnInstalledDataDirectory) {
  TempDir prefix;
  const std::string real = MakeDir(prefix, "share/wm/data/real");
  const std::string wm = MakeExecutable(prefix, "bin/wm");
  EXPECT_THAT(FindRealDataDir("", wm), IsOkAndHolds(real));
}

TEST(DataDirTest, PrefersTheBuildTreeOverAnInstalledCopy) {
  TempDir root;
  const std::string real = MakeDir(root, "data/real");
  MakeDir(root, "build/share/wm/data/real");
  const std::string wm = MakeExecutable(root, "build/bin/wm");
  EXPECT_THAT(FindRealDataDir("", wm), IsOkAndHolds(real));
}

TEST(DataDirTest, TheOverrideWinsAndMustBeADirectory) {
  TempDir root;
  MakeDir(root, "data/real");
  const std::string other = MakeDir(root, "elsewhere");
  const std::string wm = MakeExecutable(root, "build/bin/wm");
  EXPECT_THAT(FindRealDataDir(other + "/", wm), IsOkAndHolds(other));
  // A wrong override is an error, not a silent fallback to data/real.
  EXPECT_THAT(
      FindRealDataDir(root.Join("missing"), wm),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr("$WM_REAL_DATA_DIR"), HasSubstr("missing"),
                     HasSubstr("not a directory"))));
}

TEST(DataDirTest, NotFoundNamesEveryPlaceLookedAt) {
  TempDir root;
  const std::string wm = MakeExecutable(root, "opt/bin/wm");
  EXPECT_THAT(
      FindRealDataDir("", wm),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr("$WM_REAL_DATA_DIR is not set"),
                     HasSubstr(Normal(root, "data/real")),
                     HasSubstr(Normal(root, "opt/share/wm/data/real")))));
  EXPECT_THAT(FindRealDataDir("", ""),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("the executable's path is unknown")));
}

// RealDataDir reads $WM_REAL_DATA_DIR and this test binary's own path.
TEST(DataDirTest, RealDataDirReadsTheEnvironmentAndTheExecutable) {
  TempDir root;
  const std::string other = MakeDir(root, "real");
  ASSERT_EQ(setenv(kRealDataDirVariable, other.c_str(), 1), 0);
  EXPECT_THAT(RealDataDir(), IsOkAndHolds(other));
  ASSERT_EQ(unsetenv(kRealDataDirVariable), 0);
  std::error_code error;
  const std::string self = fs::read_symlink("/proc/self/exe", error).string();
  ASSERT_FALSE(error) << error.message();
  const absl::StatusOr<std::string> found = RealDataDir();
  const absl::StatusOr<std::string> expected = FindRealDataDir("", self);
  ASSERT_EQ(found.ok(), expected.ok()) << found.status();
  if (found.ok()) {
    EXPECT_EQ(*found, *expected);
  } else {
    EXPECT_EQ(found.status(), expected.status());
  }
}

}  // namespace
}  // namespace wm
