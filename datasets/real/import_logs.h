#ifndef WM_DATASETS_REAL_IMPORT_LOGS_H_
#define WM_DATASETS_REAL_IMPORT_LOGS_H_

// One `wm import` job as a library call: real CSV logs -> a dataset
// directory of a scene's StateSpec, as an ImportConfig says.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "datasets/real/import_files.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/import.pb.h"

namespace wm::datasets {

// What to import, how, and where to.
struct ImportRequest {
  // The column mapping (proto/wm/v1/import.proto). Its dt is 0 (take the
  // scene's) or must equal scene_manifest.dt().
  v1::ImportConfig config;
  // The scene's part of the dataset manifest (sim::ManifestForScene):
  // StateSpec, dt, timestep, frame skip, parameter names and the scene
  // config. Shards, counts and provenance are filled in by ImportLogs.
  v1::DatasetManifest scene_manifest;
  // A directory (every *.csv under it, recursively, in sorted path order)
  // or one CSV file.
  std::string in;
  // The dataset directory to write: new or empty, unless `overwrite`.
  std::string out;
  bool overwrite = false;
  // Recorded in the manifest's provenance.
  std::string git_revision;
  // Called once when the files are listed (files_done 0, files_total set)
  // and after each file; may be empty. Runs on the calling thread.
  std::function<void(const ImportProgress&)> progress;
};

// Imports the logs of `request.in` into a dataset at `request.out`
// (ImportLogFiles does the files: episode indices from 0 without holes in
// file order, parameters NaN, a bad file refused whole with "file:line" in
// its `refused`). The manifest embeds the scene and the provenance: source
// "wm import", the git revision, the config with defaults and dt filled
// in, and the file -> episode table. Shards and manifest appear by atomic
// rename, the manifest last. When every file is refused, nothing is
// written and the summary says files_imported 0. On that, or on any error,
// an output directory this call created is removed again.
// Errors: INVALID_ARGUMENT (empty in or out, config dt differing from the
// scene's, a config that does not fit the StateSpec: LogImporter::Create),
// NOT_FOUND (`in` missing or holding no .csv file), ALREADY_EXISTS (a
// non-empty `out` without overwrite) and the writer's I/O errors.
// Thread-safe for distinct outputs.
absl::StatusOr<ImportSummary> ImportLogs(const ImportRequest& request);

}  // namespace wm::datasets

#endif  // WM_DATASETS_REAL_IMPORT_LOGS_H_
