#include "worldmodel/eval/eval_report_json.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "util/file_util.h"

namespace wm::worldmodel {
namespace {

std::string Number(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.10g", value);
  return buffer;
}

std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A JSON object being written: members separated by commas, nested objects
// indented.
class ObjectWriter {
 public:
  ObjectWriter(std::string* out, int depth) : out_(out), depth_(depth) {
    *out_ += "{";
  }
  void Raw(const std::string& key, const std::string& value) {
    Key(key);
    *out_ += value;
  }
  void Optional(const std::string& key, const std::optional<double>& value) {
    if (value.has_value()) Raw(key, Number(*value));
  }
  // Starts a nested object under `key`; finish it before the next member.
  ObjectWriter Nested(const std::string& key) {
    Key(key);
    return ObjectWriter(out_, depth_ + 1);
  }
  void Close() {
    if (members_ > 0) *out_ += "\n" + std::string(2 * depth_, ' ');
    *out_ += "}";
  }

 private:
  void Key(const std::string& key) {
    *out_ += members_++ > 0 ? ",\n" : "\n";
    *out_ += std::string(2 * depth_ + 2, ' ') + Quote(key) + ": ";
  }
  std::string* out_;
  int depth_;
  int members_ = 0;
};

// The metric members shared by the model and its baselines.
void WriteMetrics(const EvalReport& report, ObjectWriter* object) {
  object->Optional("one_step_nmse", report.one_step_nmse);
  ObjectWriter rollout = object->Nested("rollout");
  for (const HorizonReport& horizon : report.rollout) {
    ObjectWriter errors = rollout.Nested(absl::StrCat(horizon.steps));
    for (const auto& [key, quantiles] : horizon.errors) {
      ObjectWriter entry = errors.Nested(key);
      entry.Raw("median", Number(quantiles.median));
      entry.Raw("p90", Number(quantiles.p90));
      entry.Close();
    }
    errors.Close();
  }
  rollout.Close();
  if (!report.params.empty()) {
    ObjectWriter params = object->Nested("params");
    for (const ParameterReport& parameter : report.params) {
      ObjectWriter entry = params.Nested(parameter.name);
      entry.Optional("median_rel_err", parameter.median_rel_err);
      entry.Optional("coverage90", parameter.coverage90);
      entry.Raw("identifiable_episodes",
                absl::StrCat(parameter.identifiable_episodes));
      entry.Close();
    }
    params.Close();
  }
  if (report.calibration.has_value()) {
    ObjectWriter calibration = object->Nested("calibration");
    calibration.Raw("nll", Number(report.calibration->nll));
    calibration.Raw("coverage90", Number(report.calibration->coverage90));
    calibration.Close();
  }
  if (report.ood.has_value()) {
    ObjectWriter ood = object->Nested("ood");
    ood.Optional("spread_ratio", report.ood->spread_ratio);
    ood.Optional("error_spread_rank_corr", report.ood->error_spread_rank_corr);
    ood.Close();
  }
}

}  // namespace

std::string EvalReportToJson(const EvalReport& report,
                             const std::vector<NamedReport>& baselines) {
  std::string out;
  ObjectWriter root(&out, 0);
  root.Raw("model", Quote(report.model));
  root.Raw("split", Quote(report.split));
  root.Raw("episodes", absl::StrCat(report.episodes));
  WriteMetrics(report, &root);
  ObjectWriter named = root.Nested("baselines");
  for (const auto& [name, baseline] : baselines) {
    ObjectWriter entry = named.Nested(name);
    entry.Raw("model", Quote(baseline.model));
    entry.Raw("episodes", absl::StrCat(baseline.episodes));
    WriteMetrics(baseline, &entry);
    entry.Close();
  }
  named.Close();
  root.Close();
  return out + "\n";
}

absl::Status WriteEvalReportJson(const std::string& path,
                                 const EvalReport& report,
                                 const std::vector<NamedReport>& baselines) {
  return WriteFileAtomically(path, EvalReportToJson(report, baselines));
}

}  // namespace wm::worldmodel
