#include "worldmodel/learned/trainer.h"

#include <google/protobuf/util/message_differencer.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "datasets/normalizer.h"
#include "datasets/split.h"
#include "util/file_util.h"
#include "util/logging.h"
#include "util/parallel.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/learned/distributed_group.h"
#include "worldmodel/learned/distributed_members.h"
#include "worldmodel/learned/hybrid_trainer.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/member_training.h"
#include "worldmodel/learned/torch_runtime.h"
#include "worldmodel/learned/training_batch.h"
#include "worldmodel/learned/training_splits.h"
#include "worldmodel/learned/weights_file.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A physics or blackbox run: what every step of TrainAndPublish shares.
struct TrainingRun {
  v1::TrainingConfig config;
  ModelKind kind = ModelKind::kPhysics;
  v1::CheckpointManifest manifest;  // without version and metrics
  TrainingSplits splits;            // the training and validation episodes
  std::string init_dir;  // fine-tuning: the pretrained version, else empty
  v1::CheckpointManifest init_manifest;  // and its manifest
  std::string resume_dir;
  LearnedEnsemble ensemble;
  WindowBatch validation;
  Clock::time_point budget_end;
  // wm train --distributed: the group, how it shares the work, and this
  // rank's part of each batch (all of it when the members are spread).
  std::unique_ptr<DistributedGroup> group;
  DistributeWork work = DistributeWork::kBatch;
  BatchShare share;
  bool publishes() const { return group == nullptr || group->rank() == 0; }
};

// The first `history` transitions of each validation episode that has them,
// with its true parameters: the histories wm eval and wm plan infer the
// parameters from. Empty when no validation episode is that long.
absl::StatusOr<LabelledHistories> EpisodeStartHistories(
    const TrainingSplits& splits, int history, const StateOps& ops) {
  std::vector<datasets::Window> windows;
  const datasets::SplitFractions fractions = splits.validation_fractions();
  WM_RETURN_IF_ERROR(
      splits.validation().ForEachEpisode([&](const datasets::Episode& e) {
        if (datasets::SplitOf(e.index, fractions) ==
                datasets::Split::kValidation &&
            e.num_steps() >= history) {
          windows.push_back(datasets::CutWindow(e, 0, history, 0));
        }
        return absl::OkStatus();
      }));
  if (windows.empty()) return LabelledHistories{};
  WindowBatch batch =
      ToBatch(windows, ops.nx(), ops.nu(), ops.num_parameters());
  return LabelledHistories{batch.states, batch.actions, batch.parameters};
}

// Fine-tuning: reads the pretrained version's manifest into
// `pretrained_out` and takes its kind, sizes, history length and
// normalisation into `manifest` (built from the new dataset), after checking
// that the state layout and parameter names agree.
absl::Status AdoptPretrained(const std::string& init_dir,
                             v1::CheckpointManifest* manifest,
                             v1::CheckpointManifest* pretrained_out) {
  v1::CheckpointManifest& pretrained = *pretrained_out;
  WM_RETURN_IF_ERROR(
      ReadTextProtoFile(init_dir + "/manifest.pbtxt", &pretrained));
  const absl::StatusOr<ModelKind> kind = ParseModelKind(pretrained.kind());
  if (!kind.ok() ||
      (*kind != ModelKind::kPhysics && *kind != ModelKind::kBlackbox)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--init ", init_dir, " is a '", pretrained.kind(),
        "' model; only physics and blackbox models are fine-tuned"));
  }
  const v1::StateSpec& a = pretrained.spec();
  const v1::StateSpec& b = manifest->spec();
  bool same_parameters =
      pretrained.parameters_size() == manifest->parameters_size();
  for (int i = 0; same_parameters && i < pretrained.parameters_size(); ++i) {
    same_parameters =
        pretrained.parameters(i).name() == manifest->parameters(i).name();
  }
  if (a.nq() != b.nq() || a.nv() != b.nv() || a.nu() != b.nu() ||
      !same_parameters) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--init ", init_dir, " models another system: nq/nv/nu ", a.nq(), "/",
        a.nv(), "/", a.nu(), " and ", pretrained.parameters_size(),
        " parameters, the data has ", b.nq(), "/", b.nv(), "/", b.nu(), " and ",
        manifest->parameters_size()));
  }
  v1::TrainingConfig config = manifest->training();
  config.set_model(pretrained.kind());
  *config.mutable_hidden() = pretrained.training().hidden();
  config.set_ensemble_size(pretrained.training().ensemble_size());
  config.set_history_seconds(pretrained.training().history_seconds());
  manifest->set_kind(pretrained.kind());
  *manifest->mutable_training() = config;
  manifest->set_history_steps(pretrained.history_steps());
  manifest->set_horizontal_invariance(pretrained.horizontal_invariance());
  *manifest->mutable_normalization() = pretrained.normalization();
  (*manifest->mutable_metrics())["fine_tuned_from_version"] =
      static_cast<double>(pretrained.version());
  return absl::OkStatus();
}

// The manifest of a run on `dataset` (without version, metrics and the
// learning rate if it is still to be chosen); with init_from, the
// pretrained version's kind, sizes and normalisation (AdoptPretrained).
absl::Status BuildManifest(const TrainingRequest& request, TrainingRun* run) {
  const v1::DatasetManifest& data = run->splits.data->manifest();
  const v1::TrainingConfig& config = run->config;
  v1::CheckpointManifest& manifest = run->manifest;
  manifest.set_name(fs::path(request.model_dir).filename().string());
  manifest.set_kind(config.model());
  manifest.set_horizontal_invariance(run->kind == ModelKind::kPhysics &&
                                     !config.absolute_horizontal_positions());
  *manifest.mutable_training() = config;
  *manifest.mutable_spec() = data.spec();
  manifest.set_dt(data.dt());
  manifest.set_timestep(data.timestep());
  manifest.set_frame_skip(std::max(1, data.frame_skip()));
  *manifest.mutable_parameters() = data.parameters();
  manifest.set_dataset_fingerprint(run->splits.data->Fingerprint());
  manifest.set_dataset_dir(request.data_dir);
  RecordSplits(run->splits, &manifest);
  manifest.set_history_steps(static_cast<int>(std::clamp<double>(
      std::round(config.history_seconds() / data.dt()), 1, 100)));
  *manifest.mutable_scene() = data.scene();
  if (request.init_from.empty()) {
    WM_ASSIGN_OR_RETURN(*manifest.mutable_normalization(),
                        datasets::ComputeNormalization(
                            *run->splits.data, run->splits.train_fractions()));
    return absl::OkStatus();
  }
  WM_ASSIGN_OR_RETURN(run->init_dir, ResolveModelVersionDir(request.init_from));
  WM_RETURN_IF_ERROR(
      AdoptPretrained(run->init_dir, &manifest, &run->init_manifest));
  run->config = manifest.training();
  run->kind = *ParseModelKind(run->config.model());
  return absl::OkStatus();
}

// The resume state's directory, model_dir/.train: with `resume`, checked
// against the manifest the run was started with; otherwise started afresh
// (with the metrics) and the manifest saved there.
absl::Status PrepareResumeState(const TrainingRequest& request,
                                TrainingRun* run) {
  std::error_code ignored;
  fs::create_directories(request.model_dir, ignored);
  run->resume_dir = request.model_dir + "/.train";
  const std::string resume_manifest = run->resume_dir + "/manifest.pbtxt";
  if (request.resume) {
    v1::CheckpointManifest saved;
    WM_RETURN_IF_ERROR(ReadTextProtoFile(resume_manifest, &saved));
    // Field-wise: serialised bytes of map fields (the scene's actuator
    // units) depend on insertion order, which a text round trip changes.
    if (!google::protobuf::util::MessageDifferencer::Equals(saved,
                                                            run->manifest)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the resume state in ", run->resume_dir,
          " was started with another dataset or config; train without "
          "--resume to start over"));
    }
    return absl::OkStatus();
  }
  if (!run->publishes()) return absl::OkStatus();  // rank 0 starts afresh
  fs::remove_all(run->resume_dir, ignored);
  fs::remove(request.model_dir + "/metrics.jsonl", ignored);
  if (!fs::create_directories(run->resume_dir, ignored) && ignored) {
    return ErrnoToStatus(ignored.value(), "create", run->resume_dir);
  }
  return WriteTextProtoFile(resume_manifest, run->manifest);
}

// The run's ensemble (from the pretrained weights when fine-tuning) and
// its validation windows.
absl::Status BuildEnsembleAndValidation(TrainingRun* run) {
  run->ensemble = BuildEnsemble(run->manifest);
  if (!run->init_dir.empty()) {
    WM_RETURN_IF_ERROR(LoadVersionWeights(run->init_dir, run->init_manifest,
                                          run->ensemble.members));
  }
  const v1::TrainingConfig& config = run->config;
  const int history = run->manifest.history_steps();
  WM_ASSIGN_OR_RETURN(
      auto sampler,
      datasets::WindowSampler::Create(
          &run->splits.validation(), datasets::Split::kValidation, history,
          config.horizon(), config.seed() + 1,
          /*shards_in_memory=*/2, run->splits.validation_fractions()));
  auto windows = sampler->NextBatch(config.validation_windows());
  if (!windows.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no validation windows of ", history, " + ",
                     config.horizon(), " steps: ", windows.status().message(),
                     " (generate more or longer episodes)"));
  }
  const StateOps& ops = *run->ensemble.ops;
  run->validation = ToBatch(*windows, ops.nx(), ops.nu(), ops.num_parameters());
  return absl::OkStatus();
}

// Member training options of the run at `learning_rate`.
MemberTrainingOptions MemberOptions(const TrainingRun& run,
                                    double learning_rate, TrainingLog* log) {
  MemberTrainingOptions options;
  options.kind = run.kind;
  options.ops = run.ensemble.ops.get();
  options.hidden = run.ensemble.hidden;
  options.learning_rate = learning_rate;
  options.max_steps = run.config.max_steps();
  options.eval_every = run.config.eval_every();
  options.patience = run.config.patience();
  options.batch_size = run.config.batch_size();
  options.log = log;
  return options;
}

// Member k's objective in the run, computing `share` of each batch.
absl::StatusOr<std::unique_ptr<MemberObjective>> ObjectiveOf(
    const TrainingRun& run, int k, BatchShare share) {
  WM_ASSIGN_OR_RETURN(
      std::unique_ptr<WindowObjective> objective,
      WindowObjective::Create(
          run.config, run.splits.data.get(), run.splits.train_fractions(),
          run.manifest.history_steps(), run.ensemble.ops.get(), &run.validation,
          run.kind == ModelKind::kPhysics, k, share));
  return std::unique_ptr<MemberObjective>(std::move(objective));
}

// The learning rate: the config's, or the candidate with the best
// validation loss after a short trial of member 0 (from its initial
// weights). The candidates train side by side, one per worker.
absl::StatusOr<double> ChooseLearningRate(const TrainingRun& run) {
  if (run.config.learning_rate() > 0) return run.config.learning_rate();
  auto trial_loss = [&](double candidate) -> absl::StatusOr<double> {
    LearnedEnsemble scratch = BuildEnsemble(run.manifest);
    if (!run.init_dir.empty()) {
      WM_RETURN_IF_ERROR(
          LoadVersionWeights(run.init_dir, run.init_manifest, scratch.members));
    }
    TrainingLog quiet("", 0, nullptr);
    MemberTrainingOptions options = MemberOptions(run, candidate, &quiet);
    options.max_steps =
        std::max<int64_t>(run.config.max_steps() / 5, run.config.eval_every());
    options.budget = run.budget_end - Clock::now();
    WM_ASSIGN_OR_RETURN(auto objective, ObjectiveOf(run, 0, run.share));
    WM_ASSIGN_OR_RETURN(
        MemberOutcome outcome,
        TrainMember(options, 0, *scratch.members[0], *objective));
    return outcome.best_validation;
  };
  const auto& candidates = run.config.learning_rate_candidates();
  std::vector<absl::StatusOr<double>> losses(candidates.size(), 0.0);
  ForEachOnWorkers(run.config.workers(), candidates.size(),
                   [&](int c) { losses[c] = trial_loss(candidates[c]); });
  double best = std::numeric_limits<double>::infinity();
  double learning_rate = candidates[0];
  for (size_t c = 0; c < candidates.size(); ++c) {
    if (!losses[c].ok()) return losses[c].status();
    if (*losses[c] < best) {
      best = *losses[c];
      learning_rate = candidates[c];
    }
  }
  if (run.group != nullptr) {  // rank 0's choice, should clocks differ
    torch::Tensor chosen = torch::tensor({learning_rate}, torch::kFloat64);
    WM_RETURN_IF_ERROR(run.group->BroadcastFromRankZero(chosen));
    learning_rate = chosen.item<double>();
  }
  LOG(INFO) << "learning rate " << learning_rate << " chosen on validation";
  return learning_rate;
}

// Calibrates the inferred parameters' std on the validation histories:
// random windows, and each episode's start (the history of wm eval and
// wm plan, often before any contact has revealed a parameter); records the
// surprise of the latter.
absl::Status CalibrateParameters(TrainingRun* run) {
  const WindowBatch& validation = run->validation;
  v1::CheckpointManifest& manifest = run->manifest;
  std::vector<LabelledHistories> sets = {
      {validation.states.narrow(1, 0, validation.history + 1),
       validation.actions.narrow(1, 0, validation.history),
       validation.parameters}};
  WM_ASSIGN_OR_RETURN(LabelledHistories starts,
                      EpisodeStartHistories(run->splits, validation.history,
                                            *run->ensemble.ops));
  if (starts.states.defined()) {
    // The surprise of the histories wm eval and wm plan read most.
    manifest.set_history_surprise_reference(
        HistorySurpriseReference(run->ensemble, starts));
    LOG(INFO) << "history surprise reference "
              << manifest.history_surprise_reference()
              << " (90% of validation episode starts)";
    sets.push_back(std::move(starts));
  }
  const std::vector<double> scales = CalibrateParameterStd(run->ensemble, sets);
  manifest.clear_parameter_std_scale();
  for (size_t p = 0; p < scales.size(); ++p) {
    manifest.add_parameter_std_scale(scales[p]);
    LOG(INFO) << manifest.parameters(p).name() << ": inferred std x "
              << scales[p]
              << " for 90% coverage on validation (random windows and "
                 "episode starts)";
  }
  return absl::OkStatus();
}

// wm train --distributed: joins the group (distributed_members.h).
absl::Status JoinGroup(const DistributedOptions& distributed,
                       TrainingRun* run) {
  if (!distributed.enabled) return absl::OkStatus();
  WM_ASSIGN_OR_RETURN(
      TrainingGroup joined,
      JoinTrainingGroup(distributed, run->config.ensemble_size(),
                        run->config.batch_size()));
  run->group = std::move(joined.group);
  run->work = joined.work;
  run->share = joined.share;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::TrainingConfig> WithTrainingDefaults(
    v1::TrainingConfig config) {
  if (config.model().empty()) {
    config.set_model(ModelKindName(ModelKind::kPhysics));
  }
  absl::StatusOr<ModelKind> kind = ParseModelKind(config.model());
  if (!kind.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model: ", kind.status().message()));
  }
  if (!IsLearnedKind(*kind)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model: '", config.model(),
        "' is not trained by wm train (physics, blackbox or hybrid; wm "
        "sysid fits mujoco models)"));
  }
  if (*kind == ModelKind::kPhysics) {
    // The cosine schedule from 1e-3 decayed before the network had fitted
    // (on push, 2e-3 cut the 30-step box error from 20 to 15 mm). A fixed
    // 3e-3, without the trial's 75 s, against the trial between {2e-3,
    // 1e-3} (which chose 2e-3), seed 1 each: a lower validation loss on
    // all four built-in scenes; median errors at 50 steps push box 24.0
    // against 24.9 mm (rotation 8.6 against 9.5 deg), slide 32.9 against
    // 39.8 mm, but toss 0.39 against 0.30 mm and the double pendulum 0.086
    // against 0.082 rad. At these rates the validation loss is noisy, so
    // early stopping waits for 10 validations. Given candidates still run
    // the trial.
    if (config.learning_rate() <= 0 &&
        config.learning_rate_candidates().empty()) {
      config.set_learning_rate(3e-3);
    }
    if (config.patience() == 0) config.set_patience(10);
    // More steps than the default 14 minutes afford on the slowest scenes,
    // so that the budget, not the step count, ends their schedule: push
    // members afford about 13000 (12000 ended push at 12.2 minutes), toss
    // about 12000; both publish after 13.6 minutes.
    if (config.max_steps() == 0) config.set_max_steps(14000);
  }
  if (*kind == ModelKind::kHybrid) {
    // One-step residual training: a fixed rate, a shorter default run.
    if (config.learning_rate() <= 0) config.set_learning_rate(1e-3);
    if (config.max_steps() == 0) config.set_max_steps(2000);
    if (config.horizon() == 0) config.set_horizon(32);
  }
  if (config.ensemble_size() == 0) config.set_ensemble_size(5);
  if (config.hidden().empty()) {
    for (int width : DefaultHidden(*kind)) config.add_hidden(width);
  }
  if (config.history_seconds() == 0) config.set_history_seconds(1.0);
  if (config.horizon() == 0) config.set_horizon(8);
  if (config.multi_step_weight() == 0) config.set_multi_step_weight(1.0);
  if (config.parameter_loss_weight() == 0)
    config.set_parameter_loss_weight(1.0);
  if (config.batch_size() == 0) config.set_batch_size(128);
  if (config.learning_rate_candidates().empty()) {
    config.add_learning_rate_candidates(1e-3);
    config.add_learning_rate_candidates(3e-4);
  }
  if (config.max_steps() == 0) config.set_max_steps(6000);
  // Default training must fit 15 minutes on 2 cores on every built-in scene.
  if (config.max_minutes() == 0) config.set_max_minutes(14);
  if (config.eval_every() == 0) config.set_eval_every(200);
  if (config.patience() == 0) config.set_patience(5);
  if (config.validation_windows() == 0) config.set_validation_windows(512);
  if (config.workers() == 0) {
    config.set_workers(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (config.ensemble_size() < 1 || config.horizon() < 1 ||
      config.batch_size() < 1 || config.max_steps() < 1 ||
      config.eval_every() < 1 || config.history_seconds() < 0) {
    return absl::InvalidArgumentError(
        "ensemble_size, horizon, batch_size, max_steps and eval_every must be "
        "positive");
  }
  return config;
}

absl::StatusOr<v1::CheckpointManifest> TrainAndPublish(
    const TrainingRequest& request,
    const std::function<void(const TrainingProgress&)>& progress) {
  UseOneIntraOpThread();
  TrainingRun run;
  WM_ASSIGN_OR_RETURN(run.config, WithTrainingDefaults(request.config));
  run.kind = *ParseModelKind(run.config.model());
  if (run.kind == ModelKind::kHybrid) {
    if (request.distributed.enabled) {
      return absl::InvalidArgumentError(
          "--distributed trains physics and blackbox models, not hybrid");
    }
    return TrainHybridAndPublish(request, progress);
  }
  if (!request.base.empty()) {
    return absl::InvalidArgumentError("--base applies to --model hybrid only");
  }
  WM_ASSIGN_OR_RETURN(
      run.splits,
      OpenTrainingSplits(request.data_dir, request.validation_data_dir));
  WM_RETURN_IF_ERROR(BuildManifest(request, &run));
  WM_RETURN_IF_ERROR(JoinGroup(request.distributed, &run));
  WM_RETURN_IF_ERROR(PrepareResumeState(request, &run));
  WM_RETURN_IF_ERROR(BuildEnsembleAndValidation(&run));
  run.budget_end = Clock::now() +
                   std::chrono::milliseconds(
                       static_cast<int64_t>(run.config.max_minutes() * 60000));
  WM_ASSIGN_OR_RETURN(const double learning_rate, ChooseLearningRate(run));
  run.manifest.mutable_training()->set_learning_rate(learning_rate);

  const Clock::time_point log_start = Clock::now();
  TrainingLog log(run.publishes() ? request.model_dir + "/metrics.jsonl" : "",
                  run.config.ensemble_size() * run.config.max_steps(),
                  run.publishes() ? progress : nullptr);
  MemberTrainingOptions options = MemberOptions(run, learning_rate, &log);
  options.resume_dir = run.resume_dir;
  options.resume = request.resume;
  options.group = run.group.get();
  if (run.work == DistributeWork::kMembers) {
    WM_RETURN_IF_ERROR(TrainSpreadMembers(
        *run.group, options, run.budget_end, run.ensemble.members,
        [&](int k, BatchShare share) { return ObjectiveOf(run, k, share); },
        run.manifest.mutable_metrics()));
  } else {
    WM_RETURN_IF_ERROR(TrainMembers(
        options, run.config.workers(), run.budget_end, run.ensemble.members,
        [&](int k) { return ObjectiveOf(run, k, run.share); },
        run.manifest.mutable_metrics()));
  }
  if (run.group != nullptr && run.work == DistributeWork::kBatch) {
    run.group->LogSumStatistics(
        std::chrono::duration<double>(Clock::now() - log_start).count());
  }
  if (!run.publishes()) {
    LOG(INFO) << "rank " << run.group->rank() << " of "
              << run.group->world_size() << " done; rank 0 publishes";
    return run.manifest;
  }
  const Clock::time_point trained = Clock::now();
  if (run.ensemble.members.front()->uses_parameters()) {
    WM_RETURN_IF_ERROR(CalibrateParameters(&run));
  }
  WM_RETURN_IF_ERROR(PublishEnsembleVersion(request.model_dir, &run.manifest,
                                            run.ensemble.members)
                         .status());
  LOG(INFO) << "calibrated and published in "
            << std::chrono::duration<double>(Clock::now() - trained).count()
            << " s";
  std::error_code ignored;
  fs::remove_all(run.resume_dir, ignored);
  return run.manifest;
}

}  // namespace wm::worldmodel
