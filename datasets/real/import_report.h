#ifndef WM_DATASETS_REAL_IMPORT_REPORT_H_
#define WM_DATASETS_REAL_IMPORT_REPORT_H_

// The text `wm import` prints about an ImportSummary.

#include <string>

#include "datasets/real/import_files.h"

namespace wm::datasets {

// The file -> episode table, one line per file: its episode range and
// steps, or "refused", and notes (gaps that split it, entries a
// constant_when_all_zero rule replaced). Beyond `full_table_files` files
// only the notable ones (refused, split or with constant entries) are
// listed, followed by a line counting the others. Empty when no line is
// listed.
std::string ImportTable(const ImportSummary& summary, int full_table_files);

// The totals: files imported of listed, episodes, transitions, `dt` (s),
// `out` and `seconds`; gap, piece and quaternion counts; then each refused
// file's reason, and "no file imported: nothing written" when none was.
std::string ImportTotals(const ImportSummary& summary, double dt,
                         const std::string& out, double seconds);

}  // namespace wm::datasets

#endif  // WM_DATASETS_REAL_IMPORT_REPORT_H_
