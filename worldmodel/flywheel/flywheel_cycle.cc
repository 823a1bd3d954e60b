#include "worldmodel/flywheel/flywheel_cycle.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "datasets/dataset.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/eval/evaluator.h"
#include "worldmodel/flywheel/flywheel_episodes.h"
#include "worldmodel/flywheel/flywheel_gate.h"
#include "worldmodel/flywheel/flywheel_state.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;

constexpr char kCycleMetric[] = "flywheel_cycle";

std::string CycleDirectory(const FlywheelJob& job, int64_t cycle) {
  return absl::StrCat(FlywheelDirectory(job.model_dir), "/cycle_", cycle);
}

absl::StatusOr<v1::CheckpointManifest> ReadManifest(
    const std::string& version_dir) {
  v1::CheckpointManifest manifest;
  WM_RETURN_IF_ERROR(
      ReadTextProtoFile(version_dir + "/manifest.pbtxt", &manifest));
  return manifest;
}

// The gate's minimum episode length in steps for the store's dt.
int64_t GateSteps(const FlywheelJob& job, double dt) {
  return GateMinEpisodeSteps(job.config, dt);
}

// Begins a cycle when enough new data is there: records it in `state` (and
// on disk) and returns ""; otherwise returns what it waits for.
absl::StatusOr<std::string> MaybeBeginCycle(const FlywheelJob& job,
                                            const datasets::Dataset& store,
                                            v1::FlywheelState* state) {
  const int64_t available = store.num_episodes();
  const int64_t fresh = available - state->episodes_used();
  if (fresh < job.config.min_new_episodes()) {
    return absl::StrCat(fresh, " new episodes of the ",
                        job.config.min_new_episodes(), " a cycle needs (",
                        available, " in the store)");
  }
  WM_ASSIGN_OR_RETURN(std::vector<datasets::Episode> prefix,
                      ReadStorePrefix(store, available));
  const CycleEpisodes parts = SplitCycleEpisodes(
      std::move(prefix), job.config, GateSteps(job, store.manifest().dt()));
  if (static_cast<int64_t>(parts.holdout.size()) <
      job.config.min_holdout_episodes()) {
    return absl::StrCat(parts.holdout.size(), " held-out episodes of the ",
                        job.config.min_holdout_episodes(),
                        " the gate needs in the newest window");
  }
  WM_ASSIGN_OR_RETURN(const std::string current,
                      ResolveModelVersionDir(job.model_dir));
  state->set_cycle_in_progress(state->decisions_size() + 1);
  state->set_in_progress_store_episodes(available);
  state->set_in_progress_current_version(current);
  WM_RETURN_IF_ERROR(SaveFlywheelState(FlywheelDirectory(job.model_dir), *state,
                                       job.log_path));
  return std::string();
}

// The cycle's candidate version directory, trained unless it exists.
absl::StatusOr<std::string> TrainCandidate(const FlywheelJob& job,
                                           const datasets::Dataset& store,
                                           const CycleEpisodes& parts,
                                           const v1::FlywheelState& state,
                                           double* seconds) {
  const int64_t cycle = state.cycle_in_progress();
  const std::string cycle_dir = CycleDirectory(job, cycle);
  const std::string candidate_dir = cycle_dir + "/candidate";
  if (!ListModelVersions(candidate_dir).empty()) {
    return ResolveModelVersionDir(candidate_dir);
  }
  const absl::Time start = absl::Now();
  TrainingRequest request;
  request.config = job.config.training();
  if (request.config.model().empty()) {
    WM_ASSIGN_OR_RETURN(const v1::CheckpointManifest current,
                        ReadManifest(state.in_progress_current_version()));
    request.config.set_model(current.kind());
  }
  request.config.set_seed(request.config.seed() + cycle);
  request.data_dir = cycle_dir + "/train";
  WM_RETURN_IF_ERROR(WriteCycleDataset(store, parts.train, request.data_dir));
  request.validation_data_dir = cycle_dir + "/validation";
  WM_RETURN_IF_ERROR(
      WriteCycleDataset(store, parts.validation, request.validation_data_dir));
  request.model_dir = candidate_dir;
  std::error_code error;
  request.resume = fs::exists(candidate_dir + "/.train", error);
  request.init_from = state.in_progress_current_version();
  WM_RETURN_IF_ERROR(TrainAndPublish(request, job.progress).status());
  *seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return ResolveModelVersionDir(candidate_dir);
}

absl::StatusOr<GateOutcome> ScoreAndDecide(const FlywheelJob& job,
                                           const datasets::Dataset& store,
                                           const CycleEpisodes& parts,
                                           const std::string& current_dir,
                                           const std::string& candidate_dir,
                                           int64_t cycle) {
  ModelFactory factory;
  RegisterLearnedModels(&factory);
  const double dt = store.manifest().dt();
  WM_ASSIGN_OR_RETURN(const v1::CheckpointManifest served,
                      ReadManifest(current_dir));
  const std::vector<double> scale =
      GateStateScale(store.spec(), served.normalization());
  std::vector<double> errors[2];
  const std::string dirs[2] = {candidate_dir, current_dir};
  for (int i = 0; i < 2; ++i) {
    WM_ASSIGN_OR_RETURN(std::unique_ptr<WorldModel> model,
                        factory.Load(dirs[i]));
    WM_ASSIGN_OR_RETURN(
        errors[i], GateErrors(*model, parts.holdout, scale, dt, job.config));
  }
  return DecideGate(errors[0], errors[1], job.config,
                    static_cast<uint64_t>(cycle));
}

// Publishes the candidate's files as the next version of the served model
// (unless this cycle's publish already happened before a kill); returns
// the version directory.
absl::StatusOr<std::string> PublishCandidate(const FlywheelJob& job,
                                             const std::string& candidate_dir,
                                             const GateOutcome& outcome,
                                             int64_t cycle) {
  WM_ASSIGN_OR_RETURN(const std::string latest,
                      ResolveModelVersionDir(job.model_dir));
  WM_ASSIGN_OR_RETURN(const v1::CheckpointManifest served,
                      ReadManifest(latest));
  if (const auto it = served.metrics().find(kCycleMetric);
      it != served.metrics().end() && it->second == cycle) {
    return latest;
  }
  WM_ASSIGN_OR_RETURN(v1::CheckpointManifest manifest,
                      ReadManifest(candidate_dir));
  const v1::CheckpointManifest candidate = manifest;
  (*manifest.mutable_metrics())[kCycleMetric] = static_cast<double>(cycle);
  (*manifest.mutable_metrics())["flywheel_ratio"] = outcome.ratio;
  auto copy_files = [&](const std::string& directory) -> absl::Status {
    for (const auto& [file, digest] : candidate.file_sha256()) {
      WM_ASSIGN_OR_RETURN(const std::string bytes,
                          ReadVersionFile(candidate_dir, candidate, file));
      WM_RETURN_IF_ERROR(
          WriteFileAtomically(absl::StrCat(directory, "/", file), bytes));
    }
    return absl::OkStatus();
  };
  return PublishModelVersion(job.model_dir, &manifest, copy_files);
}

// Runs the cycle under way to its decision and records it.
absl::StatusOr<v1::FlywheelDecision> RunCycle(const FlywheelJob& job,
                                              const datasets::Dataset& store,
                                              v1::FlywheelState* state) {
  const int64_t cycle = state->cycle_in_progress();
  const int64_t used = state->in_progress_store_episodes();
  WM_ASSIGN_OR_RETURN(std::vector<datasets::Episode> prefix,
                      ReadStorePrefix(store, used));
  const CycleEpisodes parts = SplitCycleEpisodes(
      std::move(prefix), job.config, GateSteps(job, store.manifest().dt()));
  v1::FlywheelDecision decision;
  double seconds = 0;
  WM_ASSIGN_OR_RETURN(const std::string candidate,
                      TrainCandidate(job, store, parts, *state, &seconds));
  const std::string& current = state->in_progress_current_version();
  WM_ASSIGN_OR_RETURN(
      const GateOutcome outcome,
      ScoreAndDecide(job, store, parts, current, candidate, cycle));
  if (outcome.publish) {
    WM_ASSIGN_OR_RETURN(const std::string published,
                        PublishCandidate(job, candidate, outcome, cycle));
    decision.set_published_version(ModelVersionName(published));
  }
  decision.set_cycle(cycle);
  decision.set_decision(outcome.publish ? "published" : "refused");
  decision.set_reason(outcome.reason);
  decision.set_store_episodes(used);
  decision.set_trained_episodes(parts.train.size() + parts.validation.size());
  decision.set_holdout_episodes(parts.holdout.size());
  decision.set_current_version(ModelVersionName(current));
  decision.set_candidate(candidate);
  decision.set_current_error(outcome.current_error);
  decision.set_candidate_error(outcome.candidate_error);
  decision.set_ratio(outcome.ratio);
  decision.set_ratio_ci90_low(outcome.ratio_ci90_low);
  decision.set_ratio_ci90_high(outcome.ratio_ci90_high);
  decision.set_train_seconds(seconds);
  *state->add_decisions() = decision;
  state->set_episodes_used(used);
  state->set_cycle_in_progress(0);
  state->clear_in_progress_store_episodes();
  state->clear_in_progress_current_version();
  WM_RETURN_IF_ERROR(SaveFlywheelState(FlywheelDirectory(job.model_dir), *state,
                                       job.log_path));
  std::error_code error;  // the training copies are no longer needed
  fs::remove_all(CycleDirectory(job, cycle) + "/train", error);
  fs::remove_all(CycleDirectory(job, cycle) + "/validation", error);
  return decision;
}

}  // namespace

std::string DefaultFlywheelLog(const std::string& model_dir) {
  return (fs::path(model_dir) / "flywheel.jsonl").string();
}

absl::StatusOr<FlywheelStep> RunFlywheelStep(const FlywheelJob& job) {
  WM_ASSIGN_OR_RETURN(v1::FlywheelState state,
                      LoadFlywheelState(FlywheelDirectory(job.model_dir)));
  WM_ASSIGN_OR_RETURN(std::unique_ptr<datasets::Dataset> store,
                      datasets::Dataset::Open(job.store_dir));
  FlywheelStep step;
  if (state.cycle_in_progress() == 0) {
    WM_ASSIGN_OR_RETURN(step.waiting_reason,
                        MaybeBeginCycle(job, *store, &state));
    if (!step.waiting_reason.empty()) return step;
  }
  WM_ASSIGN_OR_RETURN(step.decision, RunCycle(job, *store, &state));
  step.decided = true;
  return step;
}

}  // namespace wm::worldmodel
