#ifndef WM_WORLDMODEL_LEARNED_HYBRID_OBJECTIVE_H_
#define WM_WORLDMODEL_LEARNED_HYBRID_OBJECTIVE_H_

// The hybrid kind's training data (the residual's inputs and targets,
// computed with its MuJoCo base) and its members' MemberObjective.
// Internal to the LibTorch target (includes torch headers).

#include <torch/torch.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "util/random.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/learned/learned_networks.h"
#include "worldmodel/learned/member_training.h"
#include "worldmodel/learned/torch_state_ops.h"
#include "worldmodel/learned/training_splits.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {

// The residual's inputs and targets over one split's transitions.
struct ResidualData {
  torch::Tensor states;        // [n, nx]
  torch::Tensor actions;       // [n, nu]
  torch::Tensor mujoco_delta;  // normalised MuJoCo tangent delta [n, 2 nv]
  // The correction, true minus MuJoCo tangent delta [n, 2 nv], divided by
  // the correction std (0 where that is 0).
  torch::Tensor target;
  int64_t size() const { return states.size(0); }
};

// Everything a hybrid's members train and validate on.
struct HybridData {
  ResidualData train;
  ResidualData validation;  // at most 16384 transitions, evenly strided
  // The validation corrections before normalisation [n, 2 nv].
  torch::Tensor raw_validation_target;
  // The per-entry std of the raw training corrections [2 nv]: 0 below 1e-8
  // (MuJoCo is exact there, or the data never move it) and for the nv
  // position entries (the residual corrects velocities; positions follow
  // them through MuJoCo's integration).
  torch::Tensor correction_std;
  // Open-loop validation windows of `horizon` steps starting every
  // horizon / 2 steps of the validation episodes (at most 256, evenly
  // strided): true states [W, H + 1, nx], actions [W, H, nu].
  torch::Tensor window_states, window_actions;
};

// Reads the train and validation episodes of `splits` (training_splits.h:
// --data's hash split, or all of --data and all of --validation_data)
// through the datasets window code (each episode as one datasets::CutWindow;
// validation rollouts as windows of `horizon` steps), has `base` predict every
// transition (on `workers` threads) and builds the targets. Transitions MuJoCo
// cannot step are dropped with a warning. FAILED_PRECONDITION when a split has
// no transition MuJoCo can step or the validation split no episode of `horizon`
// steps; dataset errors.
absl::StatusOr<HybridData> BuildHybridData(const TrainingSplits& splits,
                                           const MujocoModel& base,
                                           const StateOps& ops, int horizon,
                                           int workers);

// The mean one-step Gaussian NLL of `member` on `data`'s targets.
double ResidualNll(MemberNetwork& member, const StateOps& ops,
                   const ResidualData& data);

// The hybrid kind's objective for member k: minibatches of
// config.batch_size() training transitions drawn uniformly (wm::Rng seeded
// by (config seed, k)), scored by the one-step Gaussian NLL of the
// normalised correction; validation by the open-loop rollout error over
// the validation windows (MuJoCo step, then the member's correction): the
// mean squared tangent error over the data's delta std, averaged over
// steps, infinite when MuJoCo cannot step a rollout (one-step fits that
// keep improving can make rollouts worse), with the one-step NLL as a term.
// A constant learning rate, no clipping. Everything passed must outlive it.
class HybridObjective : public MemberObjective {
 public:
  HybridObjective(const v1::TrainingConfig& config, const StateOps* ops,
                  const MujocoModel* base, const HybridData* data, int k);

  absl::StatusOr<torch::Tensor> NextBatchLoss(MemberNetwork& member) override;
  absl::Status SkipBatches(int64_t batches) override;
  ValidationScore Validate(MemberNetwork& member) override;

 private:
  // The next minibatch's rows [batch_size].
  torch::Tensor NextRows();
  double RolloutError(MemberNetwork& member) const;

  const int64_t batch_size_;
  const StateOps* ops_;
  const MujocoModel* base_;
  const HybridData* data_;
  Rng rng_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_HYBRID_OBJECTIVE_H_
