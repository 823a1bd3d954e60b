// `wm export --data DIR --out FILE.h5 [--format d4rl] [--split S]`: writes
// a dataset in a format other tools read (datasets/d4rl_export.h).

#include <iostream>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/d4rl_export.h"
#include "datasets/dataset.h"
#include "tools/wm/flags.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"

namespace wm::tools {
namespace {

absl::Status Export(const Invocation& invocation) {
  const std::string data = absl::GetFlag(FLAGS_data);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (data.empty() || out.empty()) {
    return absl::InvalidArgumentError("--data DIR and --out FILE are required");
  }
  if (absl::GetFlag(FLAGS_format) != "d4rl") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format ", absl::GetFlag(FLAGS_format), ": the one format is d4rl"));
  }
  std::optional<datasets::Split> split;
  const std::string split_name = absl::GetFlag(FLAGS_split);
  if (invocation.Given("split") && split_name != "all") {
    absl::StatusOr<datasets::Split> parsed = datasets::ParseSplit(split_name);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--split ", split_name, ": expected train, validation, test or all"));
    }
    split = *parsed;
  }
  WM_ASSIGN_OR_RETURN(auto dataset, datasets::Dataset::Open(data));
  WM_ASSIGN_OR_RETURN(const datasets::D4rlExportSummary summary,
                      datasets::ExportD4rl(*dataset, split, out));
  std::cout << absl::StrFormat(
      "exported %d episodes, %d transitions (%s) of %s -> %s (d4rl)\n",
      summary.episodes, summary.transitions,
      split ? datasets::SplitName(*split) : "all", data, out);
  return absl::OkStatus();
}

}  // namespace

// Exit 0 on success, 1 with the error on stderr.
int RunExport(const Invocation& invocation) {
  const absl::Status status = Export(invocation);
  if (!status.ok()) {
    std::cerr << "wm export: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
