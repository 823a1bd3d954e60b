#ifndef WM_WORLDMODEL_PLANNING_TASK_LIBRARY_H_
#define WM_WORLDMODEL_PLANNING_TASK_LIBRARY_H_

// The built-in planning tasks (configs/tasks/*.pbtxt, compiled in so that
// `wm plan` runs from any directory) and user task files.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "wm/v1/planning.pb.h"

namespace wm::worldmodel {

// The built-in task names, sorted (configs/tasks/<name>.pbtxt).
std::vector<std::string> BuiltinTaskNames();

// The task config of a built-in name, or of a path to a task .pbtxt
// (anything ending in ".pbtxt" or containing '/'). NOT_FOUND for an unknown
// name (listing the built-in ones) or a missing file; INVALID_ARGUMENT for
// a malformed config (naming the file or built-in).
absl::StatusOr<v1::TaskConfig> LoadTaskConfig(const std::string& name_or_path);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_PLANNING_TASK_LIBRARY_H_
