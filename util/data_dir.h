#ifndef WM_UTIL_DATA_DIR_H_
#define WM_UTIL_DATA_DIR_H_

// Finding the real datasets (data/real/: cube_toss/, double_pendulum/) from
// a built or installed binary, so that `wm` runs from any directory.

#include <string>

#include "absl/status/statusor.h"

namespace wm {

// The name of the environment variable that points at another real-data
// directory.
inline constexpr char kRealDataDirVariable[] = "WM_REAL_DATA_DIR";

// The directory of the real datasets, looked for in this order:
//   1. $WM_REAL_DATA_DIR when set and not empty; then only there;
//   2. <directory of the running executable>/../../data/real: the
//      repository's data/real seen from a build tree's build/bin/;
//   3. <directory of the running executable>/../share/wm/data/real: an
//      installed data directory (<prefix>/bin/wm beside
//      <prefix>/share/wm/data/real).
// Returns the first that is a directory, as an absolute, lexically
// normalised path. NOT_FOUND naming every place looked at, in order, when
// none is. Reads the environment and /proc/self/exe; thread-safe as long as
// nothing changes the environment meanwhile.
absl::StatusOr<std::string> RealDataDir();

// RealDataDir's search with its inputs given: `override_dir` stands for
// $WM_REAL_DATA_DIR (empty: unset) and `executable` for the running
// binary's absolute path (empty: unknown, only the override is looked at).
// Same results and errors. Thread-safe.
absl::StatusOr<std::string> FindRealDataDir(const std::string& override_dir,
                                            const std::string& executable);

}  // namespace wm

#endif  // WM_UTIL_DATA_DIR_H_
