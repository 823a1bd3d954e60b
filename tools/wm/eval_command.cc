// `wm eval`: scores a model on a dataset's test split beside the baselines
// (constant velocity, MuJoCo with nominal parameters, an optional --baseline
// model), prints a table and writes the JSON report; with --protocol
// acosta_toss, the published cube-toss protocol (--baseline may list
// several models, comma-separated). The work is
// worldmodel::RunEvalJob and worldmodel::RunTossProtocol.

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "datasets/dataset.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/eval/eval_job.h"
#include "worldmodel/eval/eval_report_json.h"
#include "worldmodel/eval/eval_table.h"
#include "worldmodel/eval/toss_protocol_report.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::tools {
namespace {

using worldmodel::NamedReport;

absl::StatusOr<v1::EvalConfig> ResolveConfig(const Invocation& invocation) {
  v1::EvalConfig config;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(absl::GetFlag(FLAGS_config), &config));
  }
  if (invocation.Given("max_episodes")) {
    config.set_max_episodes(absl::GetFlag(FLAGS_max_episodes));
  }
  if (absl::GetFlag(FLAGS_model).empty()) {
    return absl::InvalidArgumentError(
        "--model is required (MODELS/NAME, MODELS/NAME/N or mujoco:DATA_DIR)");
  }
  if (absl::GetFlag(FLAGS_data).empty()) {
    return absl::InvalidArgumentError("--data is required");
  }
  return config;
}

// `--protocol acosta_toss`: every episode of --data, the model and the
// baselines side by side; --baseline A,B,... gives several, each paired
// with the model (model_over_this in the JSON).
absl::Status EvalTossProtocol(const worldmodel::ModelFactory& factory) {
  WM_ASSIGN_OR_RETURN(auto dataset,
                      datasets::Dataset::Open(absl::GetFlag(FLAGS_data)));
  std::vector<worldmodel::LoadedModel> loaded;
  WM_ASSIGN_OR_RETURN(
      loaded.emplace_back(),
      worldmodel::LoadModelForEval(factory, absl::GetFlag(FLAGS_model)));
  for (absl::string_view baseline :
       absl::StrSplit(absl::GetFlag(FLAGS_baseline), ',', absl::SkipEmpty())) {
    WM_ASSIGN_OR_RETURN(
        loaded.emplace_back(),
        worldmodel::LoadModelForEval(factory, std::string(baseline)));
  }
  std::vector<worldmodel::NamedModel> models;
  for (const auto& model : loaded) {
    models.push_back({model.name, model.model.get()});
  }
  WM_ASSIGN_OR_RETURN(const worldmodel::TossProtocolReport report,
                      worldmodel::RunTossProtocol(
                          models, *dataset, [&](const std::string& name) {
                            std::cerr << "wm eval: acosta_toss protocol, "
                                      << name << " on "
                                      << dataset->num_episodes() << " tosses\n";
                          }));
  std::cout << worldmodel::TossProtocolTable(report);
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty()) {
    WM_RETURN_IF_ERROR(
        WriteFileAtomically(json, worldmodel::TossProtocolJson(report)));
    std::cout << "wrote " << json << "\n";
  }
  return absl::OkStatus();
}

absl::Status Eval(const v1::EvalConfig& config) {
  const std::string split = absl::GetFlag(FLAGS_split);
  if (split != "test" && split != "all") {
    return absl::InvalidArgumentError(
        absl::StrCat("--split must be test or all, not '", split, "'"));
  }
  worldmodel::ModelFactory factory;
  worldmodel::RegisterLearnedModels(&factory);
  const std::string protocol = absl::GetFlag(FLAGS_protocol);
  if (protocol == "acosta_toss") return EvalTossProtocol(factory);
  if (!protocol.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--protocol '", protocol, "' is unknown; known: acosta_toss"));
  }
  worldmodel::EvalJob job;
  job.model = absl::GetFlag(FLAGS_model);
  job.baseline = absl::GetFlag(FLAGS_baseline);
  job.data_dir = absl::GetFlag(FLAGS_data);
  job.ood_data_dir = absl::GetFlag(FLAGS_ood_data);
  job.all_episodes = split == "all";
  job.config = config;
  std::cerr << "wm eval: " << job.model << " on the " << split
            << " episodes of " << job.data_dir << "\n";
  std::map<std::string, std::unique_ptr<ProgressBar>> bars;
  auto progress = [&](const std::string& name, int64_t done, int64_t total) {
    auto& bar = bars[name];
    if (bar == nullptr) bar = std::make_unique<ProgressBar>(name, total);
    bar->Update(done,
                absl::StrCat(
                    CompactNumber(done / std::max(bar->ElapsedSeconds(), 1e-9)),
                    " rows/s"));
    if (done == total) bar->Finish();  // the next model's bar starts below
  };
  absl::StatusOr<worldmodel::EvalJobResult> ran =
      worldmodel::RunEvalJob(job, factory, progress);
  for (auto& [name, bar] : bars) bar->Finish();
  WM_RETURN_IF_ERROR(ran.status());
  const worldmodel::EvalJobResult& result = *ran;
  for (const std::string& note : result.notes) {
    std::cerr << "wm eval: " << note << "\n";
  }
  std::vector<NamedReport> rows = {{result.report.model, result.report}};
  rows.insert(rows.end(), result.baselines.begin(), result.baselines.end());
  std::cout << result.report.split << " split: " << result.report.episodes
            << " episodes of " << job.data_dir << " (" << result.report.model
            << ": " << result.kind << ")\n";
  std::cout << worldmodel::EvalTable(rows);
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty()) {
    WM_RETURN_IF_ERROR(
        worldmodel::WriteEvalReportJson(json, result.report, result.baselines));
    std::cout << "wrote " << json << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

int RunEval(const Invocation& invocation) {
  absl::StatusOr<v1::EvalConfig> config = ResolveConfig(invocation);
  absl::Status status = config.ok() ? Eval(*config) : config.status();
  if (!status.ok()) {
    std::cerr << "wm eval: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
