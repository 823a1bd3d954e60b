#ifndef WM_SERVICES_PREDICT_BATCHER_H_
#define WM_SERVICES_PREDICT_BATCHER_H_

// Dynamic batching of concurrent Predict calls. A call that arrives while
// nothing computes and nothing is queued computes at once on the caller's
// thread, so a lone call waits for nothing. Otherwise it queues,
// holding no thread, and a worker computes it together with the compatible
// calls queued behind it (same model version, same kind of context, same
// history length), so a busy server answers many calls with one model call.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
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

// Receives a call's answer; called exactly once per submitted call.
using PredictDone =
    std::function<void(absl::StatusOr<worldmodel::Prediction> answer)>;

class PredictBatcher {
 public:
  // Starts `options.workers` worker threads.
  explicit PredictBatcher(BatcherOptions options);
  // Answers the calls still queued with UNAVAILABLE, waits for the calls
  // computing (on workers or callers' threads) and joins the workers.
  ~PredictBatcher();

  // Computes `call`, batched with concurrent compatible calls, and passes
  // its answer to `done`: on this thread, before returning, when it
  // computes at once or fails at once; else later on a worker thread. Errors:
  // the model's; RESOURCE_EXHAUSTED when max_queued_calls are waiting;
  // DEADLINE_EXCEEDED when the deadline has passed before the call's batch
  // starts (the work is dropped, not computed); INTERNAL when the model
  // throws (the exception's message; a batch that fails so is recomputed
  // call by call, so only the faulty call fails). Thread-safe.
  void Submit(PredictCall call, PredictDone done);

  // Calls waiting for a slot now. Thread-safe.
  int QueueDepth() const;

 private:
  struct Item;
  // A worker: takes batches off the queue and computes them until stopping.
  void WorkerLoop();
  // Removes from the queue the head call and the compatible calls behind
  // it, up to max_batch_rows (one call when batching is disabled); calls
  // whose deadline has passed are moved to `expired` instead.
  std::vector<std::unique_ptr<Item>> TakeBatch(
      std::vector<std::unique_ptr<Item>>* expired);
  // Computes a batch (without the lock) and answers each of its calls.
  void RunBatch(const std::vector<std::unique_ptr<Item>>& batch) const;

  const BatcherOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Item>> queue_;  // under mutex_
  int busy_ = 0;                             // slots computing, under mutex_
  bool stopping_ = false;                    // under mutex_
  std::vector<std::thread> workers_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_PREDICT_BATCHER_H_
