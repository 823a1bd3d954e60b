#ifndef WM_TOOLS_WM_PROGRESS_BAR_H_
#define WM_TOOLS_WM_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace wm::tools {

// A progress line on stderr for long CLI work: a bar, done/total, a rate and
// an ETA, plus a free-form detail. On a terminal it redraws in place at most
// 10 times a second; otherwise it prints a line at most every 5 s. Not
// thread-safe: call from one thread.
class ProgressBar {
 public:
  // `what` names the counted unit ("episodes"); `total` > 0.
  ProgressBar(std::string what, int64_t total);

  // Reports `done` units finished, with `detail` shown after the bar (e.g.
  // "5.1k steps/s"). Redraws when due, or always when done == total.
  void Update(int64_t done, const std::string& detail);

  // Ends the line (call once, when finished or abandoned).
  void Finish();

  // Seconds since construction.
  double ElapsedSeconds() const;

 private:
  std::string what_;
  int64_t total_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1.2k", "3.4M": a compact count for progress lines.
std::string CompactNumber(double value);

}  // namespace wm::tools

#endif  // WM_TOOLS_WM_PROGRESS_BAR_H_
