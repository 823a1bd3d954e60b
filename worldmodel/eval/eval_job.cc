#include "worldmodel/eval/eval_job.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"
#include "worldmodel/eval/constant_velocity_model.h"
#include "worldmodel/eval/evaluator.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {
namespace {

// The nominal MuJoCo model of a dataset's scene (the manifest embeds it).
absl::StatusOr<std::unique_ptr<WorldModel>> NominalMujoco(
    const datasets::Dataset& dataset) {
  WM_ASSIGN_OR_RETURN(const v1::SceneConfig scene, EmbeddedScene(dataset));
  WM_ASSIGN_OR_RETURN(auto model, MujocoModel::Create(scene, {}));
  return std::unique_ptr<WorldModel>(std::move(model));
}

// Scores one model, its errors prefixed by its name.
absl::StatusOr<EvalReport> Score(const std::string& name,
                                 const WorldModel& model,
                                 const datasets::Dataset& dataset,
                                 const datasets::Dataset* ood,
                                 const EvalJob& job,
                                 const EvalJobProgress& progress) {
  EvalOptions options;
  options.ood = ood;
  options.all_episodes = job.all_episodes;
  if (progress) {
    options.progress = [&](int64_t done, int64_t total) {
      progress(name, done, total);
    };
  }
  absl::StatusOr<EvalReport> report =
      Evaluate(model, dataset, job.config, options);
  if (!report.ok()) {
    return absl::Status(report.status().code(),
                        absl::StrCat(name, ": ", report.status().message()));
  }
  report->model = name;
  return report;
}

}  // namespace

absl::StatusOr<LoadedModel> LoadModelForEval(const ModelFactory& factory,
                                             const std::string& path) {
  LoadedModel loaded;
  loaded.name = path;
  if (IsNominalMujocoPath(path)) {
    WM_ASSIGN_OR_RETURN(auto dataset,
                        datasets::Dataset::Open(NominalMujocoDataDir(path)));
    WM_ASSIGN_OR_RETURN(loaded.model, NominalMujoco(*dataset));
    return loaded;
  }
  WM_ASSIGN_OR_RETURN(const std::string version_dir,
                      ResolveModelVersionDir(path));
  loaded.name = ModelVersionName(version_dir);
  WM_ASSIGN_OR_RETURN(loaded.model, factory.Load(version_dir));
  return loaded;
}

absl::StatusOr<EvalJobResult> RunEvalJob(const EvalJob& job,
                                         const ModelFactory& factory,
                                         const EvalJobProgress& progress) {
  if (job.model.empty()) {
    return absl::InvalidArgumentError(
        "model is required (MODELS/NAME, MODELS/NAME/N or mujoco:DATA_DIR)");
  }
  if (job.data_dir.empty()) {
    return absl::InvalidArgumentError("data is required");
  }
  WM_ASSIGN_OR_RETURN(auto dataset, datasets::Dataset::Open(job.data_dir));
  std::unique_ptr<datasets::Dataset> ood;
  if (!job.ood_data_dir.empty()) {
    WM_ASSIGN_OR_RETURN(ood, datasets::Dataset::Open(job.ood_data_dir));
  }
  WM_ASSIGN_OR_RETURN(LoadedModel main, LoadModelForEval(factory, job.model));
  std::optional<LoadedModel> baseline;
  if (!job.baseline.empty()) {
    WM_ASSIGN_OR_RETURN(baseline, LoadModelForEval(factory, job.baseline));
  }
  EvalJobResult result;
  result.kind = main.model->kind();
  WM_ASSIGN_OR_RETURN(result.report, Score(main.name, *main.model, *dataset,
                                           ood.get(), job, progress));

  WM_ASSIGN_OR_RETURN(
      auto constant,
      ConstantVelocityModel::Create(dataset->spec(), dataset->manifest().dt()));
  WM_ASSIGN_OR_RETURN(EvalReport constant_report,
                      Score("constant_velocity", *constant, *dataset, ood.get(),
                            job, progress));
  result.baselines.push_back({"constant_velocity", std::move(constant_report)});
  if (IsNominalMujocoPath(job.model)) {
    // The model is the nominal MuJoCo model already.
    EvalReport nominal = result.report;
    nominal.model = "mujoco_nominal";
    result.baselines.push_back({"mujoco_nominal", std::move(nominal)});
  } else {
    absl::StatusOr<std::unique_ptr<WorldModel>> nominal =
        NominalMujoco(*dataset);
    if (nominal.ok()) {
      WM_ASSIGN_OR_RETURN(EvalReport nominal_report,
                          Score("mujoco_nominal", **nominal, *dataset,
                                ood.get(), job, progress));
      result.baselines.push_back({"mujoco_nominal", std::move(nominal_report)});
    } else {
      result.notes.push_back(absl::StrCat("no mujoco_nominal baseline: ",
                                          nominal.status().message()));
    }
  }
  if (baseline.has_value()) {
    WM_ASSIGN_OR_RETURN(EvalReport baseline_report,
                        Score(baseline->name, *baseline->model, *dataset,
                              ood.get(), job, progress));
    result.baselines.push_back(
        {baseline->model->kind(), std::move(baseline_report)});
  }
  return result;
}

}  // namespace wm::worldmodel
