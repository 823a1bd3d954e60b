#ifndef WM_WORLDMODEL_LEARNED_MEMBER_TRAINING_H_
#define WM_WORLDMODEL_LEARNED_MEMBER_TRAINING_H_

// The one loop that trains the ensemble members of every learned kind
// (physics, blackbox, hybrid): Adam with the kind's learning-rate schedule
// and gradient treatment, skipped non-finite steps, the best weights by
// validation, early stopping, the time budget shared on the cores, progress,
// metrics.jsonl and resume state. What differs per kind (the minibatch
// loss, the validation, the schedule) comes in as a MemberObjective.
// Internal to the LibTorch target (includes torch headers).

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "util/parallel.h"
#include "worldmodel/learned/distributed_group.h"
#include "worldmodel/learned/learned_networks.h"
#include "worldmodel/learned/torch_state_ops.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/learned/training_log.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {

// What one model kind contributes to training one member. One instance per
// member (it owns the member's stream of minibatches), used by one thread.
class MemberObjective {
 public:
  virtual ~MemberObjective() = default;
  // The loss of the next training minibatch, with its autograd graph.
  virtual absl::StatusOr<torch::Tensor> NextBatchLoss(
      MemberNetwork& member) = 0;
  // Draws and drops `batches` minibatches: the ones a resumed member used
  // before, so that it continues with the batches an uninterrupted run
  // would see.
  virtual absl::Status SkipBatches(int64_t batches) = 0;
  // Scores the member on the validation data (called without gradients).
  virtual ValidationScore Validate(MemberNetwork& member) = 0;
  // The learning rate of step `step` when training ends at `schedule_steps`
  // (base: the run's learning rate). Default: constant.
  virtual double LearningRate(double base, int64_t step,
                              int64_t schedule_steps) const {
    return base;
  }
  // True when the schedule decays to its end: when the time budget cannot
  // fit max_steps, the schedule then ends at the steps that fit (see
  // TrainMember) instead of being cut off undecayed. Default: false.
  virtual bool FitsScheduleToBudget() const { return false; }
  // Called after the backward pass, before the step (e.g. to clip
  // gradients). Default: nothing.
  virtual void PrepareGradients(MemberNetwork& member) {}
};

// How a member trains. Divergence policy (every kind): a step whose loss
// or gradients are not finite is skipped (it still counts as a step, so a
// resumed run stays in step); after kMaxConsecutiveNonFiniteSteps of them
// in a row the member has diverged: it stops training, keeps its best
// weights by validation and the run goes on (a warning names it; the
// manifest's `diverged_members` counts such members). The starting weights
// are a candidate, validated at step 0: the random initialisation, the
// pretrained weights of --init, or the hybrid's zero correction (its MuJoCo
// base alone). Only a member with no finite validation loss at all, its
// start included, fails the run.
struct MemberTrainingOptions {
  ModelKind kind = ModelKind::kPhysics;
  const StateOps* ops = nullptr;
  std::vector<int> hidden;  // the members' hidden widths
  double learning_rate = 1e-3;
  int64_t max_steps = 1;
  int64_t eval_every = 1;
  int64_t patience = 1;
  int64_t batch_size = 1;  // samples per step, for the progress
  // Time a member may train: while it holds a turn of `turns` (it gives the
  // turn back at each validation), or wall-clock from its start when
  // `turns` is null.
  std::chrono::steady_clock::duration budget{0};
  TurnQueue* turns = nullptr;
  // Where member k's resume state is saved at every validation after step
  // 0 (resume_dir/member_<k>.pt); empty: none. With `resume`, each member
  // starts from its saved state (from scratch when it has none yet).
  std::string resume_dir;
  bool resume = false;
  TrainingLog* log = nullptr;  // required
  // A data-parallel run (wm train --distributed): each step's gradients
  // and loss are summed over the group's ranks (the objective weighs its
  // part of the batch), and rank 0's decisions at each validation (early
  // stop, the schedule fitted to its time budget) apply on every rank, so
  // that the ranks' weights stay identical; only rank 0 saves resume
  // state. Null: this process alone.
  DistributedGroup* group = nullptr;
};

// How a member's training ended.
struct MemberOutcome {
  double best_validation = 0;  // the validation loss of the weights kept
  int64_t steps = 0;           // optimiser steps taken (skipped included)
  bool diverged = false;       // stopped by kMaxConsecutiveNonFiniteSteps
};

// Trains member k for up to options.max_steps with `objective`; its
// weights end as the best on validation. When the objective fits its
// schedule to the budget and the budget cannot fit max_steps, the pace of
// the member's second validation interval decides how many steps fit (the
// first, provisionally: it carries start-up costs) and the schedule ends
// there. Deterministic given the objective and a budget that fits
// max_steps. Errors: the objective's; DATA_LOSS for unreadable resume
// state; INTERNAL for a member that never validated to a finite loss.
absl::StatusOr<MemberOutcome> TrainMember(const MemberTrainingOptions& options,
                                          int k, MemberNetwork& member,
                                          MemberObjective& objective);

// Trains `members` side by side, one thread each, taking turns on
// `workers` cores a validation interval at a time (a round of `workers`
// members at a time left a core idle in the last round), each with an
// equal share of the time left until `budget_end` (options.budget and
// options.turns are set here). Member k trains with objective_of(k).
// Records validation_loss_member<k>, their mean validation_loss and, when
// any member diverged, diverged_members in `metrics`. Errors: the first
// member's error, by member index. With options.group, the members train
// one after another in index order on this process's one core (the
// collectives then come in the same order on every rank), each with an
// equal share of the time left; `workers` is not used.
absl::Status TrainMembers(
    MemberTrainingOptions options, int workers,
    std::chrono::steady_clock::time_point budget_end,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    const std::function<absl::StatusOr<std::unique_ptr<MemberObjective>>(int)>&
        objective_of,
    google::protobuf::Map<std::string, double>* metrics);

// Records validation_loss_member<k> for each member k, their mean
// validation_loss and, when any member diverged, diverged_members (with a
// warning) in `metrics`; outcomes[k] is member k's (at least one).
void RecordMemberOutcomes(const std::vector<MemberOutcome>& outcomes,
                          google::protobuf::Map<std::string, double>* metrics);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_MEMBER_TRAINING_H_
