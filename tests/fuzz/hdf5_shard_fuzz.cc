// Fuzzes shard reading as wm reads datasets: any bytes as the one shard of
// a dataset whose manifest records the seed shard's SHA-256 (corpus/
// hdf5_shard/slide_2_episodes.shard), read back with Dataset::ReadShard.
// Every outcome must be a Status (DATA_LOSS for a corrupt file), never a
// crash. libhdf5 itself crashes on some corrupt files (known_crashes/
// hdf5_shard/): the digest check keeps such bytes from reaching it, and this
// harness is what shows that it does.

#include <cstddef>
#include <cstdint>
#include <string>

#include "datasets/dataset.h"
#include "datasets/hdf5_shard.h"
#include "tests/fuzz/fuzz_paths.h"
#include "util/file_util.h"
#include "util/sha256.h"
#include "util/text_proto.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/model.pb.h"

namespace {

constexpr char kSeedShard[] =
    "tests/fuzz/corpus/hdf5_shard/slide_2_episodes.shard";

// A dataset directory whose manifest lists the seed shard (its counts and
// digest; the slide scene's spec, dt and parameters). Aborts on a broken
// seed: the harness would fuzz nothing.
const std::string& DatasetDir() {
  static const std::string* dir = [] {
    auto* path = new std::string(wm::fuzz::ScratchDir() + "/dataset");
    const std::string seed = wm::fuzz::SourcePath(kSeedShard);
    auto bytes = wm::ReadFileToString(seed);
    auto shard = wm::datasets::ReadShardFile(seed);
    wm::v1::CheckpointManifest slide;
    if (!bytes.ok() || !shard.ok() || shard->episodes.empty() ||
        !wm::ReadTextProtoFile(
             wm::fuzz::SourcePath(
                 "tests/data/checkpoints/slide_blackbox/1/manifest.pbtxt"),
             &slide)
             .ok()) {
      std::abort();
    }
    wm::v1::DatasetManifest manifest;
    manifest.set_format_version(1);
    *manifest.mutable_spec() = slide.spec();
    manifest.set_dt(slide.dt());
    *manifest.mutable_parameters() = slide.parameters();
    wm::v1::ShardInfo* info = manifest.add_shards();
    info->set_file("shard_00000.h5");
    info->set_first_episode(shard->episodes.front().index);
    info->set_end_episode(shard->episodes.back().index + 1);
    info->set_num_episodes(static_cast<int64_t>(shard->episodes.size()));
    info->set_num_states(shard->num_states());
    info->set_num_actions(shard->num_actions());
    info->set_sha256(wm::Sha256Hex(*bytes));
    manifest.set_num_episodes(info->num_episodes());
    manifest.set_num_transitions(info->num_actions());
    std::filesystem::create_directories(*path);
    if (!wm::WriteTextProtoFile(*path + "/manifest.pbtxt", manifest).ok()) {
      std::abort();
    }
    return path;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& dir = DatasetDir();
  wm::fuzz::WriteScratchFile(dir + "/shard_00000.h5", data, size);
  auto dataset = wm::datasets::Dataset::Open(dir);
  if (dataset.ok()) (void)(*dataset)->ReadShard(0);
  return 0;
}
