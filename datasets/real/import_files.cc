#include "datasets/real/import_files.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "datasets/real/csv_log.h"
#include "util/status_macros.h"

namespace wm::datasets {

absl::StatusOr<std::vector<std::string>> ListLogFiles(
    const std::string& directory, const std::string& suffix) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    return absl::NotFoundError(
        absl::StrCat(directory, ": not a directory of logs"));
  }
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(directory, error), end;
  for (; !error && it != end; it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    const std::string relative =
        fs::relative(it->path(), directory, error).generic_string();
    if (absl::EndsWith(relative, suffix)) files.push_back(relative);
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat(directory, ": cannot list: ", error.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<ImportSummary> ImportLogFiles(
    const std::string& root, const std::vector<std::string>& files,
    const LogImporter& importer, int num_params, EpisodeSink* sink,
    const std::function<void(const ImportProgress&)>& progress) {
  ImportSummary summary;
  ImportProgress state;
  state.files_total = static_cast<int>(files.size());
  for (const std::string& file : files) {
    v1::ImportedFile& entry = summary.files.emplace_back();
    entry.set_file(file);
    entry.set_first_episode(summary.episodes);
    // Messages name the file by its relative path: no machine-specific
    // directories in the manifest.
    absl::StatusOr<LogImporter::Result> result =
        [&]() -> absl::StatusOr<LogImporter::Result> {
      WM_ASSIGN_OR_RETURN(CsvLog log,
                          ReadCsvLog(absl::StrCat(root, "/", file), file));
      return importer.Import(log);
    }();
    if (result.ok() && result->resampled.episodes.empty()) {
      result = absl::InvalidArgumentError(absl::StrCat(
          file, ": no piece of the log spans ", importer.config().min_steps(),
          " steps of ", importer.config().dt(), " s"));
    }
    if (!result.ok()) {
      entry.clear_first_episode();
      entry.set_refused(std::string(result.status().message()));
      ++summary.files_refused;
    } else {
      for (const std::string& name : result->constant_entries) {
        entry.add_constant_entries(name);
      }
      for (Episode& episode : result->resampled.episodes) {
        episode.index = summary.episodes++;
        episode.params.assign(num_params,
                              std::numeric_limits<double>::quiet_NaN());
        entry.set_num_transitions(entry.num_transitions() +
                                  episode.num_steps());
        WM_RETURN_IF_ERROR(sink->Write(std::move(episode)));
      }
      entry.set_num_episodes(summary.episodes - entry.first_episode());
      summary.transitions += entry.num_transitions();
      ++summary.files_imported;
      summary.gaps_interpolated += result->resampled.gaps_interpolated;
      summary.gaps_split += result->resampled.gaps_split;
      summary.pieces_dropped += result->resampled.pieces_dropped;
      summary.quaternions_renormalised += result->quaternions_renormalised;
    }
    ++state.files_done;
    state.files_refused = summary.files_refused;
    state.episodes = summary.episodes;
    state.transitions = summary.transitions;
    if (progress) progress(state);
  }
  return summary;
}

}  // namespace wm::datasets
