#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace wm {

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

}  // namespace wm
