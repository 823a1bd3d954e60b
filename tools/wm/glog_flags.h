#ifndef WM_TOOLS_WM_GLOG_FLAGS_H_
#define WM_TOOLS_WM_GLOG_FLAGS_H_

// glog's own command-line flags (--v, --vmodule, --log_dir, --logtostderr,
// --alsologtostderr, --minloglevel, --stderrthreshold), accepted by every
// `wm` subcommand. absl's flag parser does not know them, so `wm` applies
// them to glog itself before parsing the rest.

#include <string>

#include "absl/status/status.h"

namespace wm::tools {

// Whether `name` (a flag name without dashes or value) is one of glog's.
bool IsGlogFlag(const std::string& name);

// Applies the glog flag at argv[*index] ("--name=value", "--name value" for
// a non-boolean flag, whose value then is argv[*index + 1] and *index
// advances past it, or "--name" / "--noname" for a boolean). --log_dir also
// turns logging to stderr off, so that logs go to files there.
// INVALID_ARGUMENT naming the flag for a missing or malformed value.
absl::Status ApplyGlogFlag(int argc, char** argv, int* index);

}  // namespace wm::tools

#endif  // WM_TOOLS_WM_GLOG_FLAGS_H_
