#include "worldmodel/planning/task_library.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::worldmodel {

// Generated from configs/tasks/ by cmake/EmbedFiles.cmake.
const std::map<std::string, std::string>& BuiltinTaskFiles();

std::vector<std::string> BuiltinTaskNames() {
  std::vector<std::string> names;
  for (const auto& [file, text] : BuiltinTaskFiles()) {
    if (absl::EndsWith(file, ".pbtxt")) {
      names.push_back(file.substr(0, file.size() - 6));
    }
  }
  return names;
}

absl::StatusOr<v1::TaskConfig> LoadTaskConfig(const std::string& name_or_path) {
  v1::TaskConfig task;
  if (absl::EndsWith(name_or_path, ".pbtxt") ||
      absl::StrContains(name_or_path, '/')) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(name_or_path, &task));
    return task;
  }
  const auto& files = BuiltinTaskFiles();
  auto found = files.find(name_or_path + ".pbtxt");
  if (found == files.end()) {
    return absl::NotFoundError(
        absl::StrCat("task '", name_or_path, "' is not built in (built-in: ",
                     absl::StrJoin(BuiltinTaskNames(), ", "),
                     "); give a path to a task .pbtxt for your own"));
  }
  WM_RETURN_IF_ERROR(ParseTextProto(
      found->second, absl::StrCat("built-in task ", name_or_path), &task));
  return task;
}

}  // namespace wm::worldmodel
