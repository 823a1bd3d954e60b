#include "worldmodel/eval/eval_table.h"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wm::worldmodel {
namespace {

std::string Cell(const std::optional<double>& value, bool percent = false) {
  if (!value.has_value()) return "-";
  return percent ? absl::StrFormat("%.1f%%", 100 * *value)
                 : absl::StrFormat("%.4g", *value);
}

}  // namespace

// One row per report; columns: one-step NMSE, each rollout error median per
// horizon, each parameter's median relative error.
std::string EvalTable(const std::vector<NamedReport>& rows) {
  std::ostringstream out;
  std::vector<std::string> columns = {"one_step_nmse"};
  std::map<std::string, std::map<std::string, std::string>> cells;
  auto add = [&](const std::string& row, const std::string& column,
                 const std::string& value) {
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
      columns.push_back(column);
    }
    cells[row][column] = value;
  };
  for (const auto& [label, report] : rows) {
    add(label, "one_step_nmse", Cell(report.one_step_nmse));
    for (const auto& horizon : report.rollout) {
      for (const auto& [key, quantiles] : horizon.errors) {
        add(label, absl::StrCat(key, "@", horizon.steps),
            Cell(quantiles.median));
      }
    }
    for (const auto& parameter : report.params) {
      add(label, absl::StrCat(parameter.name, " err"),
          Cell(parameter.median_rel_err, /*percent=*/true));
    }
  }
  size_t label_width = 5;
  for (const auto& [label, report] : rows) {
    label_width = std::max(label_width, label.size());
  }
  out << absl::StrFormat("%-*s", label_width, "model");
  for (const std::string& column : columns) {
    out << absl::StrFormat("  %*s", std::max<size_t>(10, column.size()),
                           column);
  }
  out << "\n";
  for (const auto& [label, report] : rows) {
    out << absl::StrFormat("%-*s", label_width, label);
    for (const std::string& column : columns) {
      auto cell = cells[label].find(column);
      out << absl::StrFormat("  %*s", std::max<size_t>(10, column.size()),
                             cell == cells[label].end() ? "-" : cell->second);
    }
    out << "\n";
  }
  out << "(rollout columns: median error at KEY@STEPS; pos_m, joint_m in "
         "m, rot_deg in degrees, joint_rad in rad)\n";
  return out.str();
}

std::string TossProtocolTable(const TossProtocolReport& report) {
  std::ostringstream out;
  const size_t tosses =
      report.models.empty() ? 0 : report.models[0].tosses.size();
  out << absl::StrFormat("acosta_toss protocol on %d tosses of %s\n", tosses,
                         report.data);
  out << absl::StrFormat("%-28s %8s %19s %8s %10s %10s %s\n", "model",
                         "e_q mean", "90% interval", "median", "pos err m",
                         "rot deg", "model/this (90%)");
  for (const TossModelScores& s : report.models) {
    std::string paired = "-";
    if (s.first_over_this.has_value()) {
      const PairedComparison& p = *s.first_over_this;
      paired =
          absl::StrFormat("%.3f [%.3f, %.3f], better on %.0f%%", p.mean_ratio,
                          p.ci90_low, p.ci90_high, 100 * p.share_a_better);
    }
    out << absl::StrFormat(
        "%-28s %8.4f   [%6.4f, %6.4f] %8.4f %10.4f %10.2f %s\n", s.name,
        s.summary.mean, s.summary.ci90_low, s.summary.ci90_high,
        s.summary.median, s.mean_pos_err_m, s.mean_rot_err_deg, paired);
  }
  return out.str();
}

}  // namespace wm::worldmodel
