// Fuzzes the CSV log importer: ParseCsvLog on any bytes, then what parses is
// mapped, validated and resampled onto the toss scene's StateSpec with the
// cube_toss import config (LogImporter). Every outcome must be a Status.

#include <cstddef>
#include <cstdint>
#include <string>

#include "datasets/real/csv_log.h"
#include "datasets/real/log_importer.h"
#include "sim/scene.h"
#include "sim/scene_library.h"
#include "tests/fuzz/fuzz_paths.h"
#include "util/logging.h"
#include "util/text_proto.h"

namespace {

const wm::datasets::LogImporter& Importer() {
  static const wm::datasets::LogImporter* importer = [] {
    wm::v1::ImportConfig config;
    CHECK(wm::ReadTextProtoFile(
              wm::fuzz::SourcePath("configs/import/cube_toss.pbtxt"), &config)
              .ok());
    auto scene_config = wm::sim::LoadSceneConfig("toss");
    CHECK(scene_config.ok());
    auto scene = wm::sim::Scene::Create(*scene_config);
    CHECK(scene.ok());
    if (config.dt() == 0) config.set_dt((*scene)->dt());
    auto importer = wm::datasets::LogImporter::Create(config, (*scene)->spec());
    CHECK(importer.ok()) << importer.status();
    return new wm::datasets::LogImporter(*std::move(importer));
  }();
  return *importer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& importer = Importer();
  auto log = wm::datasets::ParseCsvLog(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
  if (log.ok()) (void)importer.Import(*log);
  return 0;
}
