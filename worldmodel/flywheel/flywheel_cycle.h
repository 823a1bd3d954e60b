#ifndef WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_CYCLE_H_
#define WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_CYCLE_H_

// `wm flywheel`'s work as a library call: one step of the continual
// trainer. When enough new episodes are in the store, a cycle fine-tunes
// the served version on the newest ones, scores candidate and served
// version on a held-out slice of them and publishes the candidate only when
// the gate (flywheel_gate.h) says it is better; every decision goes to the
// durable state, the log and the counters (flywheel_state.h). Torch-free
// header.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/flywheel.pb.h"
#include "worldmodel/learned/trainer.h"

namespace wm::worldmodel {

struct FlywheelJob {
  std::string store_dir;      // an append-only dataset (wm ingest's store)
  std::string model_dir;      // MODELS/NAME: the served model, with a version
  std::string log_path;       // JSON lines of decisions; empty: none
  v1::FlywheelConfig config;  // WithFlywheelDefaults applied
  // Training progress of a cycle (may be empty).
  std::function<void(const TrainingProgress&)> progress;
};

struct FlywheelStep {
  bool decided = false;
  std::string waiting_reason;     // when not decided: what it waits for
  v1::FlywheelDecision decision;  // when decided
};

// The log path when --log is not given: MODELS/NAME/flywheel.jsonl.
std::string DefaultFlywheelLog(const std::string& model_dir);

// One step. Without a cycle under way: opens the store and waits (returns
// decided = false with the reason) unless config.min_new_episodes episodes
// arrived since the last decision and the newest window holds
// config.min_holdout_episodes held-out episodes; else records the cycle as
// under way (state: the store prefix and the served version) and runs it:
// writes the training episodes to MODELS/NAME/.flywheel/cycle_K/train,
// fine-tunes the served version there (TrainAndPublish with init_from;
// seed config.training.seed + K) into cycle_K/candidate, scores both on the
// held-out episodes (GateErrors), decides (DecideGate, seed K) and, when
// the gate passes, publishes the candidate's files as the next version of
// MODELS/NAME (PublishModelVersion; its manifest's metrics gain
// flywheel_cycle and flywheel_ratio). A killed cycle resumes from what is
// on disk: training continues (resume), a candidate already trained is not
// trained again, and one already published (the served latest version's
// flywheel_cycle is K) is not published again. Errors: NOT_FOUND for a
// missing store or a model_dir without a version; the store's, training's
// and the models' errors (the cycle stays under way and is retried).
absl::StatusOr<FlywheelStep> RunFlywheelStep(const FlywheelJob& job);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_CYCLE_H_
