// Fuzzes MJCF scene loading: any bytes as a scene's inline MJCF, compiled by
// sim::Scene::Create (MuJoCo's XML parser and compiler behind our error
// handler). Every outcome must be a Status.

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/scene.h"
#include "wm/v1/scene.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wm::v1::SceneConfig config;
  config.set_name("fuzz");
  config.set_mjcf(std::string(reinterpret_cast<const char*>(data), size));
  config.set_frame_skip(1);
  (void)wm::sim::Scene::Create(config);
  return 0;
}
