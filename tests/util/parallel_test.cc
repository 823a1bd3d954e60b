#include "util/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace wm {
namespace {

TEST(ParallelTest, ForEachOnWorkersCallsEveryIndexOnce) {
  std::vector<std::atomic<int>> calls(37);
  ForEachOnWorkers(3, 37, [&](int i) { ++calls[i]; });
  for (const auto& count : calls) EXPECT_EQ(count.load(), 1);
}

// Six threads each take eight turns on two slots: never more than two hold
// a turn at once, and every turn is served.
TEST(ParallelTest, TurnQueueLetsAtMostItsSlotsRunAtOnce) {
  constexpr int kSlots = 2, kThreads = 6, kTurns = 8;
  TurnQueue queue(kSlots);
  std::atomic<int> running{0}, most{0}, served{0};
  ForEachOnWorkers(kThreads, kThreads, [&](int) {
    for (int t = 0; t < kTurns; ++t) {
      TurnQueue::Turn turn(&queue);
      const int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      --running;
      ++served;
    }
  });
  EXPECT_EQ(served.load(), kThreads * kTurns);
  EXPECT_LE(most.load(), kSlots);
  EXPECT_GE(most.load(), 1);
}

}  // namespace
}  // namespace wm
