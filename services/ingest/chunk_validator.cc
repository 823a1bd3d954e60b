#include "services/ingest/chunk_validator.h"

#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/real/csv_log.h"
#include "datasets/shard_labels.h"
#include "google/protobuf/util/message_differencer.h"
#include "util/status_macros.h"

namespace wm::services {
namespace {

// An import config that maps columns named `names` one to one onto the
// spec's entries (no scaling, frames as the spec's, quaternions w first).
v1::ImportConfig IdentityConfig(const v1::DatasetManifest& manifest,
                                const datasets::ShardLabels& labels,
                                std::vector<std::string>* header) {
  v1::ImportConfig config;
  config.set_scene(manifest.scene().name());
  config.set_dt(manifest.dt());
  config.mutable_time()->set_name("time");
  header->push_back("time");
  const std::pair<const char*, const datasets::ColumnLabels*> groups[] = {
      {"qpos", &labels.qpos}, {"qvel", &labels.qvel}, {"ctrl", &labels.ctrl}};
  for (const auto& [group, columns] : groups) {
    for (const std::string& name : columns->names) {
      const std::string column = absl::StrCat(group, ".", name);
      header->push_back(column);
      v1::ImportColumn* entry = std::string(group) == "qpos" ? config.add_qpos()
                                : std::string(group) == "qvel"
                                    ? config.add_qvel()
                                    : config.add_ctrl();
      entry->set_name(column);
    }
  }
  return config;
}

// The reason label of an error from LogImporter::Map.
std::string MapRefusalReason(const absl::Status& status) {
  if (absl::StrContains(status.message(), "quaternion")) return "quaternion";
  if (absl::StrContains(status.message(), ": time ")) return "time";
  return "not_finite";
}

}  // namespace

bool ChunkValidator::IsValidId(const std::string& id, size_t max_length) {
  if (id.empty() || id.size() > max_length) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

ChunkValidator::ChunkValidator(v1::DatasetManifest manifest,
                               datasets::LogImporter importer,
                               int max_chunk_samples,
                               int64_t max_episode_samples)
    : manifest_(std::move(manifest)),
      importer_(std::move(importer)),
      max_chunk_samples_(max_chunk_samples),
      max_episode_samples_(max_episode_samples) {}

absl::StatusOr<ChunkValidator> ChunkValidator::Create(
    const v1::DatasetManifest& manifest, int max_chunk_samples,
    int64_t max_episode_samples) {
  if (!(manifest.dt() > 0)) {
    return absl::InvalidArgumentError("ingest: the store's manifest has no dt");
  }
  std::vector<std::string> header;
  const v1::ImportConfig config =
      IdentityConfig(manifest, datasets::LabelsOf(manifest), &header);
  WM_ASSIGN_OR_RETURN(datasets::LogImporter importer,
                      datasets::LogImporter::Create(config, manifest.spec()));
  ChunkValidator validator(manifest, std::move(importer), max_chunk_samples,
                           max_episode_samples);
  validator.header_ = std::move(header);
  return validator;
}

std::string ChunkValidator::CheckShape(const v1::EpisodeChunk& chunk,
                                       const EpisodeCursor& cursor,
                                       std::string* reason) const {
  const v1::StateSpec& spec = manifest_.spec();
  const int64_t n = chunk.times_size();
  const int64_t width = spec.nq() + spec.nv();
  *reason = "ids";
  if (!IsValidId(chunk.robot_id(), 64)) {
    return "robot_id must be 1-64 characters of [A-Za-z0-9._-]";
  }
  if (!IsValidId(chunk.episode_id(), 128)) {
    return "episode_id must be 1-128 characters of [A-Za-z0-9._-]";
  }
  *reason = "scene";
  if (chunk.scene() != manifest_.scene().name()) {
    return absl::StrCat("scene '", chunk.scene(), "' is not the store's ('",
                        manifest_.scene().name(), "')");
  }
  *reason = "dt";
  if (!(std::abs(chunk.dt() - manifest_.dt()) <= 1e-9 * manifest_.dt())) {
    return absl::StrFormat("dt %.9g s is not the store's %.9g s", chunk.dt(),
                           manifest_.dt());
  }
  *reason = "spec";
  if (chunk.sequence() == 0 && !chunk.has_spec()) {
    return "chunk 0 must carry the StateSpec";
  }
  if (chunk.has_spec() &&
      !google::protobuf::util::MessageDifferencer::Equals(chunk.spec(), spec)) {
    return absl::StrFormat(
        "the StateSpec (nq %d, nv %d, nu %d) is not the store's (nq %d, nv "
        "%d, nu %d, joints and actuators as its manifest lists)",
        chunk.spec().nq(), chunk.spec().nv(), chunk.spec().nu(), spec.nq(),
        spec.nv(), spec.nu());
  }
  *reason = "sizes";
  if (n < 1 || n > max_chunk_samples_) {
    return absl::StrFormat("%d samples, must be 1..%d", n, max_chunk_samples_);
  }
  if (chunk.states_size() != n * width ||
      chunk.actions_size() != n * spec.nu()) {
    return absl::StrFormat(
        "%d states and %d actions for %d samples; need %d x (nq + nv = %d) "
        "and %d x (nu = %d)",
        chunk.states_size(), chunk.actions_size(), n, n, width, n, spec.nu());
  }
  *reason = "params";
  if (chunk.sequence() == 0 && chunk.params_size() != 0 &&
      chunk.params_size() != manifest_.parameters_size()) {
    return absl::StrFormat("%d params, the store has %d (or send none)",
                           chunk.params_size(), manifest_.parameters_size());
  }
  *reason = "too_long";
  if (cursor.samples + n > max_episode_samples_) {
    return absl::StrFormat("the episode would have %d samples, at most %d",
                           cursor.samples + n, max_episode_samples_);
  }
  reason->clear();
  return "";
}

std::string ChunkValidator::CheckTimeGrid(
    const datasets::RawTrajectory& samples, const EpisodeCursor& cursor) const {
  const double dt = manifest_.dt();
  double previous = cursor.last_time;
  for (int k = 0; k < samples.num_samples(); ++k) {
    const double t = samples.time[k];
    if (!std::isnan(previous) && !(std::abs(t - previous - dt) <= 1e-6 * dt)) {
      return absl::StrFormat(
          "sample %d: time %.9g s is %.9g s after the previous sample, not "
          "dt = %.9g s",
          k, t, t - previous, dt);
    }
    previous = t;
  }
  return "";
}

absl::StatusOr<datasets::RawTrajectory> ChunkValidator::Validate(
    const v1::EpisodeChunk& chunk, const EpisodeCursor& cursor,
    Refusal* refusal) const {
  Refusal scratch;
  if (refusal == nullptr) refusal = &scratch;
  const std::string where =
      absl::StrCat("robot ", chunk.robot_id(), " episode ", chunk.episode_id(),
                   " chunk ", chunk.sequence());
  std::string problem = CheckShape(chunk, cursor, &refusal->reason);
  if (!problem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
  }
  // The samples as a CSV log, checked by the importer's own code.
  const v1::StateSpec& spec = manifest_.spec();
  const int n = chunk.times_size();
  const int width = spec.nq() + spec.nv();
  datasets::CsvLog log;
  log.source = absl::StrCat(where, " sample");
  log.header = header_;
  log.columns.assign(header_.size(), std::vector<double>(n));
  log.line.resize(n);
  for (int r = 0; r < n; ++r) {
    log.line[r] = r;
    log.columns[0][r] = chunk.times(r);
    for (int c = 0; c < width; ++c) {
      log.columns[1 + c][r] = chunk.states(r * width + c);
    }
    for (int c = 0; c < spec.nu(); ++c) {
      log.columns[1 + width + c][r] = chunk.actions(r * spec.nu() + c);
    }
  }
  absl::StatusOr<datasets::RawTrajectory> samples = importer_.Map(log, nullptr);
  if (!samples.ok()) {
    refusal->reason = MapRefusalReason(samples.status());
    return samples.status();
  }
  problem = CheckTimeGrid(*samples, cursor);
  if (!problem.empty()) {
    refusal->reason = "time";
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
  }
  return samples;
}

}  // namespace wm::services
