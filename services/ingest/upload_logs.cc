#include "services/ingest/upload_logs.h"

#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "datasets/real/csv_log.h"
#include "datasets/real/import_files.h"
#include "datasets/real/log_importer.h"
#include "util/file_util.h"
#include "util/sha256.h"
#include "util/status_macros.h"

namespace wm::services {
namespace {

std::string Sanitise(const std::string& text, size_t max_length) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
    if (out.size() == max_length) break;
  }
  return out.empty() ? "_" : out;
}

// The episodes of one resampled log as uploads (each sample's state
// [qpos | qvel], the last sample repeating the last action, which is not
// stored).
std::vector<EpisodeUpload> ToUploads(
    const std::vector<datasets::Episode>& episodes, const std::string& robot,
    const std::string& file, const std::string& contents,
    const v1::DatasetManifest& scene) {
  std::vector<EpisodeUpload> uploads;
  for (size_t piece = 0; piece < episodes.size(); ++piece) {
    const datasets::Episode& episode = episodes[piece];
    EpisodeUpload upload;
    upload.robot_id = robot;
    upload.episode_id = EpisodeIdOf(file, contents, static_cast<int>(piece));
    upload.scene = scene.scene().name();
    upload.dt = scene.dt();
    upload.spec = scene.spec();
    upload.times = episode.time;
    const int64_t n = static_cast<int64_t>(episode.time.size());
    for (int64_t k = 0; k < n; ++k) {
      upload.states.insert(upload.states.end(),
                           episode.qpos.begin() + k * episode.nq,
                           episode.qpos.begin() + (k + 1) * episode.nq);
      upload.states.insert(upload.states.end(),
                           episode.qvel.begin() + k * episode.nv,
                           episode.qvel.begin() + (k + 1) * episode.nv);
      const int64_t action = std::min(k, n - 2);
      upload.actions.insert(upload.actions.end(),
                            episode.ctrl.begin() + action * episode.nu,
                            episode.ctrl.begin() + (action + 1) * episode.nu);
    }
    uploads.push_back(std::move(upload));
  }
  return uploads;
}

// Reads and maps one file (refused: `entry->refused` set, no uploads).
std::vector<EpisodeUpload> PrepareFile(const std::string& path,
                                       const datasets::LogImporter& importer,
                                       const v1::DatasetManifest& scene,
                                       UploadedFile* entry) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  absl::StatusOr<datasets::CsvLog> log =
      contents.ok() ? datasets::ParseCsvLog(*contents, entry->file)
                    : absl::StatusOr<datasets::CsvLog>(contents.status());
  absl::StatusOr<datasets::LogImporter::Result> result =
      log.ok() ? importer.Import(*log)
               : absl::StatusOr<datasets::LogImporter::Result>(log.status());
  if (!result.ok()) {
    entry->refused = std::string(result.status().message());
    return {};
  }
  if (result->resampled.episodes.empty()) {
    entry->refused = "no episode of at least min_steps steps";
    return {};
  }
  std::vector<EpisodeUpload> uploads =
      ToUploads(result->resampled.episodes, entry->robot_id, entry->file,
                *contents, scene);
  for (const EpisodeUpload& upload : uploads) {
    entry->episode_ids.push_back(upload.episode_id);
    entry->transitions += static_cast<int64_t>(upload.times.size()) - 1;
  }
  return uploads;
}

}  // namespace

std::string RobotIdOf(const std::string& in) {
  std::string name = in;
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  name = name.substr(name.find_last_of('/') == std::string::npos
                         ? 0
                         : name.find_last_of('/') + 1);
  if (absl::EndsWith(name, ".csv")) name.resize(name.size() - 4);
  return Sanitise(name, 64);
}

std::string EpisodeIdOf(const std::string& file, const std::string& contents,
                        int piece) {
  return absl::StrCat(Sanitise(file, 90), "-",
                      Sha256Hex(contents).substr(0, 16), "-", piece);
}

absl::StatusOr<UploadLogsSummary> UploadLogs(const IngestClient& client,
                                             const UploadLogsRequest& request) {
  v1::ImportConfig config = request.config;
  if (config.dt() == 0) config.set_dt(request.scene_manifest.dt());
  if (config.dt() != request.scene_manifest.dt()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the import config's dt ", config.dt(), " s is not the scene's ",
        request.scene_manifest.dt(), " s"));
  }
  WM_ASSIGN_OR_RETURN(
      const datasets::LogImporter importer,
      datasets::LogImporter::Create(config, request.scene_manifest.spec()));
  struct stat info;
  if (::stat(request.in.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat("no such input: ", request.in));
  }
  const bool directory = S_ISDIR(info.st_mode);
  std::vector<std::string> files = {request.in};
  if (directory) {
    WM_ASSIGN_OR_RETURN(files, datasets::ListLogFiles(request.in));
    if (files.empty()) {
      return absl::NotFoundError(
          absl::StrCat("no .csv file under ", request.in));
    }
  }
  UploadLogsSummary summary;
  for (const std::string& file : files) {
    UploadedFile entry;
    entry.file = file;
    entry.robot_id = RobotIdOf(request.in);
    const std::string path =
        directory ? absl::StrCat(request.in, "/", file) : file;
    std::vector<EpisodeUpload> uploads =
        PrepareFile(path, importer, request.scene_manifest, &entry);
    if (!uploads.empty()) {
      absl::StatusOr<UploadResult> result =
          client.UploadEpisodes(uploads, request.options);
      const absl::StatusCode code = result.status().code();
      if (!result.ok() && code != absl::StatusCode::kInvalidArgument &&
          code != absl::StatusCode::kFailedPrecondition) {
        return result.status();
      }
      if (!result.ok()) {
        entry.refused = std::string(result.status().message());
      } else {
        entry.chunks_stored = result->chunks_stored;
        entry.chunks_duplicate = result->chunks_duplicate;
      }
    }
    if (entry.refused.empty()) {
      ++summary.files_uploaded;
      summary.episodes += static_cast<int64_t>(entry.episode_ids.size());
      summary.transitions += entry.transitions;
      summary.chunks_stored += entry.chunks_stored;
      summary.chunks_duplicate += entry.chunks_duplicate;
    } else {
      ++summary.files_refused;
    }
    summary.files.push_back(std::move(entry));
  }
  return summary;
}

}  // namespace wm::services
