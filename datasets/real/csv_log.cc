#include "datasets/real/csv_log.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "util/file_util.h"
#include "util/status_macros.h"

namespace wm::datasets {

int CsvLog::ColumnIndex(absl::string_view name) const {
  for (size_t c = 0; c < header.size(); ++c) {
    if (header[c] == name) return static_cast<int>(c);
  }
  return -1;
}

std::string CsvLog::Where(int row) const {
  return absl::StrCat(source, ":", line[row]);
}

absl::StatusOr<CsvLog> ParseCsvLog(absl::string_view text,
                                   const std::string& source) {
  CsvLog log;
  log.source = source;
  int line_number = 0;
  bool have_header = false;
  std::vector<absl::string_view> cells;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);  // also drops a trailing '\r'
    if (line.empty()) continue;
    cells = absl::StrSplit(line, ',');
    if (!have_header) {
      for (absl::string_view cell : cells) {
        const std::string name(absl::StripAsciiWhitespace(cell));
        if (name.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              source, ":", line_number, ": empty column name in the header"));
        }
        if (log.ColumnIndex(name) >= 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              source, ":", line_number, ": column '", name, "' repeated"));
        }
        log.header.push_back(name);
      }
      log.columns.resize(log.header.size());
      log.header_line = line_number;
      have_header = true;
      continue;
    }
    if (cells.size() != log.header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_number, ": ", cells.size(),
                       " cells, the header has ", log.header.size()));
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      const absl::string_view cell = absl::StripAsciiWhitespace(cells[c]);
      double value = 0;
      if (!absl::SimpleAtod(cell, &value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ":", line_number, ": column '", log.header[c],
                         "': '", cell, "' is not a number"));
      }
      log.columns[c].push_back(value);
    }
    log.line.push_back(line_number);
  }
  if (!have_header) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": empty file (no header row)"));
  }
  return log;
}

absl::StatusOr<CsvLog> ReadCsvLog(const std::string& path,
                                  const std::string& source) {
  WM_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseCsvLog(text, source.empty() ? path : source);
}

}  // namespace wm::datasets
