#include "worldmodel/learned/training_log.h"

#include <algorithm>
#include <fstream>

#include "util/json_writer.h"

namespace wm::worldmodel {

using Clock = std::chrono::steady_clock;

TrainingLog::TrainingLog(std::string metrics_path, int64_t steps_total,
                         std::function<void(const TrainingProgress&)> progress)
    : metrics_path_(std::move(metrics_path)),
      progress_(std::move(progress)),
      start_(Clock::now()) {
  state_.steps_total = steps_total;
}

void TrainingLog::AddSteps(int64_t steps, int64_t samples, double train_loss) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_.steps_done += steps;
  samples_ += samples;
  state_.train_loss = train_loss;
  state_.samples_per_second = samples_ / Elapsed();
  if (progress_) progress_(state_);
}

void TrainingLog::Validation(int member, int64_t step, double learning_rate,
                             std::optional<double> train_loss,
                             const ValidationScore& score) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_.validation_loss = score.loss;
  if (metrics_path_.empty() && !keep_lines_) return;
  JsonWriter line(JsonWriter::Style::kCompact);
  line.BeginObject().Key("member").Int(member).Key("step").Int(step);
  line.Key("learning_rate").Number(learning_rate);
  line.Key("train_loss");
  if (train_loss) {
    line.Number(*train_loss);
  } else {
    line.Null();
  }
  line.Key("validation_loss").Number(score.loss);
  for (const auto& [name, value] : score.terms) {
    line.Key("validation_" + name).Number(value);
  }
  line.Key("samples_per_s").Number(samples_ / Elapsed());
  line.EndObject();
  if (keep_lines_) {
    kept_lines_ += line.str() + "\n";
  } else {
    std::ofstream(metrics_path_, std::ios::app) << line.str() << "\n";
  }
}

void TrainingLog::KeepLines() {
  std::lock_guard<std::mutex> lock(mutex_);
  keep_lines_ = true;
}

std::string TrainingLog::TakeKeptLines() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(kept_lines_, {});
}

void TrainingLog::AppendLines(const std::string& lines) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (metrics_path_.empty() || lines.empty()) return;
  std::ofstream(metrics_path_, std::ios::app) << lines;
}

double TrainingLog::Elapsed() const {
  return std::max(1e-9,
                  std::chrono::duration<double>(Clock::now() - start_).count());
}

}  // namespace wm::worldmodel
