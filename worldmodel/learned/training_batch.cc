#include "worldmodel/learned/training_batch.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "util/random.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

// In training on fully labelled batches, the encoder reads one window's
// history in this many (windows are drawn at random, so the first ones).
constexpr int64_t kEncodedWindowShare = 4;

}  // namespace

std::vector<datasets::Window> ShareOfWindows(
    std::vector<datasets::Window> windows, const BatchShare& share) {
  if (share.count == 1) return windows;
  const int64_t n = windows.size();
  const int64_t quarter = std::max<int64_t>(1, n / kEncodedWindowShare);
  // Part `index` of [begin, end).
  auto part = [&](int64_t begin, int64_t end,
                  std::vector<datasets::Window>& out) {
    const int64_t size = end - begin;
    for (int64_t i = begin + share.index * size / share.count;
         i < begin + (share.index + 1) * size / share.count; ++i) {
      out.push_back(std::move(windows[i]));
    }
  };
  std::vector<datasets::Window> out;
  part(0, quarter, out);
  part(quarter, n, out);
  return out;
}

WindowBatch ToBatch(const std::vector<datasets::Window>& windows, int nx,
                    int nu, int num_parameters) {
  WindowBatch batch;
  batch.history = windows.front().history;
  batch.horizon = windows.front().horizon;
  const int64_t steps = batch.history + batch.horizon;
  const int64_t b = windows.size();
  std::vector<float> states, actions, parameters;
  states.reserve(b * (steps + 1) * nx);
  actions.reserve(b * steps * nu);
  for (const datasets::Window& window : windows) {
    states.insert(states.end(), window.states.begin(), window.states.end());
    actions.insert(actions.end(), window.actions.begin(), window.actions.end());
    parameters.insert(parameters.end(), window.params.begin(),
                      window.params.end());
  }
  batch.states = torch::tensor(states).reshape({b, steps + 1, nx});
  batch.actions = torch::tensor(actions).reshape({b, steps, nu});
  batch.parameters = torch::tensor(parameters).reshape({b, num_parameters});
  return batch;
}

torch::Tensor GaussianNll(const torch::Tensor& mean,
                          const torch::Tensor& log_variance,
                          const torch::Tensor& target) {
  return 0.5 *
         (log_variance + (target - mean).pow(2) * torch::exp(-log_variance));
}

namespace {

// Bound on a rollout's error at step t, in the multi-step loss's units:
// (t + 1) one-step velocity stds, and for scalar positions (t + 1) dt of
// them. A rollout through a still-poor network can diverge exponentially
// (a loss of 1e20 was seen, with infinite gradients that turned a member's
// weights to NaN); past the bound the entry is held there and passes no
// gradient.
constexpr double kMaxRolloutError = 10.0;

// `value` [B, n] held within `truth` +- `bound` [n].
torch::Tensor ClampAround(const torch::Tensor& value,
                          const torch::Tensor& truth,
                          const torch::Tensor& bound) {
  return torch::clamp(value, truth - bound, truth + bound);
}

// The rollout state [B, nx] at step t with its velocities and scalar
// positions held within kMaxRolloutError of `truth` [B, nx].
torch::Tensor ClampRolloutState(const StateOps& ops, const torch::Tensor& state,
                                const torch::Tensor& truth, int t) {
  const int nq = ops.nq(), nv = ops.nv();
  auto velocity_bound =
      kMaxRolloutError * (t + 1) * ops.normalization().velocity_delta_std();
  auto velocity = ClampAround(state.narrow(1, nq, nv), truth.narrow(1, nq, nv),
                              velocity_bound);
  auto positions = state.narrow(1, 0, nq).index_copy(
      1, ops.integration().linear_qpos(),
      ClampAround(state.index_select(1, ops.integration().linear_qpos()),
                  truth.index_select(1, ops.integration().linear_qpos()),
                  ops.dt() * velocity_bound.index_select(
                                 0, ops.integration().linear_qvel())));
  return torch::cat({positions, velocity}, 1);
}

}  // namespace

namespace {

// The normalised parameters the dynamics sees [B, P] and the NLL of the
// encoder's estimates of the known ones (a scalar; 0 without parameters).
struct ParameterTerms {
  torch::Tensor dynamics_parameters;
  torch::Tensor parameter_nll;
};

ParameterTerms EncodeParameters(MemberNetwork& member, const StateOps& ops,
                                const WindowBatch& batch, bool training) {
  const int64_t b = batch.states.size(0);
  const int L = batch.history;
  ParameterTerms out{torch::zeros({b, 0}), torch::zeros({})};
  if (!member.uses_parameters()) return out;
  auto known = ~torch::isnan(batch.parameters);
  auto truth = ops.normalization().NormalizeParameters(
      torch::nan_to_num(batch.parameters));
  // Training: the dynamics sees the true parameters wherever they are
  // known. Fed the encoder's estimates instead (noisy, shrunk towards the
  // mean), it would learn attenuated parameter effects (regression
  // dilution): twice the friction would not brake twice as hard.
  // Validation and unlabelled windows: the estimates, as in use.
  auto all_known = known.all(1, /*keepdim=*/true);
  // With every window labelled, the estimates only train the encoder,
  // and the encoder reading the whole history of every window would cost
  // most of the step: one window in kEncodedWindowShare is enough.
  const bool fully_labelled = training && all_known.all().item<bool>();
  const int64_t encoded =
      fully_labelled ? std::max<int64_t>(1, b / kEncodedWindowShare) : b;
  auto [mean, log_variance] =
      member.Encode(ops, batch.states.narrow(0, 0, encoded).narrow(1, 0, L + 1),
                    batch.actions.narrow(0, 0, encoded).narrow(1, 0, L));
  auto known_f = known.narrow(0, 0, encoded).to(torch::kFloat32);
  out.parameter_nll =
      (GaussianNll(mean, log_variance, truth.narrow(0, 0, encoded)) * known_f)
          .sum() /
      known_f.sum().clamp_min(1.0);
  if (fully_labelled) {
    out.dynamics_parameters = truth;
  } else {
    out.dynamics_parameters =
        training ? torch::where(all_known, truth, mean) : mean;
  }
  return out;
}

// One step ahead, teacher-forced at every future step: the NLL of the
// member's predicted target (plus, for physics, the squared error of its
// position correction).
torch::Tensor OneStepNll(MemberNetwork& member, const StateOps& ops,
                         const WindowBatch& batch,
                         const torch::Tensor& dynamics_parameters) {
  const int64_t b = batch.states.size(0);
  const int L = batch.history, H = batch.horizon;
  const int nx = ops.nx(), nu = ops.nu();
  auto x = batch.states.narrow(1, L, H).reshape({b * H, nx});
  auto x_next = batch.states.narrow(1, L + 1, H).reshape({b * H, nx});
  auto a = batch.actions.narrow(1, L, H).reshape({b * H, nu});
  auto p = dynamics_parameters.repeat_interleave(H, 0);
  MemberStep step = member.Step(ops, x, a, p);
  torch::Tensor target, varies;
  if (member.uses_parameters()) {
    target = ops.normalization().NormalizedVelocityChange(x, x_next);
    varies = ops.normalization().velocity_delta_varies();
  } else {
    target = ops.normalization().NormalizeDelta(
        ops.integration().TangentDelta(x, x_next));
    varies = ops.normalization().delta_varies();
  }
  // Entries that never varied in training add nothing: they are predicted
  // exactly (MemberStep), and their log-variance would sink without end.
  auto nll =
      (GaussianNll(step.mean, step.log_variance, target) * varies).mean();
  if (step.position_correction.defined()) {
    // The within-step position correction, by squared error in the same
    // units as the velocity change.
    auto correction = ops.integration().PositionCorrection(x, x_next) /
                      ops.normalization().velocity_delta_std();
    nll = nll + (step.position_correction - correction).pow(2).mean();
  }
  return nll;
}

// Multi-step rollout of the mean from the first future state, scored on
// velocities and scalar positions: step t's velocity error over (t + 1)
// one-step velocity stds, since a constant acceleration error grows
// linearly, and its position error over (t + 1) dt of them, the drift
// that velocity error would cause; every step then weighs like the
// one-step loss. Positions catch a slow drift that one-step velocity
// errors hide (a resting box creeping away). Quaternions follow the
// angular velocities (scored over the one-step std, contact chatter in
// the tilt drowned the rest).
torch::Tensor MultiStepError(MemberNetwork& member, const StateOps& ops,
                             const WindowBatch& batch,
                             const torch::Tensor& dynamics_parameters) {
  const int L = batch.history, H = batch.horizon;
  const int nv = ops.nv();
  auto state = batch.states.select(1, L);
  const auto& linear_qpos = ops.integration().linear_qpos();
  auto position_scale =
      ops.dt() * ops.normalization().velocity_delta_std().index_select(
                     0, ops.integration().linear_qvel());
  std::vector<torch::Tensor> errors;
  for (int t = 0; t < H; ++t) {
    state = member
                .Step(ops, state, batch.actions.select(1, L + t),
                      dynamics_parameters)
                .next_state;
    const auto& truth = batch.states.select(1, L + t + 1);
    state = ClampRolloutState(ops, state, truth, t);
    auto velocity_error =
        (state.narrow(1, ops.nq(), nv) - truth.narrow(1, ops.nq(), nv)) /
        ((t + 1) * ops.normalization().velocity_delta_std());
    auto position_error = (state.index_select(1, linear_qpos) -
                           truth.index_select(1, linear_qpos)) /
                          ((t + 1) * position_scale);
    errors.push_back(
        torch::cat({velocity_error, position_error}, 1).pow(2).mean(1));
  }
  return torch::stack(errors).mean();
}

}  // namespace

LossTerms MemberLoss(MemberNetwork& member, const StateOps& ops,
                     const WindowBatch& batch, double multi_step_weight,
                     double parameter_weight, bool training) {
  const ParameterTerms parameters =
      EncodeParameters(member, ops, batch, training);
  torch::Tensor nll =
      OneStepNll(member, ops, batch, parameters.dynamics_parameters);
  torch::Tensor multi_step = torch::zeros({});
  if (member.uses_parameters() && multi_step_weight > 0) {
    multi_step =
        MultiStepError(member, ops, batch, parameters.dynamics_parameters);
  }
  LossTerms terms;
  terms.total = nll + multi_step_weight * multi_step +
                parameter_weight * parameters.parameter_nll +
                member.BoundPenalty();
  terms.one_step_nll = nll.item<double>();
  terms.multi_step = multi_step.item<double>();
  terms.parameter_nll = parameters.parameter_nll.item<double>();
  return terms;
}

namespace {

// Physics members' learning rate: cosine decay from `base` at step 0 to
// kFinalLearningRateFraction x base at `max_steps`; the late small steps
// settle the parameter effects.
double ScheduledLearningRate(double base, int64_t step, int64_t max_steps) {
  constexpr double kFinalLearningRateFraction = 0.05;
  const double progress = std::min(
      1.0, static_cast<double>(step) / std::max<int64_t>(1, max_steps));
  return base *
         (kFinalLearningRateFraction + (1 - kFinalLearningRateFraction) * 0.5 *
                                           (1 + std::cos(M_PI * progress)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<WindowObjective>> WindowObjective::Create(
    const v1::TrainingConfig& config, const datasets::Dataset* dataset,
    const datasets::SplitFractions& train_fractions, int history_steps,
    const StateOps* ops, const WindowBatch* validation, bool physics, int k,
    BatchShare share) {
  if (share.count < 1 || share.index < 0 || share.index >= share.count ||
      share.count > config.batch_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_size ", config.batch_size(), " cannot be shared by ",
        share.count, " processes (at least one window each)"));
  }
  WM_ASSIGN_OR_RETURN(auto sampler,
                      datasets::WindowSampler::Create(
                          dataset, datasets::Split::kTrain, history_steps,
                          config.horizon(), MixBits(config.seed() * 7919 + k),
                          /*shards_in_memory=*/2, train_fractions));
  return std::unique_ptr<WindowObjective>(new WindowObjective(
      config, ops, validation, physics, share, std::move(sampler)));
}

WindowObjective::WindowObjective(
    const v1::TrainingConfig& config, const StateOps* ops,
    const WindowBatch* validation, bool physics, BatchShare share,
    std::unique_ptr<datasets::WindowSampler> sampler)
    : config_(config),
      ops_(ops),
      validation_(validation),
      physics_(physics),
      share_(share),
      sampler_(std::move(sampler)) {}

absl::StatusOr<torch::Tensor> WindowObjective::NextBatchLoss(
    MemberNetwork& member) {
  WM_ASSIGN_OR_RETURN(auto windows, sampler_->NextBatch(config_.batch_size()));
  const int64_t full = windows.size();
  windows = ShareOfWindows(std::move(windows), share_);
  const WindowBatch batch =
      ToBatch(windows, ops_->nx(), ops_->nu(), ops_->num_parameters());
  torch::Tensor loss =
      MemberLoss(member, *ops_, batch, config_.multi_step_weight(),
                 config_.parameter_loss_weight(), /*training=*/true)
          .total;
  if (share_.count == 1) return loss;
  // This part's weight in the full batch's mean.
  return loss * (static_cast<double>(windows.size()) / full);
}

absl::Status WindowObjective::SkipBatches(int64_t batches) {
  for (int64_t b = 0; b < batches; ++b) {
    WM_RETURN_IF_ERROR(sampler_->NextBatch(config_.batch_size()).status());
  }
  return absl::OkStatus();
}

ValidationScore WindowObjective::Validate(MemberNetwork& member) {
  const LossTerms terms =
      MemberLoss(member, *ops_, *validation_, config_.multi_step_weight(),
                 config_.parameter_loss_weight(), /*training=*/false);
  return {terms.total.item<double>(),
          {{"one_step_nll", terms.one_step_nll},
           {"multi_step", terms.multi_step},
           {"parameter_nll", terms.parameter_nll}}};
}

double WindowObjective::LearningRate(double base, int64_t step,
                                     int64_t schedule_steps) const {
  return physics_ ? ScheduledLearningRate(base, step, schedule_steps) : base;
}

// Rollouts through a still-poor dynamics network can produce huge
// gradients: for physics members, the norm of those of everything but the
// encoder (which no rollout runs through) is clipped.
void WindowObjective::PrepareGradients(MemberNetwork& member) {
  if (!physics_) return;
  constexpr double kMaxGradientNorm = 10.0;
  std::vector<torch::Tensor> clipped;
  for (const auto& item : member.named_parameters()) {
    if (item.key().rfind("encoder", 0) != 0) clipped.push_back(item.value());
  }
  torch::nn::utils::clip_grad_norm_(clipped, kMaxGradientNorm);
}

}  // namespace wm::worldmodel
