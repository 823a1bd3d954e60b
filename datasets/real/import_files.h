#ifndef WM_DATASETS_REAL_IMPORT_FILES_H_
#define WM_DATASETS_REAL_IMPORT_FILES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "datasets/real/log_importer.h"
#include "wm/v1/import.pb.h"

namespace wm::datasets {

// The files whose names end in `suffix` under `directory` (searched
// recursively), as paths relative to it, sorted bytewise (the import
// order). NOT_FOUND when `directory` is not a directory; the list may be
// empty.
absl::StatusOr<std::vector<std::string>> ListLogFiles(
    const std::string& directory, const std::string& suffix = ".csv");

// Counts so far, for progress lines.
struct ImportProgress {
  int files_done = 0;
  int files_total = 0;
  int files_refused = 0;
  int64_t episodes = 0;
  int64_t transitions = 0;
};

// What an import did, file by file.
struct ImportSummary {
  // Every file in import order: its episode range, or why it was refused.
  std::vector<v1::ImportedFile> files;
  int files_imported = 0;
  int files_refused = 0;
  int64_t episodes = 0;
  int64_t transitions = 0;
  // Totals of the per-log counts of LogImporter::Result.
  int gaps_interpolated = 0;
  int gaps_split = 0;
  int pieces_dropped = 0;
  int quaternions_renormalised = 0;
};

// Imports `root`/f for each f of `files`, in order, into `sink`. Episode
// indices start at 0 and run on without holes in file order (a file split
// at gaps gives consecutive indices); each episode gets `num_params` NaN
// parameters (unknown for real logs). A file that cannot be read, parsed or
// validated, or that leaves no episode, is refused whole: recorded in the
// summary with the reason (naming the file by its relative path and the
// line) and the import goes on. `progress` (may be empty) is called after
// each file. Errors: only the sink's, which end the import.
absl::StatusOr<ImportSummary> ImportLogFiles(
    const std::string& root, const std::vector<std::string>& files,
    const LogImporter& importer, int num_params, EpisodeSink* sink,
    const std::function<void(const ImportProgress&)>& progress);

}  // namespace wm::datasets

#endif  // WM_DATASETS_REAL_IMPORT_FILES_H_
