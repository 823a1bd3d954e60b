#include "services/predict_batcher.h"

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/tensor_rows.h"
#include "util/logging.h"

namespace wm::services {

struct PredictBatcher::Item {
  PredictCall call;
  absl::Time arrival;
  int64_t rows = 0;
  std::optional<absl::StatusOr<worldmodel::Prediction>> result;
};

namespace {

// Calls can share a model call when they use the same version, the same
// kind of context (and history length) and the same per-member request.
bool Compatible(const PredictCall& a, const PredictCall& b) {
  const worldmodel::Context &x = a.context, &y = b.context;
  if (a.model != b.model || x.per_member != y.per_member ||
      x.has_history() != y.has_history() ||
      x.has_parameters() != y.has_parameters()) {
    return false;
  }
  return !x.has_history() ||
         x.history_states.shape[1] == y.history_states.shape[1];
}

// One context for the concatenated rows of several calls.
worldmodel::Context MergedContext(const std::vector<const PredictCall*>& calls,
                                  const std::vector<int64_t>& rows) {
  worldmodel::Context merged;
  merged.per_member = calls.front()->context.per_member;
  auto merge = [&](Tensor worldmodel::Context::*field) {
    std::vector<const Tensor*> parts;
    for (const PredictCall* call : calls)
      parts.push_back(&(call->context.*field));
    return ConcatRows(parts, rows);
  };
  if (calls.front()->context.has_parameters()) {
    merged.parameters = merge(&worldmodel::Context::parameters);
  }
  if (calls.front()->context.has_history()) {
    merged.history_states = merge(&worldmodel::Context::history_states);
    merged.history_actions = merge(&worldmodel::Context::history_actions);
  }
  return merged;
}

std::chrono::system_clock::time_point ToChrono(absl::Time time) {
  return absl::ToChronoTime(time);
}

}  // namespace

PredictBatcher::PredictBatcher(BatcherOptions options)
    : options_(std::move(options)) {
  CHECK_GE(options_.workers, 1);
  CHECK_GE(options_.max_batch_rows, 1);
}

int PredictBatcher::QueueDepth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

absl::StatusOr<worldmodel::Prediction> PredictBatcher::Predict(
    PredictCall call) {
  Item item;
  item.call = std::move(call);
  item.arrival = absl::Now();
  item.rows = item.call.states.shape[0];
  if (options_.disabled) return std::move(RunBatch({&item}).front());
  std::unique_lock<std::mutex> lock(mutex_);
  if (static_cast<int>(queue_.size()) >= options_.max_queued_calls) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the Predict queue is full (", queue_.size(), " calls waiting)"));
  }
  queue_.push_back(&item);
  changed_.notify_all();  // a slot waiting to fill its batch may go now
  while (!item.result.has_value()) {
    if (busy_ < options_.workers && !queue_.empty()) {
      // A free slot: this thread computes the next batch. While others are
      // busy, give more calls a moment to join.
      const absl::Time fill_until =
          queue_.front()->arrival + options_.max_queue_delay;
      if (busy_ > 0 && absl::Now() < fill_until &&
          static_cast<int64_t>(queue_.size()) < options_.max_batch_rows) {
        changed_.wait_until(lock, ToChrono(fill_until));
        continue;
      }
      std::vector<Item*> batch = TakeBatch();
      if (batch.empty()) continue;
      ++busy_;
      lock.unlock();
      std::vector<absl::StatusOr<worldmodel::Prediction>> results =
          RunBatch(batch);
      lock.lock();
      for (size_t i = 0; i < batch.size(); ++i) {
        batch[i]->result = std::move(results[i]);
      }
      --busy_;
      changed_.notify_all();
      continue;
    }
    if (item.call.deadline == absl::InfiniteFuture()) {
      changed_.wait(lock);
    } else if (changed_.wait_until(lock, ToChrono(item.call.deadline)) ==
                   std::cv_status::timeout &&
               !item.result.has_value()) {
      // Still queued: drop it. Already computing: its answer comes soon.
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (*it == &item) {
          queue_.erase(it);
          return absl::DeadlineExceededError(
              "Predict: the deadline passed while the call was queued");
        }
      }
    }
  }
  return std::move(*item.result);
}

std::vector<PredictBatcher::Item*> PredictBatcher::TakeBatch() {
  std::vector<Item*> batch;
  const absl::Time now = absl::Now();
  int64_t rows = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    Item* item = *it;
    if (item->call.deadline < now) {
      item->result = absl::DeadlineExceededError(
          "Predict: the deadline passed while the call was queued");
      it = queue_.erase(it);
      continue;
    }
    const bool fits =
        batch.empty() || (Compatible(batch.front()->call, item->call) &&
                          rows + item->rows <= options_.max_batch_rows);
    if (fits) {
      batch.push_back(item);
      rows += item->rows;
      it = queue_.erase(it);
      if (rows >= options_.max_batch_rows) break;
    } else {
      ++it;
    }
  }
  if (batch.empty()) changed_.notify_all();  // expired calls were answered
  return batch;
}

std::vector<absl::StatusOr<worldmodel::Prediction>> PredictBatcher::RunBatch(
    const std::vector<Item*>& batch) const {
  const worldmodel::WorldModel& model = *batch.front()->call.model->model;
  std::vector<absl::StatusOr<worldmodel::Prediction>> results;
  if (batch.size() == 1) {  // a lone call: no copies
    const PredictCall& call = batch.front()->call;
    results.push_back(model.Predict(call.states, call.actions, call.context));
    if (options_.on_batch) options_.on_batch(batch.front()->rows, 1);
    return results;
  }
  std::vector<const PredictCall*> calls;
  std::vector<const Tensor*> states, actions;
  std::vector<int64_t> rows;
  for (const Item* item : batch) {
    calls.push_back(&item->call);
    states.push_back(&item->call.states);
    actions.push_back(&item->call.actions);
    rows.push_back(item->rows);
  }
  absl::StatusOr<worldmodel::Prediction> merged =
      model.Predict(ConcatRows(states, rows), ConcatRows(actions, rows),
                    MergedContext(calls, rows));
  int64_t begin = 0;
  for (const Item* item : batch) {
    if (!merged.ok()) {
      results.push_back(merged.status());
      continue;
    }
    worldmodel::Prediction share;
    share.mean = SliceRows(merged->mean, 0, begin, item->rows);
    share.epistemic_std =
        SliceRows(merged->epistemic_std, 0, begin, item->rows);
    share.aleatoric_std =
        SliceRows(merged->aleatoric_std, 0, begin, item->rows);
    if (!merged->member_mean.data.empty()) {
      share.member_mean = SliceRows(merged->member_mean, 1, begin, item->rows);
    }
    results.push_back(std::move(share));
    begin += item->rows;
  }
  if (options_.on_batch) options_.on_batch(begin, batch.size());
  return results;
}

}  // namespace wm::services
