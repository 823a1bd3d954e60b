#ifndef WM_SERVICES_PREDICT_BATCHER_H_
#define WM_SERVICES_PREDICT_BATCHER_H_

// Dynamic batching of concurrent Predict calls. The calling threads take
// turns as the worker: a call that finds a free compute slot computes at
// once, together with the compatible calls queued behind it (same model
// version, same kind of context, same history length), so a lone call waits
// for nothing and a busy server answers many calls with one model call.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/model_manager.h"
#include "worldmodel/world_model.h"

namespace wm::services {

struct BatcherOptions {
  bool disabled = false;         // every call computes alone
  int64_t max_batch_rows = 256;  // rows per model call
  // While other batches compute, a free slot waits up to this long after
  // the oldest queued call for more calls to join it (until as many calls
  // as max_batch_rows are queued).
  absl::Duration max_queue_delay = absl::Microseconds(500);
  int max_queued_calls = 1024;  // beyond: RESOURCE_EXHAUSTED
  int workers = 2;              // model calls running at once
  // Called after each model call with its rows and calls (metrics).
  std::function<void(int64_t rows, int calls)> on_batch;
};

// One Predict call, already validated against the model's spec.
struct PredictCall {
  std::shared_ptr<const ServedModel> model;
  Tensor states;   // [B, nx]
  Tensor actions;  // [B, nu]
  worldmodel::Context context;
  absl::Time deadline = absl::InfiniteFuture();
};

class PredictBatcher {
 public:
  explicit PredictBatcher(BatcherOptions options);

  // Computes `call` (blocking), batched with concurrent compatible calls.
  // Errors: the model's; RESOURCE_EXHAUSTED when max_queued_calls are
  // waiting; DEADLINE_EXCEEDED when the deadline passes before the call's
  // batch starts (the work is dropped, not computed). Thread-safe.
  absl::StatusOr<worldmodel::Prediction> Predict(PredictCall call);

  // Calls waiting for a slot now. Thread-safe.
  int QueueDepth() const;

 private:
  struct Item;
  // Removes from the queue the head call and the compatible calls behind
  // it, up to max_batch_rows; expired calls are answered and skipped.
  std::vector<Item*> TakeBatch();
  // Computes a batch (without the lock): one answer per item, in order.
  std::vector<absl::StatusOr<worldmodel::Prediction>> RunBatch(
      const std::vector<Item*>& batch) const;

  const BatcherOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item*> queue_;  // under mutex_
  int busy_ = 0;             // slots computing, under mutex_
};

}  // namespace wm::services

#endif  // WM_SERVICES_PREDICT_BATCHER_H_
