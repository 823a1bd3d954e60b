#include "worldmodel/sysid/sysid_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "sim/simulator.h"
#include "util/file_util.h"
#include "util/quantile.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/sysid/pendulum_base_parameters.h"

namespace wm::worldmodel {
namespace {

// Base parameters of the fitted scene with `values`.
absl::StatusOr<std::vector<BaseParameter>> BaseAt(
    sim::Simulator* simulator, const std::vector<double>& values) {
  WM_RETURN_IF_ERROR(simulator->SetParameters(values));
  return DoublePendulumBaseParameters(simulator->model());
}

}  // namespace

v1::SysidEstimate SummarizeEstimate(const std::string& name,
                                    const std::string& unit, double estimate,
                                    const std::vector<double>& samples,
                                    double nominal, double min, double max) {
  v1::SysidEstimate out;
  out.set_name(name);
  out.set_unit(unit);
  out.set_estimate(estimate);
  out.set_nominal(nominal);
  out.set_min(min);
  out.set_max(max);
  if (samples.empty()) {
    out.add_interval90(estimate);
    out.add_interval90(estimate);
    return out;
  }
  double mean = 0;
  for (double s : samples) mean += s;
  mean /= samples.size();
  double variance = 0;
  for (double s : samples) variance += (s - mean) * (s - mean);
  out.set_std(samples.size() > 1 ? std::sqrt(variance / (samples.size() - 1))
                                 : 0.0);
  out.add_interval90(Quantile(samples, 0.05));
  out.add_interval90(Quantile(samples, 0.95));
  return out;
}

absl::StatusOr<v1::SysidReport> BuildSysidReport(
    const SysidSetup& setup, const SysidResult& result,
    const std::vector<int64_t>& fit_indices,
    const std::vector<int64_t>& holdout_indices,
    const v1::SysidConfig& config) {
  if (fit_indices.size() != result.fit_errors.size() ||
      (!result.holdout_errors.empty() &&
       holdout_indices.size() != result.holdout_errors.size())) {
    return absl::InvalidArgumentError(
        "sysid report: episode indices do not match the per-episode errors");
  }
  v1::SysidReport report;
  report.set_scene(setup.scene->name());
  const auto& parameters = setup.scene->parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    std::vector<double> samples;
    for (const auto& fit : result.bootstrap) samples.push_back(fit[i]);
    *report.add_parameters() = SummarizeEstimate(
        parameters[i].name, parameters[i].unit, result.estimate[i], samples,
        setup.nominal[i], parameters[i].min, parameters[i].max);
  }
  if (setup.scene->name() == "double_pendulum") {
    sim::Simulator simulator(setup.scene);
    WM_ASSIGN_OR_RETURN(auto nominal, BaseAt(&simulator, setup.nominal));
    WM_ASSIGN_OR_RETURN(auto estimate, BaseAt(&simulator, result.estimate));
    std::vector<std::vector<double>> samples(estimate.size());
    for (const auto& fit : result.bootstrap) {
      WM_ASSIGN_OR_RETURN(auto base, BaseAt(&simulator, fit));
      for (size_t k = 0; k < base.size(); ++k) {
        samples[k].push_back(base[k].value);
      }
    }
    for (size_t k = 0; k < estimate.size(); ++k) {
      v1::SysidEstimate* out = report.add_base_parameters();
      *out = SummarizeEstimate(estimate[k].name, estimate[k].unit,
                               estimate[k].value, samples[k], nominal[k].value,
                               0, 0);
      out->clear_min();
      out->clear_max();
    }
  }
  report.set_objective(result.objective);
  report.set_nominal_objective(result.nominal_objective);
  auto add_errors =
      [](const std::vector<int64_t>& indices,
         const std::vector<EpisodeError>& errors,
         google::protobuf::RepeatedPtrField<v1::SysidEpisodeError>* out) {
        for (size_t e = 0; e < errors.size(); ++e) {
          v1::SysidEpisodeError* entry = out->Add();
          entry->set_episode(indices[e]);
          entry->set_error(CombineEpisodeErrors({errors[e]}, {}));
        }
      };
  add_errors(fit_indices, result.fit_errors, report.mutable_fit_episodes());
  if (!result.holdout_errors.empty()) {
    add_errors(holdout_indices, result.holdout_errors,
               report.mutable_holdout_episodes());
    report.mutable_holdout_objective()->set_value(
        CombineEpisodeErrors(result.holdout_errors, {}));
  }
  report.set_evaluations(result.evaluations);
  report.set_generations(result.generations);
  *report.mutable_config() = config;
  return report;
}

absl::Status WriteSysidReportJson(const std::string& path,
                                  const v1::SysidReport& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("sysid report to JSON: ", status.ToString()));
  }
  return WriteFileAtomically(path, json);
}

v1::CheckpointManifest SysidManifest(const SysidSetup& setup,
                                     const v1::SysidReport& report) {
  const sim::Scene& scene = *setup.scene;
  v1::CheckpointManifest manifest;
  manifest.set_kind(ModelKindName(ModelKind::kMujoco));
  *manifest.mutable_spec() = scene.spec();
  manifest.set_dt(scene.dt());
  manifest.set_timestep(scene.model().opt.timestep);
  manifest.set_frame_skip(scene.frame_skip());
  for (const v1::SysidEstimate& estimate : report.parameters()) {
    v1::ParameterInfo* info = manifest.add_parameters();
    info->set_name(estimate.name());
    info->set_unit(estimate.unit());
    manifest.add_parameter_values(estimate.estimate());
  }
  *manifest.mutable_scene() = scene.config();
  auto& metrics = *manifest.mutable_metrics();
  metrics["sysid_objective"] = report.objective();
  metrics["sysid_nominal_objective"] = report.nominal_objective();
  if (report.has_holdout_objective()) {
    metrics["sysid_holdout_objective"] = report.holdout_objective().value();
  }
  if (report.ensemble().members() >= 2) {
    *manifest.mutable_simulation_ensemble() = report.ensemble();
    metrics["sysid_ensemble_objective"] = report.ensemble_objective();
  }
  return manifest;
}

}  // namespace wm::worldmodel
