// `wm eval`: scores a model on a dataset's test split beside the baselines
// (constant velocity, MuJoCo with nominal parameters, an optional --baseline
// model), prints a table and writes the JSON report.

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/dataset.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "tools/wm/toss_protocol.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/eval/constant_velocity_model.h"
#include "worldmodel/eval/eval_report_json.h"
#include "worldmodel/eval/evaluator.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::tools {
namespace {

using worldmodel::EvalReport;
using worldmodel::NamedReport;
using worldmodel::WorldModel;

constexpr char kMujocoPrefix[] = "mujoco:";

struct LoadedModel {
  std::string name;  // "NAME/N" or "mujoco:DIR"
  std::unique_ptr<WorldModel> model;
};

// The nominal MuJoCo model of a dataset's scene (the manifest embeds it).
absl::StatusOr<std::unique_ptr<WorldModel>> NominalMujoco(
    const datasets::Dataset& dataset) {
  if (dataset.manifest().scene().mjcf().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("dataset ", dataset.directory(),
                     " embeds no scene MJCF, so it cannot be simulated"));
  }
  WM_ASSIGN_OR_RETURN(auto model, worldmodel::MujocoModel::Create(
                                      dataset.manifest().scene(), {}));
  return std::unique_ptr<WorldModel>(std::move(model));
}

// `--model` / `--baseline`: MODELS/NAME[/N] or mujoco:DATASET_DIR.
absl::StatusOr<LoadedModel> LoadModel(const worldmodel::ModelFactory& factory,
                                      const std::string& path) {
  LoadedModel loaded;
  loaded.name = path;
  if (absl::StartsWith(path, kMujocoPrefix)) {
    WM_ASSIGN_OR_RETURN(
        auto dataset,
        datasets::Dataset::Open(path.substr(sizeof(kMujocoPrefix) - 1)));
    WM_ASSIGN_OR_RETURN(loaded.model, NominalMujoco(*dataset));
    return loaded;
  }
  WM_ASSIGN_OR_RETURN(const std::string version_dir,
                      worldmodel::ResolveModelVersionDir(path));
  loaded.name = worldmodel::ModelVersionName(version_dir);
  WM_ASSIGN_OR_RETURN(loaded.model, factory.Load(version_dir));
  return loaded;
}

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

// Scores one model, drawing a progress bar on stderr.
absl::StatusOr<EvalReport> Score(const std::string& name,
                                 const WorldModel& model,
                                 const datasets::Dataset& dataset,
                                 const datasets::Dataset* ood,
                                 const v1::EvalConfig& config) {
  std::unique_ptr<ProgressBar> bar;
  worldmodel::EvalOptions options;
  options.ood = ood;
  options.all_episodes = absl::GetFlag(FLAGS_split) == "all";
  options.progress = [&](int64_t done, int64_t total) {
    if (bar == nullptr) bar = std::make_unique<ProgressBar>(name, total);
    bar->Update(done,
                absl::StrCat(
                    CompactNumber(done / std::max(bar->ElapsedSeconds(), 1e-9)),
                    " rows/s"));
  };
  absl::StatusOr<EvalReport> report =
      worldmodel::Evaluate(model, dataset, config, options);
  if (bar != nullptr) bar->Finish();
  if (!report.ok()) {
    return absl::Status(report.status().code(),
                        absl::StrCat(name, ": ", report.status().message()));
  }
  report->model = name;
  return report;
}

std::string Cell(const std::optional<double>& value, bool percent = false) {
  if (!value.has_value()) return "-";
  return percent ? absl::StrFormat("%.1f%%", 100 * *value)
                 : absl::StrFormat("%.4g", *value);
}

// One row per report; columns: one-step NMSE, each rollout error median per
// horizon, each parameter's median relative error.
void PrintTable(const std::vector<NamedReport>& rows) {
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
  std::cout << absl::StrFormat("%-*s", label_width, "model");
  for (const std::string& column : columns) {
    std::cout << absl::StrFormat("  %*s", std::max<size_t>(10, column.size()),
                                 column);
  }
  std::cout << "\n";
  for (const auto& [label, report] : rows) {
    std::cout << absl::StrFormat("%-*s", label_width, label);
    for (const std::string& column : columns) {
      auto cell = cells[label].find(column);
      std::cout << absl::StrFormat(
          "  %*s", std::max<size_t>(10, column.size()),
          cell == cells[label].end() ? "-" : cell->second);
    }
    std::cout << "\n";
  }
  std::cout << "(rollout columns: median error at KEY@STEPS; pos_m, joint_m in "
               "m, rot_deg in degrees, joint_rad in rad)\n";
}

// `--protocol acosta_toss`: every episode of --data, the model and the
// --baseline (when given) side by side.
absl::Status EvalTossProtocol() {
  WM_ASSIGN_OR_RETURN(auto dataset,
                      datasets::Dataset::Open(absl::GetFlag(FLAGS_data)));
  worldmodel::ModelFactory factory;
  worldmodel::RegisterLearnedModels(&factory);
  std::vector<LoadedModel> loaded;
  WM_ASSIGN_OR_RETURN(loaded.emplace_back(),
                      LoadModel(factory, absl::GetFlag(FLAGS_model)));
  if (!absl::GetFlag(FLAGS_baseline).empty()) {
    WM_ASSIGN_OR_RETURN(loaded.emplace_back(),
                        LoadModel(factory, absl::GetFlag(FLAGS_baseline)));
  }
  std::vector<NamedModel> models;
  for (const LoadedModel& model : loaded) {
    models.push_back({model.name, model.model.get()});
  }
  return RunTossProtocol(models, *dataset, absl::GetFlag(FLAGS_json));
}

absl::Status Eval(const v1::EvalConfig& config) {
  const std::string split = absl::GetFlag(FLAGS_split);
  if (split != "test" && split != "all") {
    return absl::InvalidArgumentError(
        absl::StrCat("--split must be test or all, not '", split, "'"));
  }
  const std::string protocol = absl::GetFlag(FLAGS_protocol);
  if (protocol == "acosta_toss") return EvalTossProtocol();
  if (!protocol.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--protocol '", protocol, "' is unknown; known: acosta_toss"));
  }
  WM_ASSIGN_OR_RETURN(auto dataset,
                      datasets::Dataset::Open(absl::GetFlag(FLAGS_data)));
  std::unique_ptr<datasets::Dataset> ood;
  if (!absl::GetFlag(FLAGS_ood_data).empty()) {
    WM_ASSIGN_OR_RETURN(ood,
                        datasets::Dataset::Open(absl::GetFlag(FLAGS_ood_data)));
  }
  worldmodel::ModelFactory factory;
  worldmodel::RegisterLearnedModels(&factory);
  WM_ASSIGN_OR_RETURN(LoadedModel main,
                      LoadModel(factory, absl::GetFlag(FLAGS_model)));
  std::optional<LoadedModel> baseline;
  if (!absl::GetFlag(FLAGS_baseline).empty()) {
    WM_ASSIGN_OR_RETURN(baseline,
                        LoadModel(factory, absl::GetFlag(FLAGS_baseline)));
  }
  std::cerr << "wm eval: " << main.name << " (" << main.model->kind()
            << ") on the " << absl::GetFlag(FLAGS_split) << " episodes of "
            << dataset->directory() << "\n";
  WM_ASSIGN_OR_RETURN(EvalReport report, Score(main.name, *main.model, *dataset,
                                               ood.get(), config));

  std::vector<NamedReport> baselines;
  WM_ASSIGN_OR_RETURN(auto constant,
                      worldmodel::ConstantVelocityModel::Create(
                          dataset->spec(), dataset->manifest().dt()));
  WM_ASSIGN_OR_RETURN(
      EvalReport constant_report,
      Score("constant_velocity", *constant, *dataset, ood.get(), config));
  baselines.push_back({"constant_velocity", std::move(constant_report)});
  if (absl::StartsWith(absl::GetFlag(FLAGS_model), kMujocoPrefix)) {
    // The model is the nominal MuJoCo model already.
    EvalReport nominal = report;
    nominal.model = "mujoco_nominal";
    baselines.push_back({"mujoco_nominal", std::move(nominal)});
  } else {
    absl::StatusOr<std::unique_ptr<WorldModel>> nominal =
        NominalMujoco(*dataset);
    if (nominal.ok()) {
      WM_ASSIGN_OR_RETURN(
          EvalReport nominal_report,
          Score("mujoco_nominal", **nominal, *dataset, ood.get(), config));
      baselines.push_back({"mujoco_nominal", std::move(nominal_report)});
    } else {
      std::cerr << "wm eval: no mujoco_nominal baseline: "
                << nominal.status().message() << "\n";
    }
  }
  if (baseline.has_value()) {
    WM_ASSIGN_OR_RETURN(
        EvalReport baseline_report,
        Score(baseline->name, *baseline->model, *dataset, ood.get(), config));
    baselines.push_back({baseline->model->kind(), std::move(baseline_report)});
  }

  std::vector<NamedReport> rows = {{report.model, report}};
  for (const auto& [name, baseline_report] : baselines) {
    rows.push_back({name, baseline_report});
  }
  std::cout << report.split << " split: " << report.episodes << " episodes of "
            << dataset->directory() << "\n";
  PrintTable(rows);
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty()) {
    WM_RETURN_IF_ERROR(
        worldmodel::WriteEvalReportJson(json, report, baselines));
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
