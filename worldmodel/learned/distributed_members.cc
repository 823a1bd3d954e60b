#include "worldmodel/learned/distributed_members.h"

#include <torch/torch.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/logging.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// What a rank other than 0 delivers: its own members' best weights and
// outcomes, its metrics lines and how long it trained.
struct RankReport {
  std::vector<int> own;
  std::string lines;
  double training_seconds = 0;
};

std::string MemberKey(int k, const std::string& name) {
  return absl::StrCat("member_", k, ".", name);
}

// The report of this rank as bytes (a torch archive).
absl::StatusOr<std::string> EncodeReport(
    const RankReport& report,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    const std::vector<MemberOutcome>& outcomes) {
  std::ostringstream bytes;
  try {
    torch::serialize::OutputArchive archive;
    archive.write("own", torch::tensor(std::vector<int64_t>(report.own.begin(),
                                                            report.own.end())));
    for (int k : report.own) {
      for (const auto& item : members[k]->named_parameters()) {
        archive.write(MemberKey(k, item.key()), item.value().detach());
      }
      const MemberOutcome& outcome = outcomes[k];
      archive.write(MemberKey(k, "outcome"),
                    torch::tensor({outcome.best_validation,
                                   static_cast<double>(outcome.steps),
                                   static_cast<double>(outcome.diverged)},
                                  torch::kFloat64));
    }
    torch::Tensor lines =
        torch::empty({static_cast<int64_t>(report.lines.size())}, torch::kByte);
    std::copy(report.lines.begin(), report.lines.end(),
              static_cast<char*>(lines.data_ptr()));
    archive.write("lines", lines);
    archive.write("training_seconds",
                  torch::tensor(report.training_seconds, torch::kFloat64));
    archive.save_to(bytes);
  } catch (const c10::Error& error) {
    return absl::InternalError(
        absl::StrCat("encoding this rank's members: ", error.what()));
  }
  return bytes.str();
}

// Reads rank `from`'s report into `members` and `outcomes`; DATA_LOSS when
// it is unreadable or does not hold the members `expected`.
absl::StatusOr<RankReport> DecodeReport(
    const std::string& bytes, int from, const std::vector<int>& expected,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    std::vector<MemberOutcome>* outcomes) {
  RankReport report;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size());
    torch::Tensor own, lines, seconds;
    archive.read("own", own);
    for (int64_t i = 0; i < own.numel(); ++i) {
      report.own.push_back(static_cast<int>(own[i].item<int64_t>()));
    }
    if (report.own != expected) {
      return absl::DataLossError(absl::StrCat(
          "rank ", from, " sent other members than it was to train"));
    }
    torch::NoGradGuard no_grad;
    for (int k : report.own) {
      for (auto& item : members[k]->named_parameters()) {
        torch::Tensor stored;
        archive.read(MemberKey(k, item.key()), stored);
        item.value().copy_(stored);
      }
      torch::Tensor outcome;
      archive.read(MemberKey(k, "outcome"), outcome);
      (*outcomes)[k] = {outcome[0].item<double>(), outcome[1].item<int64_t>(),
                        outcome[2].item<double>() != 0};
    }
    archive.read("lines", lines);
    const char* text = static_cast<const char*>(lines.data_ptr());
    report.lines.assign(text, text + lines.numel());
    archive.read("training_seconds", seconds);
    report.training_seconds = seconds.item<double>();
  } catch (const c10::Error& error) {
    return absl::DataLossError(absl::StrCat("the members sent by rank ", from,
                                            " are unreadable: ", error.what()));
  }
  return report;
}

// Every rank waits here until all have trained their own members (each
// rank's own time budget bounds that), so that the shared members' first
// all-reduce does not wait on a slower rank.
absl::Status MeetAllRanks(DistributedGroup& group, Clock::time_point deadline) {
  const std::string what = "waiting for every rank's own members";
  if (group.rank() != 0) {
    WM_RETURN_IF_ERROR(group.SendBytes(0, "done", deadline, what));
    return group.ReceiveBytes(0, deadline, what).status();
  }
  for (int r = 1; r < group.world_size(); ++r) {
    WM_RETURN_IF_ERROR(group.ReceiveBytes(r, deadline, what).status());
  }
  for (int r = 1; r < group.world_size(); ++r) {
    WM_RETURN_IF_ERROR(group.SendBytes(r, "go", deadline, what));
  }
  return absl::OkStatus();
}

// Trains members `ks` one after another, each with an equal share of the
// time left of the `tasks_left` members this rank still has to train.
absl::Status TrainInTurn(
    const std::vector<int>& ks, int tasks_left, MemberTrainingOptions options,
    BatchShare share, Clock::time_point budget_end,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    const SharedObjectiveFactory& objective_of,
    std::vector<MemberOutcome>* outcomes) {
  for (int k : ks) {
    options.budget = (budget_end - Clock::now()) / std::max(1, tasks_left--);
    WM_ASSIGN_OR_RETURN(std::unique_ptr<MemberObjective> objective,
                        objective_of(k, share));
    WM_ASSIGN_OR_RETURN((*outcomes)[k],
                        TrainMember(options, k, *members[k], *objective));
  }
  return absl::OkStatus();
}

// Rank 0: receives every other rank's report into `members`, `outcomes`
// and `log`; logs the run's rate and what the gather cost.
absl::Status GatherOnRankZero(
    DistributedGroup& group, TrainingLog& log, int64_t batch_size,
    double own_training_seconds, Clock::time_point deadline,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    std::vector<MemberOutcome>* outcomes) {
  const Clock::time_point start = Clock::now();
  double slowest = own_training_seconds;
  size_t bytes = 0;
  const int world = group.world_size();
  for (int r = 1; r < world; ++r) {
    WM_ASSIGN_OR_RETURN(
        const std::string received,
        group.ReceiveBytes(r, deadline,
                           absl::StrCat("receiving rank ", r, "'s members")));
    bytes += received.size();
    WM_ASSIGN_OR_RETURN(
        RankReport report,
        DecodeReport(
            received, r,
            SpreadOfRank(static_cast<int>(members.size()), r, world).own,
            members, outcomes));
    log.AppendLines(report.lines);
    slowest = std::max(slowest, report.training_seconds);
  }
  int64_t samples = 0;
  for (const MemberOutcome& outcome : *outcomes) {
    samples += outcome.steps * batch_size;
  }
  LOG(INFO) << "members spread over " << world << " ranks: " << samples
            << " samples in " << slowest
            << " s of training (the slowest rank): "
            << samples / std::max(1e-9, slowest)
            << " samples/s; gathered the other ranks' members (" << bytes
            << " bytes) in " << Seconds(Clock::now() - start)
            << " s after rank 0's own training";
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DistributeWork> ChooseDistributeWork(
    const DistributedOptions& options, int ensemble_size, int batch_size) {
  const int world = options.world_size;
  DistributeWork work = options.work;
  if (work == DistributeWork::kAuto) {
    work = ensemble_size >= world ? DistributeWork::kMembers
                                  : DistributeWork::kBatch;
  }
  if (work == DistributeWork::kMembers && ensemble_size < world) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--distribute members: ", ensemble_size, " members cannot occupy ",
        world, " ranks (use --distribute batch, fewer ranks or more members)"));
  }
  const bool splits_batches =
      work == DistributeWork::kBatch || ensemble_size % world != 0;
  if (splits_batches && batch_size < world) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--distributed: batch_size ", batch_size,
        " is smaller than the world size ", world,
        work == DistributeWork::kBatch
            ? " (each rank computes at least one window of a batch)"
            : " (the members left over when the ensemble is spread split "
              "their batches over the ranks)"));
  }
  return work;
}

absl::StatusOr<TrainingGroup> JoinTrainingGroup(
    const DistributedOptions& options, int ensemble_size, int batch_size) {
  TrainingGroup joined;
  WM_ASSIGN_OR_RETURN(joined.work,
                      ChooseDistributeWork(options, ensemble_size, batch_size));
  LOG(INFO) << "rank " << options.rank << " of " << options.world_size
            << ": joining at " << options.master_addr << ":"
            << options.master_port << " ("
            << (joined.work == DistributeWork::kMembers
                    ? "members spread over the ranks"
                    : "each batch split over the ranks")
            << ")";
  WM_ASSIGN_OR_RETURN(joined.group, DistributedGroup::Connect(options));
  if (joined.work == DistributeWork::kBatch) {
    joined.share = {options.rank, options.world_size};
  }
  return joined;
}

MemberSpread SpreadOfRank(int ensemble_size, int rank, int world_size) {
  MemberSpread spread;
  const int spread_count = ensemble_size - ensemble_size % world_size;
  for (int k = rank; k < spread_count; k += world_size) {
    spread.own.push_back(k);
  }
  for (int k = spread_count; k < ensemble_size; ++k) spread.shared.push_back(k);
  return spread;
}

absl::Status TrainSpreadMembers(
    DistributedGroup& group, MemberTrainingOptions options,
    Clock::time_point budget_end,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    const SharedObjectiveFactory& objective_of,
    google::protobuf::Map<std::string, double>* metrics) {
  const int count = static_cast<int>(members.size());
  const MemberSpread spread =
      SpreadOfRank(count, group.rank(), group.world_size());
  // Rank 0 has set up the resume state's directory before anyone saves.
  torch::Tensor ready = torch::zeros({1});
  WM_RETURN_IF_ERROR(group.BroadcastFromRankZero(ready));
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      budget_end + std::chrono::milliseconds(
                       static_cast<int64_t>(1000 * group.timeout_seconds()));
  const int tasks = static_cast<int>(spread.own.size() + spread.shared.size());
  TrainingLog* own_log = options.log;
  TrainingLog* shared_log = options.log;
  TrainingLog quiet("", 0, nullptr);
  if (group.rank() != 0) {
    options.log->KeepLines();  // sent to rank 0 with the members
    shared_log = &quiet;       // rank 0 records the shared members
  }
  std::vector<MemberOutcome> outcomes(count);
  options.group = nullptr;  // alone, as one process
  options.turns = nullptr;  // wall-clock budget: one member at a time
  WM_RETURN_IF_ERROR(TrainInTurn(spread.own, tasks, options, BatchShare{},
                                 budget_end, members, objective_of, &outcomes));
  if (!spread.shared.empty()) {
    WM_RETURN_IF_ERROR(MeetAllRanks(group, deadline));
    options.group = &group;
    options.log = shared_log;
    WM_RETURN_IF_ERROR(
        TrainInTurn(spread.shared, static_cast<int>(spread.shared.size()),
                    options, BatchShare{group.rank(), group.world_size()},
                    budget_end, members, objective_of, &outcomes));
  }
  const double training_seconds = Seconds(Clock::now() - start);
  if (group.rank() != 0) {
    RankReport report{spread.own, own_log->TakeKeptLines(), training_seconds};
    WM_ASSIGN_OR_RETURN(const std::string bytes,
                        EncodeReport(report, members, outcomes));
    return group.SendBytes(0, bytes, deadline, "sending this rank's members");
  }
  WM_RETURN_IF_ERROR(GatherOnRankZero(group, *own_log, options.batch_size,
                                      training_seconds, deadline, members,
                                      &outcomes));
  RecordMemberOutcomes(outcomes, metrics);
  return absl::OkStatus();
}

}  // namespace wm::worldmodel
