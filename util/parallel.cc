#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace wm {
namespace {

std::atomic<int> row_split_threads{1};

}  // namespace

void SetRowSplitThreads(int threads) {
  row_split_threads.store(std::max(1, threads), std::memory_order_relaxed);
}

int RowSplitThreads() {
  return row_split_threads.load(std::memory_order_relaxed);
}

void ForEachOnWorkers(int workers, int count,
                      const std::function<void(int)>& work) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < std::clamp(workers, 1, std::max(1, count)); ++w) {
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) work(i);
    });
  }
  for (auto& thread : threads) thread.join();
}

TurnQueue::Turn::Turn(TurnQueue* queue) : queue_(queue) {
  if (queue_ == nullptr) return;
  std::unique_lock<std::mutex> lock(queue_->mutex_);
  const uint64_t ticket = queue_->next_ticket_++;
  queue_->changed_.wait(
      lock, [&] { return ticket == queue_->serving_ && queue_->free_ > 0; });
  ++queue_->serving_;
  --queue_->free_;
  queue_->changed_.notify_all();  // the next ticket may find a free slot
}

TurnQueue::Turn::~Turn() {
  if (queue_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(queue_->mutex_);
    ++queue_->free_;
  }
  queue_->changed_.notify_all();
}

}  // namespace wm
