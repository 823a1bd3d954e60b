#include "sim/scene_library.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::sim {

// Generated from configs/scenes/ (cmake/EmbedFiles.cmake).
const std::map<std::string, std::string>& BuiltinSceneFiles();

std::vector<std::string> BuiltinSceneNames() {
  return {"slide", "push", "toss", "double_pendulum"};
}

absl::StatusOr<v1::SceneConfig> LoadSceneConfig(
    const std::string& name_or_path) {
  v1::SceneConfig config;
  const bool is_path = absl::EndsWith(name_or_path, ".pbtxt") ||
                       absl::StrContains(name_or_path, "/");
  if (is_path) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(name_or_path, &config));
    if (!config.mjcf().empty() && !config.mjcf_file().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name_or_path, ": set only one of mjcf and mjcf_file"));
    }
    if (!config.mjcf_file().empty()) {
      const size_t slash = name_or_path.rfind('/');
      const std::string directory =
          slash == std::string::npos ? "." : name_or_path.substr(0, slash);
      const std::string mjcf_path =
          absl::StartsWith(config.mjcf_file(), "/")
              ? config.mjcf_file()
              : absl::StrCat(directory, "/", config.mjcf_file());
      WM_ASSIGN_OR_RETURN(std::string mjcf, ReadFileToString(mjcf_path));
      config.set_mjcf(std::move(mjcf));
    }
  } else {
    const auto& files = BuiltinSceneFiles();
    auto found = files.find(name_or_path + ".pbtxt");
    if (found == files.end()) {
      return absl::NotFoundError(absl::StrCat(
          "unknown scene '", name_or_path,
          "' (built-in scenes: ", absl::StrJoin(BuiltinSceneNames(), ", "),
          "; or give a path to a scene .pbtxt)"));
    }
    WM_RETURN_IF_ERROR(ParseTextProto(
        found->second, absl::StrCat("configs/scenes/", found->first), &config));
    if (!config.mjcf_file().empty()) {
      auto mjcf = files.find(config.mjcf_file());
      if (mjcf == files.end()) {
        return absl::InternalError(
            absl::StrCat("built-in scene '", name_or_path,
                         "' names missing MJCF ", config.mjcf_file()));
      }
      config.set_mjcf(mjcf->second);
    }
  }
  config.clear_mjcf_file();
  if (config.name().empty()) config.set_name(name_or_path);
  return config;
}

absl::StatusOr<std::shared_ptr<const Scene>> LoadScene(
    const std::string& name_or_path) {
  WM_ASSIGN_OR_RETURN(v1::SceneConfig config, LoadSceneConfig(name_or_path));
  return Scene::Create(config);
}

}  // namespace wm::sim
