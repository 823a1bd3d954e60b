#ifndef WM_DATASETS_REAL_CSV_LOG_H_
#define WM_DATASETS_REAL_CSV_LOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wm::datasets {

// A numeric CSV log held column by column: a header row of unique column
// names, then one row per sample, every cell a number. A plain value.
struct CsvLog {
  // Names the log in messages: a file name (as given) or another label.
  std::string source;
  std::vector<std::string> header;
  // The 1-based line number of the header row.
  int header_line = 1;
  // columns[c][r]: the value of column c in data row r (NaN and Inf kept as
  // parsed; the importer decides what is valid).
  std::vector<std::vector<double>> columns;
  // line[r]: the 1-based line number of data row r in the source.
  std::vector<int> line;

  int num_rows() const { return static_cast<int>(line.size()); }
  // The index of the column named `name`, or -1.
  int ColumnIndex(absl::string_view name) const;
  // "source:line" of data row r, for messages.
  std::string Where(int row) const;
};

// Parses CSV `text` (comma-separated, a header row first; surrounding
// spaces, "\r\n" line ends and blank lines are allowed; no quoting). Cells
// are parsed as doubles ("nan" and "inf" included). INVALID_ARGUMENT naming
// `source` and the line for: an empty text or header, an empty or repeated
// column name, a row with more or fewer cells than the header, or a cell
// that is not a number. Thread-safe.
absl::StatusOr<CsvLog> ParseCsvLog(absl::string_view text,
                                   const std::string& source);

// Reads the file at `path` and parses it with `source` (defaults to the
// path) naming it in messages. NOT_FOUND / PERMISSION_DENIED when it cannot
// be read; parse errors as ParseCsvLog.
absl::StatusOr<CsvLog> ReadCsvLog(const std::string& path,
                                  const std::string& source = "");

}  // namespace wm::datasets

#endif  // WM_DATASETS_REAL_CSV_LOG_H_
