#ifndef WM_SERVICES_INGEST_UPLOAD_LOGS_H_
#define WM_SERVICES_INGEST_UPLOAD_LOGS_H_

// `wm upload` as a library call: CSV logs mapped and validated as `wm
// import` does (LogImporter), then streamed to an ingest service with ids
// derived from the input, so that uploading the same logs again, or
// retrying after a failure, stores each episode once.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/client/ingest_client.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/import.pb.h"

namespace wm::services {

struct UploadLogsRequest {
  // The column mapping; its dt is 0 (the scene's) or the scene's.
  v1::ImportConfig config;
  // The scene's part of a dataset manifest (sim::ManifestForScene).
  v1::DatasetManifest scene_manifest;
  // A directory (every *.csv under it, recursively, sorted) or one file.
  std::string in;
  UploadOptions options;
};

// What became of one file.
struct UploadedFile {
  std::string file;  // relative to the --in directory (or as given)
  std::string robot_id;
  std::vector<std::string> episode_ids;
  int64_t transitions = 0;
  int64_t chunks_stored = 0;
  int64_t chunks_duplicate = 0;
  std::string refused;  // why not uploaded (the importer's or the server's)
};

struct UploadLogsSummary {
  std::vector<UploadedFile> files;
  int files_uploaded = 0;
  int files_refused = 0;
  int64_t episodes = 0;
  int64_t transitions = 0;
  int64_t chunks_stored = 0;
  int64_t chunks_duplicate = 0;
};

// The robot id of input `in`: its last path component (a file's without
// .csv), characters outside [A-Za-z0-9._-] replaced by '_', at most 64.
std::string RobotIdOf(const std::string& in);

// The episode id of piece `piece` of the log `file` whose bytes are
// `contents`: "<file, sanitised, at most 90 characters>-<first 16 hex
// digits of the SHA-256 of contents>-<piece>".
std::string EpisodeIdOf(const std::string& file, const std::string& contents,
                        int piece);

// Uploads every log of request.in through `client`, one stream per file.
// A file that cannot be read, mapped or validated, or that the server
// refuses (INVALID_ARGUMENT, FAILED_PRECONDITION), is recorded as refused
// and the upload goes on. Errors: INVALID_ARGUMENT (a config that does not
// fit the scene: LogImporter::Create; config dt other than the scene's),
// NOT_FOUND (no input), and the first upload failure that retrying did not
// cure (UNAVAILABLE after options.retry_for, UNAUTHENTICATED,
// RESOURCE_EXHAUSTED), which ends the upload.
absl::StatusOr<UploadLogsSummary> UploadLogs(const IngestClient& client,
                                             const UploadLogsRequest& request);

}  // namespace wm::services

#endif  // WM_SERVICES_INGEST_UPLOAD_LOGS_H_
