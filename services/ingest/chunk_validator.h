#ifndef WM_SERVICES_INGEST_CHUNK_VALIDATOR_H_
#define WM_SERVICES_INGEST_CHUNK_VALIDATOR_H_

// Checks one EpisodeChunk against the store it is for, as `wm import`
// checks a log: the importer's own mapping and validation
// (datasets::LogImporter::Map: finite values, strictly increasing time,
// unit quaternions) run on the chunk's samples, beside the checks that only
// a stream has (ids, scene, dt, StateSpec, sizes, the dt grid across
// chunks). docs/fleet.md lists every check.

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "datasets/real/log_importer.h"
#include "datasets/real/resampler.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/ingest.pb.h"

namespace wm::services {

// Where an episode stands before its next chunk.
struct EpisodeCursor {
  int64_t next_sequence = 0;
  int64_t samples = 0;  // samples stored so far
  double last_time = std::numeric_limits<double>::quiet_NaN();
};

// Why a chunk was refused, as a short label (the Prometheus counter's
// `reason`): "ids", "scene", "dt", "spec", "sizes", "params", "too_long",
// "not_finite", "time", "quaternion".
struct Refusal {
  std::string reason;
};

class ChunkValidator {
 public:
  // For a store described by `manifest` (its spec, dt, parameters and
  // scene name). INVALID_ARGUMENT when the manifest has no dt or a spec the
  // importer cannot map (LogImporter::Create).
  static absl::StatusOr<ChunkValidator> Create(
      const v1::DatasetManifest& manifest, int max_chunk_samples,
      int64_t max_episode_samples);

  // Checks `chunk` (its sequence already matched to `cursor` by the
  // caller) and returns its samples as the importer maps them (quaternions
  // renormalised within tolerance). INVALID_ARGUMENT whose message starts
  // "robot R episode E chunk K" and names the field, sample and check;
  // `refusal` (optional) receives the reason label. Thread-safe.
  absl::StatusOr<datasets::RawTrajectory> Validate(
      const v1::EpisodeChunk& chunk, const EpisodeCursor& cursor,
      Refusal* refusal) const;

  // OK when `id` is 1..max_length characters of [A-Za-z0-9._-].
  static bool IsValidId(const std::string& id, size_t max_length);

  const v1::DatasetManifest& manifest() const { return manifest_; }

 private:
  ChunkValidator(v1::DatasetManifest manifest, datasets::LogImporter importer,
                 int max_chunk_samples, int64_t max_episode_samples);

  // The chunk's own fields against the store (ids, scene, dt, spec,
  // sizes, params); "" when fine, else the message and `reason`.
  std::string CheckShape(const v1::EpisodeChunk& chunk,
                         const EpisodeCursor& cursor,
                         std::string* reason) const;
  // Consecutive times dt apart, also from the cursor's last time.
  std::string CheckTimeGrid(const datasets::RawTrajectory& samples,
                            const EpisodeCursor& cursor) const;

  v1::DatasetManifest manifest_;
  datasets::LogImporter importer_;
  // The CSV header the importer's config maps: one column per state and
  // action entry, named as the shards label them.
  std::vector<std::string> header_;
  int max_chunk_samples_;
  int64_t max_episode_samples_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_INGEST_CHUNK_VALIDATOR_H_
