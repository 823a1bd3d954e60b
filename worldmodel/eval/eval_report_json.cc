#include "worldmodel/eval/eval_report_json.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "util/file_util.h"
#include "util/json_writer.h"

namespace wm::worldmodel {
namespace {

void OptionalNumber(JsonWriter& json, const std::string& key,
                    const std::optional<double>& value) {
  if (value.has_value()) json.Key(key).Number(*value);
}

// The metric members shared by the model and its baselines.
void WriteMetrics(const EvalReport& report, JsonWriter& json) {
  OptionalNumber(json, "one_step_nmse", report.one_step_nmse);
  json.Key("rollout").BeginObject();
  for (const HorizonReport& horizon : report.rollout) {
    json.Key(absl::StrCat(horizon.steps)).BeginObject();
    for (const auto& [key, quantiles] : horizon.errors) {
      json.Key(key).BeginObject();
      json.Key("median").Number(quantiles.median);
      json.Key("p90").Number(quantiles.p90);
      json.EndObject();
    }
    json.EndObject();
  }
  json.EndObject();
  if (!report.params.empty()) {
    json.Key("params").BeginObject();
    for (const ParameterReport& parameter : report.params) {
      json.Key(parameter.name).BeginObject();
      OptionalNumber(json, "median_rel_err", parameter.median_rel_err);
      OptionalNumber(json, "coverage90", parameter.coverage90);
      json.Key("identifiable_episodes").Int(parameter.identifiable_episodes);
      json.EndObject();
    }
    json.EndObject();
  }
  if (report.calibration.has_value()) {
    json.Key("calibration").BeginObject();
    json.Key("nll").Number(report.calibration->nll);
    json.Key("coverage90").Number(report.calibration->coverage90);
    json.EndObject();
  }
  if (report.ood.has_value()) {
    json.Key("ood").BeginObject();
    OptionalNumber(json, "spread_ratio", report.ood->spread_ratio);
    OptionalNumber(json, "error_spread_rank_corr",
                   report.ood->error_spread_rank_corr);
    json.EndObject();
  }
}

}  // namespace

std::string EvalReportToJson(const EvalReport& report,
                             const std::vector<NamedReport>& baselines) {
  JsonWriter json;
  json.BeginObject();
  json.Key("model").String(report.model);
  json.Key("split").String(report.split);
  json.Key("episodes").Int(report.episodes);
  WriteMetrics(report, json);
  json.Key("baselines").BeginObject();
  for (const auto& [name, baseline] : baselines) {
    json.Key(name).BeginObject();
    json.Key("model").String(baseline.model);
    json.Key("episodes").Int(baseline.episodes);
    WriteMetrics(baseline, json);
    json.EndObject();
  }
  json.EndObject();
  json.EndObject();
  return json.str() + "\n";
}

absl::Status WriteEvalReportJson(const std::string& path,
                                 const EvalReport& report,
                                 const std::vector<NamedReport>& baselines) {
  return WriteFileAtomically(path, EvalReportToJson(report, baselines));
}

}  // namespace wm::worldmodel
