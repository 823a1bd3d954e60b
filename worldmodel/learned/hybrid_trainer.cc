#include "worldmodel/learned/hybrid_trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <mutex>
#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "datasets/normalizer.h"
#include "datasets/split.h"
#include "util/file_util.h"
#include "util/logging.h"
#include "util/parallel.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/torch_runtime.h"
#include "worldmodel/learned/training_batch.h"
#include "worldmodel/learned/weights_file.h"
#include "worldmodel/model_factory.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;

constexpr char kMujocoPrefix[] = "mujoco:";
// Rows per MuJoCo Predict call when preparing the targets.
constexpr int64_t kBaseChunk = 4096;
// Validation transitions kept (evenly strided), to bound validation cost.
constexpr int64_t kMaxValidation = 16384;
// Open-loop validation windows kept (evenly strided).
constexpr int64_t kMaxWindows = 256;

// One split's transitions as float32 rows.
struct Transitions {
  std::vector<float> states, actions, next;  // [n, nx], [n, nu], [n, nx]
  int64_t size = 0;
};

// Open-loop validation windows: true states [W, H + 1, nx] and the actions
// between them [W, H, nu].
struct Windows {
  torch::Tensor states, actions;
};

// The network inputs and targets of a split.
struct ResidualData {
  torch::Tensor states;        // [n, nx]
  torch::Tensor actions;       // [n, nu]
  torch::Tensor mujoco_delta;  // normalised MuJoCo tangent delta [n, 2 nv]
  // The correction, true minus MuJoCo tangent delta [n, 2 nv]: raw from
  // BuildResidualData, divided by the correction std by Normalize.
  torch::Tensor target;
  int64_t size() const { return states.size(0); }
};

// Reads the train and validation transitions, and validation windows of
// `horizon` steps starting every horizon / 2 steps (at most kMaxWindows,
// evenly strided).
absl::Status ReadTransitions(const datasets::Dataset& dataset,
                             const datasets::SplitFractions& fractions,
                             int horizon, Transitions* train,
                             Transitions* validation, Windows* windows) {
  std::vector<float> window_states, window_actions;
  int64_t count = 0;
  absl::Status status =
      dataset.ForEachEpisode([&](const datasets::Episode& episode) {
        if (datasets::SplitOf(episode.index, fractions) ==
            datasets::Split::kValidation) {
          const int nq = episode.nq, nv = episode.nv, nu = episode.nu;
          for (int64_t start = 0; start + horizon <= episode.num_steps();
               start += std::max(1, horizon / 2)) {
            for (int64_t t = start; t <= start + horizon; ++t) {
              for (int i = 0; i < nq; ++i) {
                window_states.push_back(episode.qpos[t * nq + i]);
              }
              for (int i = 0; i < nv; ++i) {
                window_states.push_back(episode.qvel[t * nv + i]);
              }
              if (t < start + horizon) {
                for (int i = 0; i < nu; ++i) {
                  window_actions.push_back(episode.ctrl[t * nu + i]);
                }
              }
            }
            ++count;
          }
        }
        const datasets::Split split =
            datasets::SplitOf(episode.index, fractions);
        Transitions* out = split == datasets::Split::kTrain        ? train
                           : split == datasets::Split::kValidation ? validation
                                                                   : nullptr;
        if (out == nullptr) return absl::OkStatus();
        const int nq = episode.nq, nv = episode.nv, nu = episode.nu;
        auto append_state = [&](std::vector<float>* to, int64_t t) {
          for (int i = 0; i < nq; ++i) to->push_back(episode.qpos[t * nq + i]);
          for (int i = 0; i < nv; ++i) to->push_back(episode.qvel[t * nv + i]);
        };
        for (int64_t t = 0; t < episode.num_steps(); ++t) {
          append_state(&out->states, t);
          append_state(&out->next, t + 1);
          for (int i = 0; i < nu; ++i)
            out->actions.push_back(episode.ctrl[t * nu + i]);
          ++out->size;
        }
        return absl::OkStatus();
      });
  WM_RETURN_IF_ERROR(status);
  if (count == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the validation split has no episode of ", horizon,
        " steps (generate or import more or longer episodes, or lower the "
        "horizon)"));
  }
  const int64_t nx = window_states.size() / (count * (horizon + 1));
  const int64_t nu = window_actions.size() / (count * horizon);
  torch::Tensor all_states =
      torch::tensor(window_states).reshape({count, horizon + 1, nx});
  torch::Tensor all_actions =
      torch::tensor(window_actions).reshape({count, horizon, nu});
  torch::Tensor keep =
      torch::linspace(0, count - 1, std::min(count, kMaxWindows))
          .round()
          .to(torch::kInt64);
  windows->states = all_states.index_select(0, keep);
  windows->actions = all_actions.index_select(0, keep);
  return absl::OkStatus();
}

// Keeps at most `limit` rows, evenly strided (deterministic).
void Thin(Transitions* data, int64_t limit, int nx, int nu) {
  if (data->size <= limit) return;
  Transitions thinned;
  for (int64_t j = 0; j < limit; ++j) {
    const int64_t i = j * data->size / limit;
    thinned.states.insert(thinned.states.end(), &data->states[i * nx],
                          &data->states[(i + 1) * nx]);
    thinned.next.insert(thinned.next.end(), &data->next[i * nx],
                        &data->next[(i + 1) * nx]);
    thinned.actions.insert(thinned.actions.end(), &data->actions[i * nu],
                           &data->actions[(i + 1) * nu]);
    ++thinned.size;
  }
  *data = std::move(thinned);
}

// The base's one-step prediction of every row, in chunks over `workers`
// threads (MujocoModel is thread-safe). Rows MuJoCo cannot step (unstable)
// are marked in `ok` and get no prediction.
absl::StatusOr<std::vector<float>> BasePredictions(const MujocoModel& base,
                                                   const Transitions& data,
                                                   int nx, int nu, int workers,
                                                   std::vector<char>* ok) {
  std::vector<float> predicted(data.size * nx, 0.0f);
  ok->assign(data.size, 1);
  const int64_t chunks = (data.size + kBaseChunk - 1) / kBaseChunk;
  auto predict = [&](int64_t begin, int64_t rows) -> absl::Status {
    Tensor states{{rows, nx},
                  {data.states.begin() + begin * nx,
                   data.states.begin() + (begin + rows) * nx}};
    Tensor actions{{rows, nu},
                   {data.actions.begin() + begin * nu,
                    data.actions.begin() + (begin + rows) * nu}};
    WM_ASSIGN_OR_RETURN(Prediction prediction,
                        base.Predict(states, actions, Context()));
    std::copy(prediction.mean.data.begin(), prediction.mean.data.end(),
              predicted.begin() + begin * nx);
    return absl::OkStatus();
  };
  std::vector<absl::Status> results(chunks);
  ForEachOnWorkers(workers, static_cast<int>(chunks), [&](int c) {
    const int64_t begin = c * kBaseChunk;
    const int64_t rows = std::min(kBaseChunk, data.size - begin);
    absl::Status status = predict(begin, rows);
    if (status.code() == absl::StatusCode::kFailedPrecondition) {
      // An unstable row: step the chunk row by row, dropping failures.
      for (int64_t r = begin; r < begin + rows; ++r) {
        if (!predict(r, 1).ok()) (*ok)[r] = 0;
      }
    } else {
      results[c] = status;
    }
  });
  for (const absl::Status& status : results) WM_RETURN_IF_ERROR(status);
  return predicted;
}

absl::StatusOr<ResidualData> BuildResidualData(const MujocoModel& base,
                                               const StateOps& ops,
                                               const Transitions& data,
                                               int workers, const char* split) {
  const int nx = ops.nx(), nu = ops.nu();
  std::vector<char> ok;
  WM_ASSIGN_OR_RETURN(std::vector<float> predicted,
                      BasePredictions(base, data, nx, nu, workers, &ok));
  torch::NoGradGuard no_grad;
  auto rows = [](const std::vector<float>& v, int64_t n, int width) {
    return torch::from_blob(const_cast<float*>(v.data()), {n, width},
                            torch::kFloat32)
        .clone();
  };
  torch::Tensor states = rows(data.states, data.size, nx);
  torch::Tensor actions = rows(data.actions, data.size, nu);
  torch::Tensor next = rows(data.next, data.size, nx);
  torch::Tensor mujoco = rows(predicted, data.size, nx);
  torch::Tensor mujoco_delta = ops.TangentDelta(states, mujoco);
  torch::Tensor target = ops.TangentDelta(states, next) - mujoco_delta;
  torch::Tensor keep =
      torch::from_blob(ok.data(), {data.size}, torch::kInt8).to(torch::kBool) &
      torch::isfinite(target).all(1) & torch::isfinite(mujoco_delta).all(1);
  torch::Tensor index = keep.nonzero().squeeze(1);
  if (index.numel() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ", split,
                     " split has no transition MuJoCo can step (generate "
                     "or import more episodes)"));
  }
  if (index.numel() < data.size) {
    LOG(WARNING) << data.size - index.numel() << " of " << data.size << " "
                 << split << " transitions dropped (MuJoCo unstable)";
  }
  ResidualData out;
  out.states = states.index_select(0, index);
  out.actions = actions.index_select(0, index);
  out.mujoco_delta = ops.NormalizeDelta(mujoco_delta).index_select(0, index);
  out.target = target.index_select(0, index);
  return out;
}

// Entries whose correction std over the training split is below this are
// never corrected (the data never moves them, or MuJoCo is exact there).
constexpr double kMinCorrectionStd = 1e-8;

// The per-entry std of the raw training corrections [2 nv], 0 below
// kMinCorrectionStd and for the nv position entries: the residual corrects
// velocities only, and positions follow them through MuJoCo's integration
// (on real cube tosses, correcting positions too made open-loop rollouts
// worse than MuJoCo alone: acosta_toss e_q 0.417 against 0.391; velocities
// only, 0.376).
torch::Tensor CorrectionStd(const ResidualData& train, int nv) {
  torch::Tensor std = train.target.std(0, /*unbiased=*/false);
  std = torch::where(std > kMinCorrectionStd, std, torch::zeros_like(std));
  std.narrow(0, 0, nv).zero_();
  return std;
}

// Divides the raw corrections by `correction_std` (0 where it is 0).
void Normalize(const torch::Tensor& correction_std, ResidualData* data) {
  torch::Tensor positive = correction_std > 0;
  data->target = torch::where(
      positive,
      data->target / torch::where(positive, correction_std,
                                  torch::ones_like(correction_std)),
      torch::zeros_like(data->target));
}

double ValidationNll(MemberNetwork& member, const StateOps& ops,
                     const ResidualData& validation) {
  torch::NoGradGuard no_grad;
  MemberStep step = member.Step(ops, validation.states, validation.actions,
                                validation.mujoco_delta);
  return GaussianNll(step.mean, step.log_variance, validation.target)
      .mean()
      .item<double>();
}

// Mean squared tangent error over the data's delta std of `member`'s
// open-loop rollouts (MuJoCo step, then the member's correction) over the
// validation windows, averaged over steps. Infinity when MuJoCo cannot step
// a rollout.
double RolloutError(MemberNetwork& member, const StateOps& ops,
                    const MujocoModel& base, const Windows& windows) {
  torch::NoGradGuard no_grad;
  const int64_t horizon = windows.actions.size(1);
  torch::Tensor state = windows.states.select(1, 0);
  double error = 0;
  for (int64_t t = 0; t < horizon; ++t) {
    torch::Tensor action = windows.actions.select(1, t).contiguous();
    absl::StatusOr<Prediction> mujoco =
        base.Predict(FromTorch(state), FromTorch(action), Context());
    if (!mujoco.ok()) return std::numeric_limits<double>::infinity();
    torch::Tensor delta = ops.TangentDelta(state, ToTorch(mujoco->mean));
    state =
        member.Step(ops, state, action, ops.NormalizeDelta(delta)).next_state;
    error += (ops.TangentDelta(state, windows.states.select(1, t + 1)) /
              ops.delta_std())
                 .pow(2)
                 .mean()
                 .item<double>();
  }
  const double mean = error / horizon;
  return std::isfinite(mean) ? mean : std::numeric_limits<double>::infinity();
}

// Reports progress from the workers under a lock.
class Progress {
 public:
  Progress(int64_t total, std::function<void(const TrainingProgress&)> report)
      : report_(std::move(report)), start_(std::chrono::steady_clock::now()) {
    state_.steps_total = total;
  }
  void Add(int64_t steps, int64_t samples, double train_loss,
           double validation_loss) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.steps_done += steps;
    samples_ += samples;
    state_.train_loss = train_loss;
    if (!std::isnan(validation_loss)) state_.validation_loss = validation_loss;
    const double elapsed = std::max(
        1e-9,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count());
    state_.samples_per_second = samples_ / elapsed;
    if (report_) report_(state_);
  }

 private:
  std::mutex mutex_;
  std::function<void(const TrainingProgress&)> report_;
  std::chrono::steady_clock::time_point start_;
  TrainingProgress state_;
  int64_t samples_ = 0;
};

// Trains member k on the one-step NLL; its weights end as the best on the
// validation windows' open-loop rollout error (RolloutError), the untrained
// zero correction included, which is returned. Minibatches from a generator
// seeded by (seed, k). Steps with a non-finite loss or gradient are skipped;
// 100 in a row end the member's training (it keeps its best weights).
double TrainMember(const v1::TrainingConfig& config, const StateOps& ops,
                   const std::vector<int>& hidden, const ResidualData& train,
                   const MujocoModel& base, const Windows& windows, int k,
                   std::chrono::steady_clock::time_point deadline,
                   MemberNetwork& member, Progress* progress) {
  auto best = MakeMember(ModelKind::kHybrid, ops, hidden);
  CopyParameters(member, *best);
  torch::optim::Adam optimizer(
      member.parameters(), torch::optim::AdamOptions(config.learning_rate()));
  std::mt19937_64 rng(MixBits(config.seed() * 7919 + k));
  std::uniform_int_distribution<int64_t> pick(0, train.size() - 1);
  // Step 0 is a candidate too: the untrained member adds no correction, so
  // a residual that never beats the MuJoCo base on validation rollouts is
  // not kept.
  double best_validation = RolloutError(member, ops, base, windows);
  int stale = 0;
  int non_finite = 0;  // consecutive steps skipped for a non-finite loss
  double train_loss = 0;
  int64_t since_report = 0;
  std::vector<int64_t> rows(config.batch_size());
  for (int64_t step = 1; step <= config.max_steps(); ++step) {
    for (auto& row : rows) row = pick(rng);
    torch::Tensor index = torch::tensor(rows, torch::kInt64);
    MemberStep out = member.Step(ops, train.states.index_select(0, index),
                                 train.actions.index_select(0, index),
                                 train.mujoco_delta.index_select(0, index));
    torch::Tensor loss = GaussianNll(out.mean, out.log_variance,
                                     train.target.index_select(0, index))
                             .mean() +
                         member.BoundPenalty();
    optimizer.zero_grad();
    loss.backward();
    train_loss = loss.item<double>();
    if (std::isfinite(train_loss) && GradientsFinite(member)) {
      optimizer.step();
      non_finite = 0;
    } else if (++non_finite >= kMaxConsecutiveNonFiniteSteps) {
      LOG(WARNING) << "hybrid member " << k << " diverged at step " << step
                   << " (" << non_finite
                   << " non-finite steps in a row); it keeps its best weights";
      step = config.max_steps();
    }
    ++since_report;
    double validation_loss = std::numeric_limits<double>::quiet_NaN();
    const bool validate =
        step % config.eval_every() == 0 || step == config.max_steps();
    if (validate) {
      validation_loss = RolloutError(member, ops, base, windows);
      if (validation_loss < best_validation) {
        best_validation = validation_loss;
        stale = 0;
        CopyParameters(member, *best);
      } else if (++stale >= config.patience()) {
        step = config.max_steps();  // early stopping
      }
      if (std::chrono::steady_clock::now() > deadline) {
        LOG(WARNING) << "hybrid member " << k
                     << " stopped by the time budget at step " << step;
        step = config.max_steps();
      }
    }
    if (validate || since_report == 10) {
      progress->Add(since_report, since_report * config.batch_size(),
                    train_loss, validation_loss);
      since_report = 0;
    }
  }
  CopyParameters(*best, member);
  return best_validation;
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
  if (absl::StartsWith(base, kMujocoPrefix)) {
    const std::string dir = base.substr(sizeof(kMujocoPrefix) - 1);
    auto dataset = datasets::Dataset::Open(dir);
    if (!dataset.ok()) {
      return absl::Status(
          dataset.status().code(),
          absl::StrCat("--base ", base, ": ", dataset.status().message()));
    }
    out.scene = (*dataset)->manifest().scene();
    if (out.scene.mjcf().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("--base ", base, ": dataset ", dir,
                       " embeds no scene MJCF, so it cannot be simulated"));
    }
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
    if (manifest.kind() != ModelKindName(ModelKind::kMujoco)) {
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
  WM_ASSIGN_OR_RETURN(v1::TrainingConfig config,
                      WithTrainingDefaults(request.config));
  if (config.model() != ModelKindName(ModelKind::kHybrid)) {
    return absl::InvalidArgumentError(
        "TrainHybridAndPublish: model is not "
        "hybrid");
  }
  if (request.resume || !request.init_from.empty()) {
    return absl::InvalidArgumentError(
        "--resume and --init are not supported for --model hybrid");
  }
  WM_ASSIGN_OR_RETURN(HybridBase base, LoadHybridBase(request.base));
  WM_ASSIGN_OR_RETURN(auto dataset, datasets::Dataset::Open(request.data_dir));
  const v1::DatasetManifest& data = dataset->manifest();
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
  manifest.set_dataset_fingerprint(dataset->Fingerprint());
  manifest.set_dataset_dir(request.data_dir);
  datasets::SplitFractions fractions;
  manifest.set_split_train(fractions.train);
  manifest.set_split_validation(fractions.validation);
  manifest.set_history_steps(1);
  *manifest.mutable_scene() = base.scene;
  for (double value : base.model->parameter_values()) {
    manifest.add_parameter_values(value);
  }
  WM_ASSIGN_OR_RETURN(*manifest.mutable_normalization(),
                      datasets::ComputeNormalization(*dataset, fractions));

  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  const StateOps& ops = *ensemble.ops;
  Transitions train_rows, validation_rows;
  Windows windows;
  WM_RETURN_IF_ERROR(ReadTransitions(*dataset, fractions, config.horizon(),
                                     &train_rows, &validation_rows, &windows));
  Thin(&validation_rows, kMaxValidation, ops.nx(), ops.nu());
  const int workers = std::max(1, config.workers());
  WM_ASSIGN_OR_RETURN(
      ResidualData train,
      BuildResidualData(*base.model, ops, train_rows, workers, "training"));
  WM_ASSIGN_OR_RETURN(ResidualData validation,
                      BuildResidualData(*base.model, ops, validation_rows,
                                        workers, "validation"));
  train_rows = Transitions();
  validation_rows = Transitions();
  torch::Tensor raw_validation = validation.target.clone();
  const torch::Tensor correction_std = CorrectionStd(train, ops.nv());
  Normalize(correction_std, &train);
  Normalize(correction_std, &validation);
  for (auto& member : ensemble.members) {
    SetHybridCorrectionStd(*member, correction_std);
  }

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(
                            static_cast<int64_t>(config.max_minutes() * 60000));
  const int members = config.ensemble_size();
  Progress log(members * config.max_steps(), progress);
  std::vector<double> results(members, 0.0);
  ForEachOnWorkers(workers, members, [&](int k) {
    results[k] = TrainMember(config, ops, ensemble.hidden, train, *base.model,
                             windows, k, deadline, *ensemble.members[k], &log);
  });

  auto& metrics = *manifest.mutable_metrics();
  double validation_sum = 0;
  for (int k = 0; k < members; ++k) {
    validation_sum += results[k];
    metrics[absl::StrCat("validation_loss_member", k)] = results[k];
  }
  metrics["validation_loss"] = validation_sum / members;
  double nll_sum = 0;
  for (auto& member : ensemble.members) {
    nll_sum += ValidationNll(*member, ops, validation);
  }
  metrics["validation_one_step_nll"] = nll_sum / members;
  {
    torch::NoGradGuard no_grad;
    torch::Tensor correction = torch::zeros_like(validation.target);
    for (auto& member : ensemble.members) {
      correction += member
                        ->Step(ops, validation.states, validation.actions,
                               validation.mujoco_delta)
                        .mean;
    }
    correction = correction / members * correction_std;
    metrics["validation_rmse_mujoco"] =
        (raw_validation / ops.delta_std()).pow(2).mean().sqrt().item<double>();
    metrics["validation_rmse_hybrid"] =
        ((raw_validation - correction) / ops.delta_std())
            .pow(2)
            .mean()
            .sqrt()
            .item<double>();
    metrics["train_transitions"] = static_cast<double>(train.size());
  }

  WM_RETURN_IF_ERROR(
      PublishEnsembleVersion(request.model_dir, &manifest, ensemble.members)
          .status());
  return manifest;
}

}  // namespace wm::worldmodel
