#include "datasets/real/import_report.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace wm::datasets {
namespace {

bool Notable(const v1::ImportedFile& file) {
  return !file.refused().empty() || file.num_episodes() > 1 ||
         file.constant_entries_size() > 0;
}

// One row of the table.
std::string TableRow(const v1::ImportedFile& file) {
  if (!file.refused().empty()) {
    return absl::StrFormat("%-28s %-14s %8s  refused\n", file.file(), "-", "-");
  }
  const std::string episodes =
      file.num_episodes() == 1
          ? absl::StrCat(file.first_episode())
          : absl::StrCat(file.first_episode(), "..",
                         file.first_episode() + file.num_episodes() - 1);
  std::string notes;
  if (file.num_episodes() > 1) {
    notes = absl::StrCat("split at ", file.num_episodes() - 1, " gaps; ");
  }
  if (file.constant_entries_size() > 0) {
    absl::StrAppend(&notes, absl::StrJoin(file.constant_entries(), ", "),
                    " constant (constant_when_all_zero)");
  }
  return absl::StrFormat("%-28s %-14s %8d  %s\n", file.file(), episodes,
                         file.num_transitions(), notes);
}

}  // namespace

std::string ImportTable(const ImportSummary& summary, int full_table_files) {
  const bool full = static_cast<int>(summary.files.size()) <= full_table_files;
  std::string rows;
  int hidden = 0;
  for (const v1::ImportedFile& file : summary.files) {
    if (full || Notable(file)) {
      rows += TableRow(file);
    } else {
      ++hidden;
    }
  }
  std::string table;
  if (!rows.empty()) {
    table = absl::StrFormat("%-28s %-14s %8s  %s\n", "file", "episodes",
                            "steps", "notes") +
            rows;
  }
  if (hidden > 0) {
    absl::StrAppend(&table, "(", hidden,
                    " more files imported as one episode each; the full file "
                    "-> episode table is in the manifest's provenance: wm "
                    "inspect)\n");
  }
  return table;
}

std::string ImportTotals(const ImportSummary& summary, double dt,
                         const std::string& out, double seconds) {
  std::string text = absl::StrFormat(
      "imported %d of %d files: %d episodes, %d transitions (dt %.6g s) -> %s "
      "in %.1f s\ngaps: %d interpolated, %d split; %d short pieces dropped; "
      "%d quaternions renormalised\n",
      summary.files_imported, summary.files.size(), summary.episodes,
      summary.transitions, dt, out, seconds, summary.gaps_interpolated,
      summary.gaps_split, summary.pieces_dropped,
      summary.quaternions_renormalised);
  if (summary.files_refused > 0) {
    absl::StrAppend(&text, "refused ", summary.files_refused, " file",
                    summary.files_refused == 1 ? "" : "s", ":\n");
    for (const v1::ImportedFile& file : summary.files) {
      if (!file.refused().empty()) {
        absl::StrAppend(&text, "  ", file.refused(), "\n");
      }
    }
  }
  if (summary.files_imported == 0) {
    absl::StrAppend(&text, "no file imported: nothing written\n");
  }
  return text;
}

}  // namespace wm::datasets
