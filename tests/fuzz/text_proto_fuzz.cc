// Fuzzes the text-proto configs: the first byte picks the message (scene,
// import, serve, train, sysid, gen, eval, task, planner), the rest is parsed
// by ParseTextProto, and what parses is checked the way its command checks
// it (server defaults and exposure, an import config against the toss
// scene's spec, a task and planner against the slide scene's). Every
// outcome must be a Status.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "datasets/real/log_importer.h"
#include "services/world_model_server.h"
#include "sim/scene.h"
#include "sim/scene_library.h"
#include "util/logging.h"
#include "util/text_proto.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/import.pb.h"
#include "wm/v1/model.pb.h"
#include "wm/v1/planning.pb.h"
#include "wm/v1/scene.pb.h"
#include "wm/v1/server.pb.h"
#include "wm/v1/sysid.pb.h"
#include "worldmodel/planning/sampling_planner.h"

namespace {

const wm::v1::StateSpec& SceneSpec(const char* name) {
  auto config = wm::sim::LoadSceneConfig(name);
  CHECK(config.ok());
  auto scene = wm::sim::Scene::Create(*config);
  CHECK(scene.ok());
  return *new wm::v1::StateSpec((*scene)->spec());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const wm::v1::StateSpec& slide = SceneSpec("slide");
  static const wm::v1::StateSpec& toss = SceneSpec("toss");
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0: {
      wm::v1::SceneConfig scene;
      if (wm::ParseTextProto(text, "fuzz", &scene).ok() &&
          !scene.mjcf().empty()) {
        (void)wm::sim::Scene::Create(scene);
      }
      break;
    }
    case 1: {
      wm::v1::ImportConfig config;
      if (wm::ParseTextProto(text, "fuzz", &config).ok()) {
        (void)wm::datasets::LogImporter::Create(config, toss);
      }
      break;
    }
    case 2: {
      wm::v1::ServerConfig config;
      if (wm::ParseTextProto(text, "fuzz", &config).ok()) {
        (void)wm::services::CheckExposure(
            wm::services::WithServerDefaults(config), false);
      }
      break;
    }
    case 3: {
      wm::v1::TrainingConfig config;
      (void)wm::ParseTextProto(text, "fuzz", &config);
      break;
    }
    case 4: {
      wm::v1::SysidConfig config;
      (void)wm::ParseTextProto(text, "fuzz", &config);
      break;
    }
    case 5: {
      wm::v1::GenerationConfig config;
      (void)wm::ParseTextProto(text, "fuzz", &config);
      break;
    }
    case 6: {
      wm::v1::EvalConfig config;
      (void)wm::ParseTextProto(text, "fuzz", &config);
      break;
    }
    case 7: {
      wm::v1::TaskConfig task;
      if (wm::ParseTextProto(text, "fuzz", &task).ok()) {
        (void)wm::worldmodel::SamplingPlanner::Create({}, task, slide);
      }
      break;
    }
    default: {
      wm::v1::PlannerConfig planner;
      if (wm::ParseTextProto(text, "fuzz", &planner).ok()) {
        wm::v1::TaskConfig task;
        task.add_position_joints("box_x");
        task.add_position_joints("box_y");
        (void)wm::worldmodel::SamplingPlanner::Create(planner, task, slide);
      }
    }
  }
  return 0;
}
