#ifndef WM_UTIL_PARALLEL_H_
#define WM_UTIL_PARALLEL_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace wm {

// Calls work(i) for every i in [0, count) on up to `workers` threads (at
// least one, at most count), each thread taking the next index; returns
// when all are done. Which thread runs an index is not defined, so results
// must go to slot i.
void ForEachOnWorkers(int workers, int count,
                      const std::function<void(int)>& work);

// The threads one model call may split its independent rows over (a
// fused learned-model Rollout), process-wide. The default, 1, suits
// callers that already run calls side by side (evaluation workers, a
// planner's chunked rollouts); `wm serve` sets the machine's cores so that
// one Rollout request uses them all. Values below 1 count as 1.
// Thread-safe.
void SetRowSplitThreads(int threads);
int RowSplitThreads();

// Shares `slots` cores among more threads than that: a thread runs its
// work only while it holds a turn, and turns go out in the order they were
// asked for. Threads that give their turn back at regular points (a
// training member at each validation) then all progress side by side, and
// none is left alone on one core at the end. Thread-safe.
class TurnQueue {
 public:
  explicit TurnQueue(int slots) : free_(slots < 1 ? 1 : slots) {}

  // Holds a turn of `queue` from construction (blocking until one is free)
  // to destruction; a null queue: no waiting.
  class Turn {
   public:
    explicit Turn(TurnQueue* queue);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    TurnQueue* queue_;
  };

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int free_;
  uint64_t next_ticket_ = 0, serving_ = 0;
};

}  // namespace wm

#endif  // WM_UTIL_PARALLEL_H_
