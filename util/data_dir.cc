#include "util/data_dir.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace wm {
namespace {

namespace fs = std::filesystem;

// `path` made absolute (against the working directory) and normalised,
// without a trailing slash.
std::string Normalised(const fs::path& path) {
  std::error_code error;
  fs::path normal = fs::absolute(path, error);
  if (error) normal = path;
  normal = normal.lexically_normal();
  if (!normal.has_filename() && normal != normal.root_path()) {
    normal = normal.parent_path();
  }
  return normal.string();
}

bool IsDirectory(const std::string& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

}  // namespace

absl::StatusOr<std::string> FindRealDataDir(const std::string& override_dir,
                                            const std::string& executable) {
  if (!override_dir.empty()) {
    const std::string dir = Normalised(override_dir);
    if (IsDirectory(dir)) return dir;
    return absl::NotFoundError(
        absl::StrCat("real data: $", kRealDataDirVariable, " names ",
                     override_dir, ", which is not a directory"));
  }
  std::vector<std::string> looked;
  if (!executable.empty()) {
    const fs::path bin = fs::path(executable).parent_path();
    for (const fs::path& candidate :
         {bin / ".." / ".." / "data" / "real",
          bin / ".." / "share" / "wm" / "data" / "real"}) {
      const std::string dir = Normalised(candidate);
      if (IsDirectory(dir)) return dir;
      looked.push_back(dir);
    }
  }
  const std::string why =
      looked.empty() ? "the executable's path is unknown"
                     : absl::StrCat("neither ", absl::StrJoin(looked, " nor "),
                                    " is a directory");
  return absl::NotFoundError(absl::StrCat(
      "real data not found: $", kRealDataDirVariable, " is not set and ", why,
      " (set $", kRealDataDirVariable,
      " to the directory holding cube_toss/ and double_pendulum/)"));
}

absl::StatusOr<std::string> RealDataDir() {
  const char* override_dir = std::getenv(kRealDataDirVariable);
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  return FindRealDataDir(override_dir == nullptr ? "" : override_dir,
                         error ? "" : executable.string());
}

}  // namespace wm
