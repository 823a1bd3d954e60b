#ifndef WM_SIM_SCENE_LIBRARY_H_
#define WM_SIM_SCENE_LIBRARY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scene.h"
#include "wm/v1/scene.pb.h"

namespace wm::sim {

// The built-in scenes, compiled into the binary from configs/scenes/:
// slide, push, toss, double_pendulum.
std::vector<std::string> BuiltinSceneNames();

// The scene config for a built-in name, or for a path to a scene .pbtxt
// (anything ending in ".pbtxt" or containing '/'), with the MJCF inline
// (`mjcf_file` is read relative to the config's directory, then cleared).
// NOT_FOUND for an unknown name (listing the built-in ones) or a missing
// file; INVALID_ARGUMENT for a malformed config.
absl::StatusOr<v1::SceneConfig> LoadSceneConfig(
    const std::string& name_or_path);

// LoadSceneConfig, then Scene::Create.
absl::StatusOr<std::shared_ptr<const Scene>> LoadScene(
    const std::string& name_or_path);

}  // namespace wm::sim

#endif  // WM_SIM_SCENE_LIBRARY_H_
