#include "services/predict_batcher.h"

#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/logging.h"
#include "util/tensor_rows.h"
#include "worldmodel/guarded_model.h"

namespace wm::services {

struct PredictBatcher::Item {
  PredictCall call;
  PredictDone done;
  absl::Time arrival;
  int64_t rows = 0;
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

}  // namespace

PredictBatcher::PredictBatcher(BatcherOptions options)
    : options_(std::move(options)) {
  CHECK_GE(options_.workers, 1);
  CHECK_GE(options_.max_batch_rows, 1);
  for (int w = 0; w < options_.workers; ++w) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

PredictBatcher::~PredictBatcher() {
  std::deque<std::unique_ptr<Item>> abandoned;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    abandoned.swap(queue_);
    changed_.notify_all();
    changed_.wait(lock, [this] { return busy_ == 0; });  // inline calls too
  }
  for (auto& item : abandoned) {
    item->done(absl::UnavailableError("Predict: the server is shutting down"));
  }
  for (std::thread& worker : workers_) worker.join();
}

int PredictBatcher::QueueDepth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

void PredictBatcher::Submit(PredictCall call, PredictDone done) {
  auto item = std::make_unique<Item>();
  item->call = std::move(call);
  item->done = std::move(done);
  item->arrival = absl::Now();
  item->rows = item->call.states.shape[0];
  if (item->call.deadline < item->arrival) {
    item->done(absl::DeadlineExceededError(
        "Predict: the deadline passed before the call arrived"));
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (busy_ == 0 && queue_.empty() && !stopping_) {
    ++busy_;  // an idle batcher: compute at once, on this thread
    lock.unlock();
    std::vector<std::unique_ptr<Item>> batch;
    batch.push_back(std::move(item));
    RunBatch(batch);
    lock.lock();
    --busy_;
    changed_.notify_all();  // a worker may take the slot for queued calls
    return;
  }
  if (static_cast<int>(queue_.size()) >= options_.max_queued_calls ||
      stopping_) {
    const size_t waiting = queue_.size();
    const bool stopping = stopping_;
    lock.unlock();
    item->done(
        stopping
            ? absl::UnavailableError("Predict: the server is shutting down")
            : absl::ResourceExhaustedError(absl::StrCat(
                  "the Predict queue is full (", waiting, " calls waiting)")));
    return;
  }
  queue_.push_back(std::move(item));
  changed_.notify_all();  // a slot waiting to fill its batch may go now
}

void PredictBatcher::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (queue_.empty() || busy_ >= options_.workers) {
      changed_.wait(lock);
      continue;
    }
    // While others compute, give more calls a moment to join this batch.
    const absl::Time fill_until =
        queue_.front()->arrival + options_.max_queue_delay;
    if (!options_.disabled && busy_ > 0 && absl::Now() < fill_until &&
        static_cast<int64_t>(queue_.size()) < options_.max_batch_rows) {
      changed_.wait_until(lock, absl::ToChronoTime(fill_until));
      continue;
    }
    std::vector<std::unique_ptr<Item>> expired;
    std::vector<std::unique_ptr<Item>> batch = TakeBatch(&expired);
    ++busy_;
    lock.unlock();
    for (auto& item : expired) {
      item->done(absl::DeadlineExceededError(
          "Predict: the deadline passed while the call was queued"));
    }
    if (!batch.empty()) RunBatch(batch);
    lock.lock();
    --busy_;
    changed_.notify_all();
  }
}

std::vector<std::unique_ptr<PredictBatcher::Item>> PredictBatcher::TakeBatch(
    std::vector<std::unique_ptr<Item>>* expired) {
  std::vector<std::unique_ptr<Item>> batch;
  const absl::Time now = absl::Now();
  int64_t rows = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    Item& item = **it;
    if (item.call.deadline < now) {
      expired->push_back(std::move(*it));
      it = queue_.erase(it);
      continue;
    }
    const bool fits =
        batch.empty() ||
        (!options_.disabled && Compatible(batch.front()->call, item.call) &&
         rows + item.rows <= options_.max_batch_rows);
    if (fits) {
      rows += item.rows;
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
      if (rows >= options_.max_batch_rows || options_.disabled) break;
    } else {
      ++it;
    }
  }
  return batch;
}

void PredictBatcher::RunBatch(
    const std::vector<std::unique_ptr<Item>>& batch) const {
  const worldmodel::WorldModel& model = *batch.front()->call.model->model;
  if (batch.size() == 1) {  // a lone call: no copies
    const PredictCall& call = batch.front()->call;
    absl::StatusOr<worldmodel::Prediction> answer = worldmodel::GuardModelCall(
        "Predict",
        [&] { return model.Predict(call.states, call.actions, call.context); });
    if (options_.on_batch) options_.on_batch(batch.front()->rows, 1);
    batch.front()->done(std::move(answer));
    return;
  }
  std::vector<const PredictCall*> calls;
  std::vector<const Tensor*> states, actions;
  std::vector<int64_t> rows;
  for (const auto& item : batch) {
    calls.push_back(&item->call);
    states.push_back(&item->call.states);
    actions.push_back(&item->call.actions);
    rows.push_back(item->rows);
  }
  absl::StatusOr<worldmodel::Prediction> merged =
      worldmodel::GuardModelCall("Predict", [&] {
        return model.Predict(ConcatRows(states, rows),
                             ConcatRows(actions, rows),
                             MergedContext(calls, rows));
      });
  if (options_.on_batch) {
    options_.on_batch(std::accumulate(rows.begin(), rows.end(), int64_t{0}),
                      batch.size());
  }
  if (!merged.ok() && merged.status().code() == absl::StatusCode::kInternal) {
    // One call's fault (an exception, say) must not fail the calls it was
    // batched with: compute each alone.
    for (const auto& item : batch) {
      const PredictCall& call = item->call;
      item->done(worldmodel::GuardModelCall("Predict", [&] {
        return model.Predict(call.states, call.actions, call.context);
      }));
    }
    return;
  }
  int64_t begin = 0;
  for (const auto& item : batch) {
    if (!merged.ok()) {
      item->done(merged.status());
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
    for (int64_t row : merged->diverged) {
      if (row >= begin && row < begin + item->rows) {
        share.diverged.push_back(row - begin);
      }
    }
    item->done(std::move(share));
    begin += item->rows;
  }
}

}  // namespace wm::services
