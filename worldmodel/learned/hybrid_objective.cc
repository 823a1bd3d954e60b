#include "worldmodel/learned/hybrid_objective.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/split.h"
#include "datasets/window_sampler.h"
#include "util/logging.h"
#include "util/parallel.h"
#include "util/status_macros.h"
#include "worldmodel/learned/training_batch.h"

namespace wm::worldmodel {
namespace {

// Rows per MuJoCo Predict call when preparing the targets.
constexpr int64_t kBaseChunk = 4096;
// Validation transitions kept (evenly strided), to bound validation cost.
constexpr int64_t kMaxValidation = 16384;
// Open-loop validation windows kept (evenly strided).
constexpr int64_t kMaxWindows = 256;
// Entries whose correction std over the training split is below this are
// never corrected (the data never moves them, or MuJoCo is exact there).
constexpr double kMinCorrectionStd = 1e-8;

// One split's transitions as float32 rows.
struct Transitions {
  std::vector<float> states, actions, next;  // [n, nx], [n, nu], [n, nx]
  int64_t size = 0;
};

// Appends the transitions of `window` (history 0) to `out`.
void AppendTransitions(const datasets::Window& window, int nx,
                       Transitions* out) {
  const int64_t steps = window.horizon;
  out->states.insert(out->states.end(), window.states.begin(),
                     window.states.begin() + steps * nx);
  out->next.insert(out->next.end(), window.states.begin() + nx,
                   window.states.end());
  out->actions.insert(out->actions.end(), window.actions.begin(),
                      window.actions.end());
  out->size += steps;
}

// Appends `dataset`'s episodes of `wanted` under `fractions` to `out`
// (each episode cut as one window); for validation also the windows of
// `horizon` steps starting every horizon / 2 steps.
absl::Status ReadSplit(const datasets::Dataset& dataset,
                       const datasets::SplitFractions& fractions,
                       datasets::Split wanted, int horizon, int nx,
                       Transitions* out,
                       std::vector<datasets::Window>* windows) {
  return dataset.ForEachEpisode([&](const datasets::Episode& episode) {
    if (datasets::SplitOf(episode.index, fractions) != wanted) {
      return absl::OkStatus();
    }
    if (wanted == datasets::Split::kValidation) {
      for (int64_t start = 0; start + horizon <= episode.num_steps();
           start += std::max(1, horizon / 2)) {
        windows->push_back(datasets::CutWindow(episode, start, 0, horizon));
      }
    }
    if (episode.num_steps() > 0) {
      AppendTransitions(datasets::CutWindow(episode, 0, 0, episode.num_steps()),
                        nx, out);
    }
    return absl::OkStatus();
  });
}

// The train and validation transitions (each episode cut as one window)
// and the validation windows of `horizon` steps starting every horizon / 2
// steps, from the episodes `splits` assigns to each.
absl::Status ReadSplits(const TrainingSplits& splits, int horizon, int nx,
                        Transitions* train, Transitions* validation,
                        std::vector<datasets::Window>* windows) {
  WM_RETURN_IF_ERROR(ReadSplit(*splits.data, splits.train_fractions(),
                               datasets::Split::kTrain, horizon, nx, train,
                               windows));
  WM_RETURN_IF_ERROR(ReadSplit(
      splits.validation(), splits.validation_fractions(),
      datasets::Split::kValidation, horizon, nx, validation, windows));
  if (windows->empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the validation split has no episode of ", horizon,
        " steps (generate or import more or longer episodes, or lower the "
        "horizon)"));
  }
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

// The residual's inputs and raw (not yet normalised) targets of a split.
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
  torch::Tensor mujoco_delta = ops.integration().TangentDelta(states, mujoco);
  torch::Tensor target =
      ops.integration().TangentDelta(states, next) - mujoco_delta;
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
  out.mujoco_delta =
      ops.normalization().NormalizeDelta(mujoco_delta).index_select(0, index);
  out.target = target.index_select(0, index);
  return out;
}

// See HybridData::correction_std. (On real cube tosses, correcting
// positions too made open-loop rollouts worse than MuJoCo alone:
// acosta_toss e_q 0.417 against 0.391; velocities only, 0.376.)
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

// The windows stacked, at most kMaxWindows of them, evenly strided.
void KeepWindows(const std::vector<datasets::Window>& windows,
                 const StateOps& ops, HybridData* data) {
  const WindowBatch all =
      ToBatch(windows, ops.nx(), ops.nu(), windows.front().params.size());
  const int64_t count = windows.size();
  torch::Tensor keep =
      torch::linspace(0, count - 1, std::min(count, kMaxWindows))
          .round()
          .to(torch::kInt64);
  data->window_states = all.states.index_select(0, keep);
  data->window_actions = all.actions.index_select(0, keep);
}

}  // namespace

absl::StatusOr<HybridData> BuildHybridData(const TrainingSplits& splits,
                                           const MujocoModel& base,
                                           const StateOps& ops, int horizon,
                                           int workers) {
  Transitions train_rows, validation_rows;
  std::vector<datasets::Window> windows;
  WM_RETURN_IF_ERROR(ReadSplits(splits, horizon, ops.nx(), &train_rows,
                                &validation_rows, &windows));
  HybridData data;
  KeepWindows(windows, ops, &data);
  windows.clear();
  Thin(&validation_rows, kMaxValidation, ops.nx(), ops.nu());
  WM_ASSIGN_OR_RETURN(data.train, BuildResidualData(base, ops, train_rows,
                                                    workers, "training"));
  train_rows = Transitions();
  WM_ASSIGN_OR_RETURN(
      data.validation,
      BuildResidualData(base, ops, validation_rows, workers, "validation"));
  data.raw_validation_target = data.validation.target.clone();
  data.correction_std = CorrectionStd(data.train, ops.nv());
  Normalize(data.correction_std, &data.train);
  Normalize(data.correction_std, &data.validation);
  return data;
}

double ResidualNll(MemberNetwork& member, const StateOps& ops,
                   const ResidualData& data) {
  torch::NoGradGuard no_grad;
  MemberStep step =
      member.Step(ops, data.states, data.actions, data.mujoco_delta);
  return GaussianNll(step.mean, step.log_variance, data.target)
      .mean()
      .item<double>();
}

HybridObjective::HybridObjective(const v1::TrainingConfig& config,
                                 const StateOps* ops, const MujocoModel* base,
                                 const HybridData* data, int k)
    : batch_size_(config.batch_size()),
      ops_(ops),
      base_(base),
      data_(data),
      rng_(MixBits(config.seed() * 7919 + k)) {}

torch::Tensor HybridObjective::NextRows() {
  std::vector<int64_t> rows(batch_size_);
  for (auto& row : rows) {
    row = static_cast<int64_t>(rng_.UniformIndex(data_->train.size()));
  }
  return torch::tensor(rows, torch::kInt64);
}

absl::StatusOr<torch::Tensor> HybridObjective::NextBatchLoss(
    MemberNetwork& member) {
  const ResidualData& train = data_->train;
  const torch::Tensor index = NextRows();
  MemberStep out = member.Step(*ops_, train.states.index_select(0, index),
                               train.actions.index_select(0, index),
                               train.mujoco_delta.index_select(0, index));
  return GaussianNll(out.mean, out.log_variance,
                     train.target.index_select(0, index))
             .mean() +
         member.BoundPenalty();
}

absl::Status HybridObjective::SkipBatches(int64_t batches) {
  for (int64_t b = 0; b < batches; ++b) NextRows();
  return absl::OkStatus();
}

ValidationScore HybridObjective::Validate(MemberNetwork& member) {
  return {RolloutError(member),
          {{"one_step_nll", ResidualNll(member, *ops_, data_->validation)}}};
}

double HybridObjective::RolloutError(MemberNetwork& member) const {
  torch::NoGradGuard no_grad;
  const StateOps& ops = *ops_;
  const int64_t horizon = data_->window_actions.size(1);
  torch::Tensor state = data_->window_states.select(1, 0);
  double error = 0;
  for (int64_t t = 0; t < horizon; ++t) {
    torch::Tensor action = data_->window_actions.select(1, t).contiguous();
    absl::StatusOr<Prediction> mujoco =
        base_->Predict(FromTorch(state), FromTorch(action), Context());
    if (!mujoco.ok()) return std::numeric_limits<double>::infinity();
    torch::Tensor delta =
        ops.integration().TangentDelta(state, ToTorch(mujoco->mean));
    state =
        member
            .Step(ops, state, action, ops.normalization().NormalizeDelta(delta))
            .next_state;
    error += (ops.integration().TangentDelta(
                  state, data_->window_states.select(1, t + 1)) /
              ops.normalization().delta_std())
                 .pow(2)
                 .mean()
                 .item<double>();
  }
  const double mean = error / horizon;
  return std::isfinite(mean) ? mean : std::numeric_limits<double>::infinity();
}

}  // namespace wm::worldmodel
