#ifndef WM_BENCH_BENCH_REPORT_H_
#define WM_BENCH_BENCH_REPORT_H_

// The one output format of every benchmark under bench/:
//   <benchmark>: ours <value> <unit>, reference <value> <unit>, ratio <r>
// with ratio = ours / reference. tools/bench.sh runs them all.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace wm::bench {

// Prints one result line to stdout.
inline void Report(const std::string& benchmark, double ours, double reference,
                   const std::string& unit) {
  std::printf("%s: ours %.6g %s, reference %.6g %s, ratio %.3f\n",
              benchmark.c_str(), ours, unit.c_str(), reference, unit.c_str(),
              reference != 0.0 ? ours / reference : 0.0);
  std::fflush(stdout);
}

// The median of `values` (taken by value; empty gives 0).
inline double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid]
                           : 0.5 * (values[mid - 1] + values[mid]);
}

}  // namespace wm::bench

#endif  // WM_BENCH_BENCH_REPORT_H_
