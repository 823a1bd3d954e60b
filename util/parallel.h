#ifndef WM_UTIL_PARALLEL_H_
#define WM_UTIL_PARALLEL_H_

#include <functional>

namespace wm {

// Calls work(i) for every i in [0, count) on up to `workers` threads (at
// least one, at most count), each thread taking the next index; returns
// when all are done. Which thread runs an index is not defined, so results
// must go to slot i.
void ForEachOnWorkers(int workers, int count,
                      const std::function<void(int)>& work);

}  // namespace wm

#endif  // WM_UTIL_PARALLEL_H_
