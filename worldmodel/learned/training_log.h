#ifndef WM_WORLDMODEL_LEARNED_TRAINING_LOG_H_
#define WM_WORLDMODEL_LEARNED_TRAINING_LOG_H_

// The progress and the metrics.jsonl lines of the member training loop
// (member_training.h). Torch-free header.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "worldmodel/learned/trainer.h"

namespace wm::worldmodel {

// A member's validation result.
struct ValidationScore {
  double loss = 0;  // what the best weights and early stopping go by
  // Further named terms for metrics.jsonl ("validation_<name>"), in order.
  std::vector<std::pair<std::string, double>> terms;
};

// Reports progress and appends metrics.jsonl lines; shared by the member
// threads (thread-safe).
class TrainingLog {
 public:
  // `metrics_path` empty: no metrics lines. `progress` may be empty; it is
  // called under the log's lock. `steps_total`: for the progress.
  TrainingLog(std::string metrics_path, int64_t steps_total,
              std::function<void(const TrainingProgress&)> progress);
  // Counts `steps` optimiser steps over `samples` samples, the latest with
  // `train_loss`, and reports progress.
  void AddSteps(int64_t steps, int64_t samples, double train_loss);
  // Records member `member`'s validation at `step` (train_loss: of its
  // latest step, none at step 0) as one JSON line: member, step,
  // learning_rate, train_loss, validation_loss, validation_<term> for each
  // of the score's terms, samples_per_s. Non-finite numbers are written as
  // null.
  void Validation(int member, int64_t step, double learning_rate,
                  std::optional<double> train_loss,
                  const ValidationScore& score);
  // From now on the lines are kept in memory, not written: a rank of a
  // member-spread run sends them to rank 0 (distributed_members.h).
  void KeepLines();
  // The lines kept since KeepLines or the last call, each ending in "\n".
  std::string TakeKeptLines();
  // Appends `lines` (another rank's TakeKeptLines) to the metrics file, if
  // any.
  void AppendLines(const std::string& lines);

 private:
  double Elapsed() const;

  std::mutex mutex_;
  std::string metrics_path_;
  std::function<void(const TrainingProgress&)> progress_;
  std::chrono::steady_clock::time_point start_;
  TrainingProgress state_;
  int64_t samples_ = 0;
  bool keep_lines_ = false;
  std::string kept_lines_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TRAINING_LOG_H_
