#ifndef WM_WORLDMODEL_LEARNED_DISTRIBUTED_MEMBERS_H_
#define WM_WORLDMODEL_LEARNED_DISTRIBUTED_MEMBERS_H_

// A distributed run that spreads the ensemble's members over the ranks
// (wm train --distributed --distribute members, and auto when there are at
// least as many members as ranks; docs/scale.md): rank r trains members
// r, r + W, ... alone, with no collective per step, exactly as one process
// trains them; the ensemble_size % W members left over are trained by every
// rank together, each step's batch split (distributed_group.h); then rank 0
// gathers the members' weights, outcomes and metrics lines. Internal to the
// LibTorch target (includes torch headers).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "worldmodel/learned/distributed_group.h"
#include "worldmodel/learned/distributed_options.h"
#include "worldmodel/learned/member_training.h"
#include "worldmodel/learned/training_batch.h"

namespace wm::worldmodel {

// How a --distributed run of `ensemble_size` members shares its work:
// options.work, with kAuto resolved to kMembers when ensemble_size >=
// world_size, else kBatch. INVALID_ARGUMENT for kMembers with fewer
// members than ranks (a rank would have nothing to train), and for
// batch_size < world_size when batches are split (kBatch, or members left
// over by the spread), naming the numbers.
absl::StatusOr<DistributeWork> ChooseDistributeWork(
    const DistributedOptions& options, int ensemble_size, int batch_size);

// A rank's place in a wm train --distributed run, joined.
struct TrainingGroup {
  std::unique_ptr<DistributedGroup> group;
  DistributeWork work = DistributeWork::kBatch;  // kBatch or kMembers
  BatchShare share;  // this rank's part of each batch (kBatch), else all
};

// Chooses the work (ChooseDistributeWork), logs it and joins the group
// (DistributedGroup::Connect). Errors: theirs.
absl::StatusOr<TrainingGroup> JoinTrainingGroup(
    const DistributedOptions& options, int ensemble_size, int batch_size);

// The members one rank trains in a member-spread run.
struct MemberSpread {
  // Alone, as one process would: k % world_size == rank, among the first
  // ensemble_size - ensemble_size % world_size members.
  std::vector<int> own;
  // With every other rank, each step's batch split: the last
  // ensemble_size % world_size members (the same on every rank).
  std::vector<int> shared;
};
MemberSpread SpreadOfRank(int ensemble_size, int rank, int world_size);

// Member k's objective computing `share` of each batch.
using SharedObjectiveFactory =
    std::function<absl::StatusOr<std::unique_ptr<MemberObjective>>(
        int k, BatchShare share)>;

// Trains this rank's members of `members` (SpreadOfRank), each with an
// equal share of the time left until `budget_end`; options.log records
// them (on rank 0 in metrics.jsonl; the other ranks' lines are sent to
// rank 0 and appended there). Each rank saves its own members' resume state
// (options.resume_dir/member_<k>.pt, so --resume continues with any world
// size); rank 0 saves the shared members'. Then, on rank 0, `members` hold
// every member's best weights and `metrics` what TrainMembers records
// (RecordMemberOutcomes); the other ranks return once rank 0 has their
// members (ChooseDistributeWork has checked the sizes). Errors:
// TrainMember's; UNAVAILABLE (naming
// --distributed_timeout) when a rank dies, or does not deliver within the
// time budget plus the timeout.
absl::Status TrainSpreadMembers(
    DistributedGroup& group, MemberTrainingOptions options,
    std::chrono::steady_clock::time_point budget_end,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    const SharedObjectiveFactory& objective_of,
    google::protobuf::Map<std::string, double>* metrics);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_DISTRIBUTED_MEMBERS_H_
