#include "worldmodel/learned/member_training.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "util/file_util.h"
#include "util/logging.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Where one member stands; saved at every validation for --resume.
struct MemberState {
  int64_t step = 0;
  // Where the learning-rate schedule ends and training stops: max_steps, or
  // fewer when the time budget affords fewer (0: not yet decided).
  int64_t schedule_steps = 0;
  double best_validation = std::numeric_limits<double>::infinity();
  int64_t validations_without_improvement = 0;
  bool done = false;
};

std::string MemberResumePath(const std::string& resume_dir, int k) {
  return absl::StrCat(resume_dir, "/member_", k, ".pt");
}

void SaveParameters(const MemberNetwork& member,
                    torch::serialize::OutputArchive& archive,
                    const std::string& prefix) {
  for (const auto& item : member.named_parameters()) {
    archive.write(prefix + item.key(), item.value().detach().clone());
  }
}

void LoadParameters(MemberNetwork& member,
                    torch::serialize::InputArchive& archive,
                    const std::string& prefix) {
  torch::NoGradGuard no_grad;
  for (auto& item : member.named_parameters()) {
    torch::Tensor stored;
    archive.read(prefix + item.key(), stored);
    item.value().copy_(stored);
  }
}

// Writes the member's resume state atomically.
absl::Status SaveMemberState(const std::string& path,
                             const MemberNetwork& member,
                             const MemberNetwork& best,
                             torch::optim::Adam& optimizer,
                             const MemberState& state) {
  const std::string temporary = TemporarySiblingPath(path);
  try {
    torch::serialize::OutputArchive archive;
    SaveParameters(member, archive, "model.");
    SaveParameters(best, archive, "best.");
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("step", torch::tensor(state.step));
    archive.write("schedule_steps", torch::tensor(state.schedule_steps));
    archive.write("best_validation",
                  torch::tensor(state.best_validation, torch::kFloat64));
    archive.write("stale",
                  torch::tensor(state.validations_without_improvement));
    archive.write("done", torch::tensor(static_cast<int64_t>(state.done)));
    archive.save_to(temporary);
  } catch (const c10::Error& error) {
    return absl::InternalError(
        absl::StrCat("saving resume state ", path, ": ", error.what()));
  }
  WM_RETURN_IF_ERROR(SyncFile(temporary));
  return RenamePath(temporary, path);
}

// The scalar saved under `key`, read into a tensor of its own: reading into
// an already defined tensor set_()s it onto the stored one, keeping its
// dtype, so reusing one tensor read a float64 as the previous int64 (a
// resumed member's best validation loss became ~4.6e18, and it kept
// whatever it validated next instead of its best weights).
template <typename T>
T ReadScalar(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor value;
  archive.read(key, value);
  return value.item<T>();
}

// The saved state at `path` (a fresh state when there is none: killed
// before its first save), loaded into the member, its best copy and the
// optimiser.
absl::StatusOr<MemberState> LoadMemberState(const std::string& path,
                                            MemberNetwork& member,
                                            MemberNetwork& best,
                                            torch::optim::Adam& optimizer) {
  MemberState state;
  if (!fs::exists(path)) return state;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    LoadParameters(member, archive, "model.");
    LoadParameters(best, archive, "best.");
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    state.step = ReadScalar<int64_t>(archive, "step");
    torch::Tensor schedule_steps;
    if (archive.try_read("schedule_steps", schedule_steps)) {
      state.schedule_steps = schedule_steps.item<int64_t>();
    }
    state.best_validation = ReadScalar<double>(archive, "best_validation");
    state.validations_without_improvement =
        ReadScalar<int64_t>(archive, "stale");
    state.done = ReadScalar<int64_t>(archive, "done") != 0;
  } catch (const c10::Error& error) {
    return absl::DataLossError(
        absl::StrCat("resume state ", path, " is unreadable: ", error.what()));
  }
  return state;
}

// Sums the member's gradients and `loss` over the group's ranks (each
// rank's loss is its weighted part of the batch's); returns the summed
// loss. Parameters without a gradient take part with zeros.
absl::StatusOr<double> SumOverRanks(DistributedGroup& group,
                                    MemberNetwork& member,
                                    const torch::Tensor& loss) {
  std::vector<torch::Tensor> parts;
  const auto parameters = member.parameters();
  for (const torch::Tensor& parameter : parameters) {
    parts.push_back(parameter.grad().defined()
                        ? parameter.grad().reshape({-1})
                        : torch::zeros({parameter.numel()}));
  }
  parts.push_back(loss.detach().reshape({1}).to(torch::kFloat32));
  torch::Tensor flat = torch::cat(parts);
  WM_RETURN_IF_ERROR(group.SumInPlace(flat));
  int64_t offset = 0;
  for (const torch::Tensor& parameter : parameters) {
    torch::Tensor summed =
        flat.narrow(0, offset, parameter.numel()).view_as(parameter);
    if (parameter.grad().defined()) {
      parameter.mutable_grad().copy_(summed);
    } else {
      parameter.mutable_grad() = summed.clone();
    }
    offset += parameter.numel();
  }
  return flat[offset].item<double>();
}

void SetLearningRate(torch::optim::Adam& optimizer, double learning_rate) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate);
  }
}

// The steps a member that has done `steps` can finish in the time `left`
// at the pace of `interval_steps` steps in `interval_time` (a validation
// included), rounded down to whole validation intervals, with a 5% margin;
// at most `max_steps`, at least one more interval than `steps`.
int64_t AffordableSteps(int64_t steps, int64_t max_steps, int64_t eval_every,
                        int64_t interval_steps, Clock::duration interval_time,
                        Clock::duration left) {
  constexpr double kMargin = 0.95;
  const double seconds = std::chrono::duration<double>(interval_time).count();
  if (seconds <= 0) return max_steps;
  const double more = kMargin * std::chrono::duration<double>(left).count() *
                      interval_steps / seconds;
  if (more >= static_cast<double>(max_steps - steps)) return max_steps;
  const int64_t intervals = static_cast<int64_t>(more) / eval_every;
  return std::min(max_steps,
                  steps + eval_every * std::max<int64_t>(1, intervals));
}

// One member's run of TrainMember: the loop and what it carries between
// steps.
class MemberLoop {
 public:
  MemberLoop(const MemberTrainingOptions& options, int k, MemberNetwork& member,
             MemberObjective& objective)
      : options_(options),
        k_(k),
        member_(member),
        objective_(objective),
        best_(MakeMember(options.kind, *options.ops, options.hidden)),
        optimizer_(member.parameters(),
                   torch::optim::AdamOptions(options.learning_rate)) {
    CopyParameters(member_, *best_);
  }

  absl::StatusOr<MemberOutcome> Run() {
    if (options_.resume) {
      WM_ASSIGN_OR_RETURN(
          state_, LoadMemberState(ResumePath(), member_, *best_, optimizer_));
    }
    WM_RETURN_IF_ERROR(objective_.SkipBatches(state_.step));
    // Validation intervals still to time before the schedule's length is
    // decided (none when a resumed member comes with it).
    intervals_to_time_ = state_.schedule_steps > 0 ? 0 : 2;
    while (!state_.done && state_.step < ScheduleSteps()) {
      if (!turn_) StartInterval();
      WM_RETURN_IF_ERROR(Step());
      if (state_.done) break;  // diverged
      if (state_.step % options_.eval_every == 0 ||
          state_.step == ScheduleSteps()) {
        WM_RETURN_IF_ERROR(ValidateAndDecide());
      }
    }
    turn_.reset();
    Report();
    if (!std::isfinite(state_.best_validation)) {
      return absl::InternalError(absl::StrCat(
          "member ", k_, " never reached a finite validation loss in ",
          state_.step, " steps (try a lower learning_rate)"));
    }
    CopyParameters(*best_, member_);
    return MemberOutcome{state_.best_validation, state_.step, diverged_};
  }

 private:
  std::string ResumePath() const {
    return MemberResumePath(options_.resume_dir, k_);
  }
  int64_t ScheduleSteps() const {
    return state_.schedule_steps > 0 ? state_.schedule_steps
                                     : options_.max_steps;
  }

  // Takes a turn on the cores; a member starting from scratch first scores
  // its starting weights.
  void StartInterval() {
    turn_.emplace(options_.turns);
    interval_start_ = Clock::now();
    interval_start_step_ = state_.step;
    if (state_.step == 0 && !std::isfinite(state_.best_validation)) {
      const ValidationScore score = Validate();
      Keep(score.loss);
      options_.log->Validation(k_, 0, options_.learning_rate, std::nullopt,
                               score);
    }
  }

  ValidationScore Validate() {
    torch::NoGradGuard no_grad;
    return objective_.Validate(member_);
  }

  // Keeps the weights if `loss` is the best yet; returns whether it was.
  bool Keep(double loss) {
    if (!(loss < state_.best_validation)) return false;
    state_.best_validation = loss;
    state_.validations_without_improvement = 0;
    CopyParameters(member_, *best_);
    return true;
  }

  // One optimiser step, skipped when its loss or gradients are not finite
  // (it would turn every weight to NaN); too many in a row: diverged.
  absl::Status Step() {
    WM_ASSIGN_OR_RETURN(torch::Tensor loss, objective_.NextBatchLoss(member_));
    step_rate_ = objective_.LearningRate(options_.learning_rate, state_.step,
                                         ScheduleSteps());
    SetLearningRate(optimizer_, step_rate_);
    optimizer_.zero_grad();
    loss.backward();
    if (options_.group != nullptr) {
      WM_ASSIGN_OR_RETURN(train_loss_,
                          SumOverRanks(*options_.group, member_, loss));
    } else {
      train_loss_ = loss.item<double>();
    }
    objective_.PrepareGradients(member_);
    if (std::isfinite(train_loss_) && GradientsFinite(member_)) {
      optimizer_.step();
      consecutive_non_finite_ = 0;
    } else if (++consecutive_non_finite_ >= kMaxConsecutiveNonFiniteSteps) {
      LOG(WARNING) << ModelKindName(options_.kind) << " member " << k_
                   << " diverged: " << consecutive_non_finite_
                   << " steps in a row up to step " << state_.step
                   << " gave a non-finite loss or gradient; it keeps its "
                      "best weights (validation loss "
                   << state_.best_validation
                   << ") and stops (try a lower learning_rate)";
      diverged_ = true;
      state_.done = true;
    }
    ++state_.step;
    if (++since_report_ == 10) Report();
    return absl::OkStatus();
  }

  void Report() {
    options_.log->AddSteps(since_report_, since_report_ * options_.batch_size,
                           train_loss_);
    since_report_ = 0;
  }

  // Validates, keeps the best weights, stops early, fits the schedule to
  // the budget, saves the resume state and gives the turn back.
  absl::Status ValidateAndDecide() {
    const ValidationScore score = Validate();
    if (!Keep(score.loss) &&
        ++state_.validations_without_improvement >= options_.patience) {
      state_.done = true;  // early stopping
    }
    options_.log->Validation(k_, state_.step, step_rate_, train_loss_, score);
    const Clock::duration interval = Clock::now() - interval_start_;
    trained_ += interval;
    if (objective_.FitsScheduleToBudget() && intervals_to_time_ > 0) {
      FitSchedule(interval);
    }
    if (!options_.resume_dir.empty() &&
        (options_.group == nullptr || options_.group->rank() == 0)) {
      WM_RETURN_IF_ERROR(
          SaveMemberState(ResumePath(), member_, *best_, optimizer_, state_));
    }
    if (trained_ > options_.budget) {
      LOG(WARNING) << ModelKindName(options_.kind) << " member " << k_
                   << " stopped by the time budget at step " << state_.step;
      state_.done = true;
    }
    if (options_.group != nullptr) {
      WM_RETURN_IF_ERROR(TakeRankZeroDecisions());
    }
    turn_.reset();  // the next member's turn
    return absl::OkStatus();
  }

  // Whether to stop and where the schedule ends depend on each rank's
  // clock: rank 0's apply everywhere.
  absl::Status TakeRankZeroDecisions() {
    torch::Tensor decisions =
        torch::tensor({static_cast<double>(state_.done),
                       static_cast<double>(state_.schedule_steps)},
                      torch::kFloat64);
    WM_RETURN_IF_ERROR(options_.group->BroadcastFromRankZero(decisions));
    state_.done = decisions[0].item<double>() != 0;
    state_.schedule_steps = static_cast<int64_t>(decisions[1].item<double>());
    return absl::OkStatus();
  }

  // Ends the schedule at the steps the rest of the budget affords at the
  // pace of the interval just timed.
  void FitSchedule(Clock::duration interval) {
    state_.schedule_steps =
        AffordableSteps(state_.step, options_.max_steps, options_.eval_every,
                        state_.step - interval_start_step_, interval,
                        options_.budget - trained_);
    if (--intervals_to_time_ == 0 &&
        state_.schedule_steps < options_.max_steps) {
      LOG(INFO) << "member " << k_ << ": the time budget affords about "
                << state_.schedule_steps << " of " << options_.max_steps
                << " steps; its schedule ends there";
    }
  }

  const MemberTrainingOptions& options_;
  const int k_;
  MemberNetwork& member_;
  MemberObjective& objective_;
  std::shared_ptr<MemberNetwork> best_;  // the best weights on validation
  torch::optim::Adam optimizer_;
  MemberState state_;
  bool diverged_ = false;
  int consecutive_non_finite_ = 0;
  int intervals_to_time_ = 0;
  double train_loss_ = 0;
  double step_rate_ = 0;  // the latest step's learning rate
  int64_t since_report_ = 0;
  // Time spent training (holding a turn), counted per validation interval.
  Clock::duration trained_{0};
  std::optional<TurnQueue::Turn> turn_;
  Clock::time_point interval_start_;
  int64_t interval_start_step_ = 0;
};

}  // namespace

absl::StatusOr<MemberOutcome> TrainMember(const MemberTrainingOptions& options,
                                          int k, MemberNetwork& member,
                                          MemberObjective& objective) {
  return MemberLoop(options, k, member, objective).Run();
}

absl::Status TrainMembers(
    MemberTrainingOptions options, int workers, Clock::time_point budget_end,
    const std::vector<std::shared_ptr<MemberNetwork>>& members,
    const std::function<absl::StatusOr<std::unique_ptr<MemberObjective>>(int)>&
        objective_of,
    google::protobuf::Map<std::string, double>* metrics) {
  const int count = static_cast<int>(members.size());
  std::vector<absl::StatusOr<MemberOutcome>> outcomes(count, MemberOutcome());
  auto train = [&](int k) {
    absl::StatusOr<std::unique_ptr<MemberObjective>> objective =
        objective_of(k);
    outcomes[k] = objective.ok()
                      ? TrainMember(options, k, *members[k], **objective)
                      : objective.status();
  };
  if (options.group != nullptr) {
    // One member at a time, in order: the same collectives on every rank.
    for (int k = 0; k < count; ++k) {
      options.budget = (budget_end - Clock::now()) / (count - k);
      train(k);
      if (!outcomes[k].ok()) return outcomes[k].status();
    }
  } else {
    workers = std::clamp(workers, 1, count);
    TurnQueue turns(workers);
    options.turns = &turns;
    options.budget = (budget_end - Clock::now()) * workers / count;
    ForEachOnWorkers(count, count, train);
  }
  std::vector<MemberOutcome> done;
  for (const absl::StatusOr<MemberOutcome>& outcome : outcomes) {
    if (!outcome.ok()) return outcome.status();
    done.push_back(*outcome);
  }
  RecordMemberOutcomes(done, metrics);
  return absl::OkStatus();
}

void RecordMemberOutcomes(const std::vector<MemberOutcome>& outcomes,
                          google::protobuf::Map<std::string, double>* metrics) {
  const int count = static_cast<int>(outcomes.size());
  double validation_sum = 0;
  int diverged = 0;
  for (int k = 0; k < count; ++k) {
    validation_sum += outcomes[k].best_validation;
    (*metrics)[absl::StrCat("validation_loss_member", k)] =
        outcomes[k].best_validation;
    diverged += outcomes[k].diverged;
  }
  (*metrics)["validation_loss"] = validation_sum / count;
  if (diverged > 0) {
    (*metrics)["diverged_members"] = diverged;
    LOG(WARNING) << diverged << " of " << count
                 << " members diverged and kept their best weights";
  }
}

}  // namespace wm::worldmodel
