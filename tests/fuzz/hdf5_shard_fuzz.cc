// Fuzzes the HDF5 shard reader: any bytes as a shard file, read back with
// ReadShardFile. Every outcome must be a Status (DATA_LOSS for a corrupt
// file), never a crash or an HDF5 abort.

#include <cstddef>
#include <cstdint>
#include <string>

#include "datasets/hdf5_shard.h"
#include "tests/fuzz/fuzz_paths.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = wm::fuzz::ScratchDir() + "/shard_00000.h5";
  wm::fuzz::WriteScratchFile(path, data, size);
  (void)wm::datasets::ReadShardFile(path);
  return 0;
}
