#ifndef WM_WORLDMODEL_LEARNED_TRAINING_BATCH_H_
#define WM_WORLDMODEL_LEARNED_TRAINING_BATCH_H_

// Training windows as tensors, the training loss of a member, and the
// physics and blackbox kinds' MemberObjective over dataset windows.
// Internal to the LibTorch target.

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/window_sampler.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/learned/learned_networks.h"
#include "worldmodel/learned/member_training.h"
#include "worldmodel/learned/torch_state_ops.h"

namespace wm::worldmodel {

struct WindowBatch {
  torch::Tensor states;      // [B, L + H + 1, nx]
  torch::Tensor actions;     // [B, L + H, nu]
  torch::Tensor parameters;  // [B, P], NaN where unknown
  int history = 0;           // L
  int horizon = 0;           // H
};

// One process's part of every training batch in a data-parallel run
// (wm train --distributed): part `index` of `count`.
struct BatchShare {
  int index = 0;
  int count = 1;
};

// The windows of `windows` (a full batch of B, B >= share.count) that
// `share` computes: its part, [index * n / count, (index + 1) * n / count),
// of the first quarter (the windows a fully labelled training batch
// encodes, see MemberLoss) followed by its part of the rest, so that the
// parts together compute what the full batch does. All of them for a
// share of one.
std::vector<datasets::Window> ShareOfWindows(
    std::vector<datasets::Window> windows, const BatchShare& share);

// Stacks sampled windows (all of the same history and horizon).
WindowBatch ToBatch(const std::vector<datasets::Window>& windows, int nx,
                    int nu, int num_parameters);

// Elementwise Gaussian negative log-likelihood of `target` under
// N(mean, exp(log_variance)), without the constant log(2 pi) / 2.
torch::Tensor GaussianNll(const torch::Tensor& mean,
                          const torch::Tensor& log_variance,
                          const torch::Tensor& target);

struct LossTerms {
  torch::Tensor total;       // what the optimiser minimises
  double one_step_nll = 0;   // Gaussian NLL of the normalised one-step target
  double multi_step = 0;     // mean squared normalised rollout velocity
                             // error (step t's over t + 1)
  double parameter_nll = 0;  // NLL of the known parameters (physics)
};

// The member's loss on a batch. Physics: one-step NLL of the velocity
// change, `multi_step_weight` x the H-step rollout error, and
// `parameter_weight` x the NLL of the encoder's parameter estimate. In
// `training` the dynamics sees the true parameters where they are known;
// otherwise (validation, unlabelled windows) the encoder's estimates. A
// training batch whose windows are all labelled scores the encoder on its
// first quarter only (the estimates feed nothing else there).
// Blackbox: one-step NLL of the tangent delta (PETS).
LossTerms MemberLoss(MemberNetwork& member, const StateOps& ops,
                     const WindowBatch& batch, double multi_step_weight,
                     double parameter_weight, bool training);

// The physics and blackbox kinds' objective for member k: minibatches of
// config.batch_size() windows from a WindowSampler over `dataset`'s
// training split under `train_fractions` (all of it with --validation_data;
// see training_splits.h), seeded by
// (config seed, k), scored by MemberLoss; with a share of a data-parallel
// run, every process draws the full minibatch and scores its
// ShareOfWindows, its loss weighted by its part of the batch (summed over
// the processes, the full batch's loss); validation by MemberLoss on
// `validation` (terms one_step_nll, multi_step, parameter_nll). Physics
// members (ops reading parameters) follow a cosine learning-rate schedule
// fitted to the time budget and clip their gradients; blackbox members keep
// the plain PETS recipe (a constant rate, cut off by the budget).
class WindowObjective : public MemberObjective {
 public:
  // `dataset`, `ops` and `validation` must outlive the objective.
  // INVALID_ARGUMENT from the sampler's arguments, or a share with more
  // parts than config.batch_size().
  static absl::StatusOr<std::unique_ptr<WindowObjective>> Create(
      const v1::TrainingConfig& config, const datasets::Dataset* dataset,
      const datasets::SplitFractions& train_fractions, int history_steps,
      const StateOps* ops, const WindowBatch* validation, bool physics, int k,
      BatchShare share = {});

  absl::StatusOr<torch::Tensor> NextBatchLoss(MemberNetwork& member) override;
  absl::Status SkipBatches(int64_t batches) override;
  ValidationScore Validate(MemberNetwork& member) override;
  double LearningRate(double base, int64_t step,
                      int64_t schedule_steps) const override;
  bool FitsScheduleToBudget() const override { return physics_; }
  void PrepareGradients(MemberNetwork& member) override;

 private:
  WindowObjective(const v1::TrainingConfig& config, const StateOps* ops,
                  const WindowBatch* validation, bool physics, BatchShare share,
                  std::unique_ptr<datasets::WindowSampler> sampler);

  const v1::TrainingConfig config_;
  const StateOps* ops_;
  const WindowBatch* validation_;
  const bool physics_;
  const BatchShare share_;
  std::unique_ptr<datasets::WindowSampler> sampler_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TRAINING_BATCH_H_
