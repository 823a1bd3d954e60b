// Fuzzes the checkpoint loader: any bytes as the weights.pt of a version
// whose manifest is the checked-in slide blackbox's, loaded through the
// model factory as `wm serve` and `wm eval` load it (manifest, module
// rebuilt, weights parsed and shape-checked). Every outcome must be a Status
// (DATA_LOSS for a corrupt file), never a crash.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/fuzz/fuzz_paths.h"
#include "util/logging.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace {

// The version directory, its manifest in place.
const std::string& VersionDir() {
  static const std::string* dir = [] {
    auto* path = new std::string(wm::fuzz::ScratchDir() + "/slide/1");
    std::filesystem::create_directories(*path);
    std::filesystem::copy_file(
        wm::fuzz::SourcePath(
            "tests/data/checkpoints/slide_blackbox/1/manifest.pbtxt"),
        *path + "/manifest.pbtxt",
        std::filesystem::copy_options::overwrite_existing);
    return path;
  }();
  return *dir;
}

const wm::worldmodel::ModelFactory& Factory() {
  static const wm::worldmodel::ModelFactory* factory = [] {
    auto* f = new wm::worldmodel::ModelFactory();
    wm::worldmodel::RegisterLearnedModels(f);
    return f;
  }();
  return *factory;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& dir = VersionDir();
  wm::fuzz::WriteScratchFile(dir + "/weights.pt", data, size);
  (void)Factory().Load(dir);
  return 0;
}
