#ifndef WM_WORLDMODEL_LEARNED_TRAINING_BATCH_H_
#define WM_WORLDMODEL_LEARNED_TRAINING_BATCH_H_

// Training windows as tensors and the training loss of a member. Internal
// to the LibTorch target.

#include <torch/torch.h>

#include <vector>

#include "datasets/window_sampler.h"
#include "worldmodel/learned/learned_networks.h"
#include "worldmodel/learned/torch_state_ops.h"

namespace wm::worldmodel {

struct WindowBatch {
  torch::Tensor states;      // [B, L + H + 1, nx]
  torch::Tensor actions;     // [B, L + H, nu]
  torch::Tensor parameters;  // [B, P], NaN where unknown
  int history = 0;           // L
  int horizon = 0;           // H
};

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

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TRAINING_BATCH_H_
