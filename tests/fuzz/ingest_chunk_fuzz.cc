// Fuzzes the ingest service's chunk decoding and validation as Upload does
// them: the bytes are an EpisodeChunk in protobuf's binary encoding,
// checked by the push store's ChunkValidator (ids, scene, dt, StateSpec,
// sizes, params, then the importer's own checks: finite values, increasing
// time, unit quaternions; then the dt grid) as the first chunk of an
// episode and as a continuation. Every outcome must be a Status.

#include <cstddef>
#include <cstdint>

#include "services/ingest/chunk_validator.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "util/logging.h"
#include "wm/v1/ingest.pb.h"

namespace {

const wm::services::ChunkValidator& Validator() {
  static const wm::services::ChunkValidator* validator = [] {
    auto scene = wm::sim::LoadScene("push");
    CHECK(scene.ok());
    auto validator = wm::services::ChunkValidator::Create(
        wm::sim::ManifestForScene(**scene), 256, 100000);
    CHECK(validator.ok()) << validator.status();
    return new wm::services::ChunkValidator(*std::move(validator));
  }();
  return *validator;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wm::v1::EpisodeChunk chunk;
  if (!chunk.ParseFromArray(data, static_cast<int>(size))) return 0;
  wm::services::Refusal refusal;
  (void)Validator().Validate(chunk, {}, &refusal);
  wm::services::EpisodeCursor cursor;
  cursor.next_sequence = chunk.sequence();
  cursor.samples = 99990;
  cursor.last_time = chunk.times_size() > 0 ? chunk.times(0) - chunk.dt() : 0;
  (void)Validator().Validate(chunk, cursor, &refusal);
  return 0;
}
