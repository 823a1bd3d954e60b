#ifndef WM_DATASETS_IN_MEMORY_SINK_H_
#define WM_DATASETS_IN_MEMORY_SINK_H_

#include <utility>
#include <vector>

#include "datasets/episode.h"

namespace wm::datasets {

// Keeps every episode it is given, in order: for tests, benchmarks and small
// in-process pipelines. Not thread-safe.
class InMemorySink : public EpisodeSink {
 public:
  absl::Status Write(Episode episode) override {
    episodes_.push_back(std::move(episode));
    return absl::OkStatus();
  }
  const std::vector<Episode>& episodes() const { return episodes_; }

 private:
  std::vector<Episode> episodes_;
};

}  // namespace wm::datasets

#endif  // WM_DATASETS_IN_MEMORY_SINK_H_
