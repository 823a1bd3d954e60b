#include "worldmodel/eval/parameter_scorer.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "util/quantile.h"
#include "util/status_macros.h"
#include "worldmodel/eval/identifiability.h"
#include "worldmodel/eval/metrics.h"

namespace wm::worldmodel {

absl::StatusOr<std::vector<ParameterReport>> ScoreParameters(
    const WorldModel& model, const std::vector<datasets::Episode>& episodes,
    const v1::DatasetManifest& manifest, const ScoringPlan& plan) {
  const std::vector<v1::ParameterInfo>& parameters = model.parameters();
  // The dataset column of each model parameter, or -1.
  std::vector<int> columns;
  for (const v1::ParameterInfo& parameter : parameters) {
    int column = -1;
    for (int c = 0; c < manifest.parameters_size(); ++c) {
      if (manifest.parameters(c).name() == parameter.name()) column = c;
    }
    columns.push_back(column);
  }
  ScoringPlan history_plan = plan;
  history_plan.use_true_parameters = false;

  struct Samples {
    std::vector<double> relative_errors;
    int64_t covered = 0;
    int64_t scored = 0;
  };
  std::vector<Samples> samples(parameters.size());
  for (const datasets::Episode& episode : episodes) {
    if (episode.num_steps() < plan.history_steps) continue;
    WM_ASSIGN_OR_RETURN(const Context context,
                        ContextFor({&episode}, history_plan));
    absl::StatusOr<ParameterEstimate> estimate = model.InferParameters(context);
    if (absl::IsFailedPrecondition(estimate.status()) ||
        absl::IsUnimplemented(estimate.status())) {
      return std::vector<ParameterReport>();
    }
    WM_RETURN_IF_ERROR(estimate.status());
    if (estimate->mean.size() != parameters.size() ||
        estimate->std.size() != parameters.size()) {
      return absl::InternalError(
          absl::StrCat("InferParameters answered ", estimate->mean.size(),
                       " means and ", estimate->std.size(), " stds for ",
                       parameters.size(), " parameters"));
    }
    for (size_t p = 0; p < parameters.size(); ++p) {
      if (columns[p] < 0) continue;
      const double truth = episode.params[columns[p]];
      const double mean = estimate->mean[p], std = estimate->std[p];
      if (!std::isfinite(truth)) continue;
      samples[p].scored += 1;
      if (std::abs(truth - mean) <= kZ90 * std) samples[p].covered += 1;
      if (truth != 0 &&
          IsIdentifiable(manifest.scene().name(), parameters[p].name(),
                         manifest.spec(), episode, 0, plan.history_steps)) {
        samples[p].relative_errors.push_back(std::abs(mean - truth) /
                                             std::abs(truth));
      }
    }
  }
  std::vector<ParameterReport> reports;
  for (size_t p = 0; p < parameters.size(); ++p) {
    if (columns[p] < 0) continue;
    ParameterReport report;
    report.name = parameters[p].name();
    report.identifiable_episodes = samples[p].relative_errors.size();
    if (!samples[p].relative_errors.empty()) {
      report.median_rel_err = Quantile(samples[p].relative_errors, 0.5);
    }
    if (samples[p].scored > 0) {
      report.coverage90 =
          static_cast<double>(samples[p].covered) / samples[p].scored;
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace wm::worldmodel
