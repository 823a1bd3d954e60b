#include "tools/wm/progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"

namespace wm::tools {

ProgressBar::ProgressBar(std::string what, int64_t total)
    : what_(std::move(what)),
      total_(total > 0 ? total : 1),
      terminal_(isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressBar::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start_)
      .count();
}

std::string CompactNumber(double value) {
  if (value >= 1e6) return absl::StrFormat("%.1fM", value / 1e6);
  if (value >= 1e3) return absl::StrFormat("%.1fk", value / 1e3);
  return absl::StrFormat("%.0f", value);
}

void ProgressBar::Update(int64_t done, const std::string& detail) {
  const auto now = std::chrono::steady_clock::now();
  const double since_draw =
      std::chrono::duration<double>(now - last_draw_).count();
  if (done < total_ && since_draw < (terminal_ ? 0.1 : 5.0)) return;
  last_draw_ = now;
  const double elapsed = ElapsedSeconds();
  const double fraction = static_cast<double>(done) / total_;
  const double eta = done > 0 ? elapsed * (1 - fraction) / fraction : 0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
  std::fprintf(stderr, "%s[%s] %lld/%lld %s  %s  ETA %ds%s",
               terminal_ ? "\r" : "", bar.c_str(), static_cast<long long>(done),
               static_cast<long long>(total_), what_.c_str(), detail.c_str(),
               static_cast<int>(eta + 0.5), terminal_ ? "\033[K" : "\n");
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (terminal_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace wm::tools
