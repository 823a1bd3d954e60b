#include "worldmodel/learned/hybrid_trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "datasets/normalizer.h"
#include "datasets/split.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/learned/hybrid_objective.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/member_training.h"
#include "worldmodel/learned/torch_runtime.h"
#include "worldmodel/learned/weights_file.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The request's config with defaults, refused unless it trains a hybrid
// from scratch.
absl::StatusOr<v1::TrainingConfig> HybridConfig(
    const TrainingRequest& request) {
  WM_ASSIGN_OR_RETURN(v1::TrainingConfig config,
                      WithTrainingDefaults(request.config));
  if (*ParseModelKind(config.model()) != ModelKind::kHybrid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TrainHybridAndPublish: model is '", config.model(), "', not hybrid"));
  }
  if (request.resume || !request.init_from.empty()) {
    return absl::InvalidArgumentError(
        "--resume and --init are not supported for --model hybrid");
  }
  return config;
}

// OK when the base models the data's system (state layout and dt).
absl::Status CheckBaseFitsData(const TrainingRequest& request,
                               const HybridBase& base,
                               const v1::DatasetManifest& data) {
  const v1::StateSpec& a = base.model->spec();
  const v1::StateSpec& b = data.spec();
  if (a.nq() != b.nq() || a.nv() != b.nv() || a.nu() != b.nu() ||
      std::abs(base.model->dt() - data.dt()) > 1e-9 * data.dt()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--base ", request.base, " models another system: nq/nv/nu ", a.nq(),
        "/", a.nv(), "/", a.nu(), ", dt ", base.model->dt(),
        " s; the data has ", b.nq(), "/", b.nv(), "/", b.nu(), ", dt ",
        data.dt(), " s"));
  }
  return absl::OkStatus();
}

// The hybrid's manifest (without version and metrics): the data's layout
// and normalisation, the base's scene, parameters and values.
absl::StatusOr<v1::CheckpointManifest> BuildHybridManifest(
    const TrainingRequest& request, const v1::TrainingConfig& config,
    const HybridBase& base, const TrainingSplits& splits) {
  const datasets::Dataset& dataset = *splits.data;
  const v1::DatasetManifest& data = dataset.manifest();
  v1::CheckpointManifest manifest;
  manifest.set_name(fs::path(request.model_dir).filename().string());
  manifest.set_kind(ModelKindName(ModelKind::kHybrid));
  *manifest.mutable_training() = config;
  *manifest.mutable_spec() = data.spec();
  manifest.set_dt(data.dt());
  manifest.set_timestep(data.timestep());
  manifest.set_frame_skip(std::max(1, data.frame_skip()));
  for (const auto& parameter : base.model->parameters()) {
    *manifest.add_parameters() = parameter;
  }
  manifest.set_dataset_fingerprint(dataset.Fingerprint());
  manifest.set_dataset_dir(request.data_dir);
  RecordSplits(splits, &manifest);
  manifest.set_history_steps(1);
  *manifest.mutable_scene() = base.scene;
  for (double value : base.model->parameter_values()) {
    manifest.add_parameter_values(value);
  }
  WM_ASSIGN_OR_RETURN(
      *manifest.mutable_normalization(),
      datasets::ComputeNormalization(dataset, splits.train_fractions()));
  return manifest;
}

// The trained ensemble's one-step metrics on the validation transitions:
// validation_one_step_nll (members' mean), and the RMS tangent error over
// the delta std of the base alone (validation_rmse_mujoco) and of the
// hybrid (validation_rmse_hybrid); train_transitions.
void AddOneStepMetrics(const LearnedEnsemble& ensemble, const HybridData& data,
                       google::protobuf::Map<std::string, double>* metrics) {
  const StateOps& ops = *ensemble.ops;
  const ResidualData& validation = data.validation;
  const int members = ensemble.members.size();
  double nll_sum = 0;
  for (auto& member : ensemble.members) {
    nll_sum += ResidualNll(*member, ops, validation);
  }
  (*metrics)["validation_one_step_nll"] = nll_sum / members;
  torch::NoGradGuard no_grad;
  torch::Tensor correction = torch::zeros_like(validation.target);
  for (auto& member : ensemble.members) {
    correction += member
                      ->Step(ops, validation.states, validation.actions,
                             validation.mujoco_delta)
                      .mean;
  }
  correction = correction / members * data.correction_std;
  const torch::Tensor& raw = data.raw_validation_target;
  (*metrics)["validation_rmse_mujoco"] = (raw / ops.normalization().delta_std())
                                             .pow(2)
                                             .mean()
                                             .sqrt()
                                             .item<double>();
  (*metrics)["validation_rmse_hybrid"] =
      ((raw - correction) / ops.normalization().delta_std())
          .pow(2)
          .mean()
          .sqrt()
          .item<double>();
  (*metrics)["train_transitions"] = static_cast<double>(data.train.size());
}

// Trains the residual members on `data` through the member-training loop
// (no resume state), metrics.jsonl in model_dir.
absl::Status TrainResidualMembers(
    const TrainingRequest& request, const v1::TrainingConfig& config,
    const HybridBase& base, const HybridData& data, LearnedEnsemble& ensemble,
    const std::function<void(const TrainingProgress&)>& progress,
    v1::CheckpointManifest* manifest) {
  const Clock::time_point budget_end =
      Clock::now() + std::chrono::milliseconds(
                         static_cast<int64_t>(config.max_minutes() * 60000));
  std::error_code ignored;
  fs::create_directories(request.model_dir, ignored);
  const std::string metrics_path = request.model_dir + "/metrics.jsonl";
  fs::remove(metrics_path, ignored);
  TrainingLog log(metrics_path, config.ensemble_size() * config.max_steps(),
                  progress);
  MemberTrainingOptions options;
  options.kind = ModelKind::kHybrid;
  options.ops = ensemble.ops.get();
  options.hidden = ensemble.hidden;
  options.learning_rate = config.learning_rate();
  options.max_steps = config.max_steps();
  options.eval_every = config.eval_every();
  options.patience = config.patience();
  options.batch_size = config.batch_size();
  options.log = &log;
  return TrainMembers(
      options, config.workers(), budget_end, ensemble.members,
      [&](int k) -> absl::StatusOr<std::unique_ptr<MemberObjective>> {
        return std::make_unique<HybridObjective>(config, ensemble.ops.get(),
                                                 base.model.get(), &data, k);
      },
      manifest->mutable_metrics());
}

}  // namespace

absl::StatusOr<HybridBase> LoadHybridBase(const std::string& base) {
  HybridBase out;
  out.name = base;
  if (base.empty()) {
    return absl::InvalidArgumentError(
        "--model hybrid needs --base MODELS/MUJOCO_MODEL[/N] (a 'mujoco' "
        "checkpoint, e.g. from wm sysid --out) or --base mujoco:DATA_DIR");
  }
  std::vector<double> values;
  if (IsNominalMujocoPath(base)) {
    auto dataset = datasets::Dataset::Open(NominalMujocoDataDir(base));
    absl::StatusOr<v1::SceneConfig> scene =
        dataset.ok() ? EmbeddedScene(**dataset) : dataset.status();
    if (!scene.ok()) {
      return absl::Status(
          scene.status().code(),
          absl::StrCat("--base ", base, ": ", scene.status().message()));
    }
    out.scene = *std::move(scene);
  } else {
    auto version_dir = ResolveModelVersionDir(base);
    if (!version_dir.ok()) {
      return absl::Status(
          version_dir.status().code(),
          absl::StrCat("--base ", base, ": ", version_dir.status().message()));
    }
    v1::CheckpointManifest manifest;
    absl::Status read =
        ReadTextProtoFile(*version_dir + "/manifest.pbtxt", &manifest);
    if (!read.ok()) {
      return absl::Status(read.code(),
                          absl::StrCat("--base ", base, ": ", read.message()));
    }
    const absl::StatusOr<ModelKind> kind = ParseModelKind(manifest.kind());
    if (!kind.ok() || *kind != ModelKind::kMujoco) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--base ", base, " is a '", manifest.kind(),
          "' model; a hybrid needs a 'mujoco' base (a checkpoint wm sysid "
          "--out publishes, or mujoco:DATA_DIR for the dataset's scene at "
          "nominal values)"));
    }
    out.scene = manifest.scene();
    values.assign(manifest.parameter_values().begin(),
                  manifest.parameter_values().end());
  }
  auto model = MujocoModel::Create(out.scene, std::move(values));
  if (!model.ok()) {
    return absl::Status(
        model.status().code(),
        absl::StrCat("--base ", base, ": ", model.status().message()));
  }
  out.model = std::move(*model);
  return out;
}

absl::StatusOr<v1::CheckpointManifest> TrainHybridAndPublish(
    const TrainingRequest& request,
    const std::function<void(const TrainingProgress&)>& progress) {
  UseOneIntraOpThread();
  WM_ASSIGN_OR_RETURN(const v1::TrainingConfig config, HybridConfig(request));
  WM_ASSIGN_OR_RETURN(HybridBase base, LoadHybridBase(request.base));
  WM_ASSIGN_OR_RETURN(
      const TrainingSplits splits,
      OpenTrainingSplits(request.data_dir, request.validation_data_dir));
  WM_RETURN_IF_ERROR(CheckBaseFitsData(request, base, splits.data->manifest()));
  WM_ASSIGN_OR_RETURN(v1::CheckpointManifest manifest,
                      BuildHybridManifest(request, config, base, splits));
  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  WM_ASSIGN_OR_RETURN(
      const HybridData data,
      BuildHybridData(splits, *base.model, *ensemble.ops, config.horizon(),
                      std::max(1, config.workers())));
  for (auto& member : ensemble.members) {
    SetHybridCorrectionStd(*member, data.correction_std);
  }
  WM_RETURN_IF_ERROR(TrainResidualMembers(request, config, base, data, ensemble,
                                          progress, &manifest));
  AddOneStepMetrics(ensemble, data, manifest.mutable_metrics());
  WM_RETURN_IF_ERROR(
      PublishEnsembleVersion(request.model_dir, &manifest, ensemble.members)
          .status());
  return manifest;
}

}  // namespace wm::worldmodel
