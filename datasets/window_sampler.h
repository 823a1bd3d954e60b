#ifndef WM_DATASETS_WINDOW_SAMPLER_H_
#define WM_DATASETS_WINDOW_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/episode.h"
#include "datasets/split.h"

namespace wm::datasets {

// A training window cut from one episode: history + horizon consecutive
// transitions starting at `start_step`, in float32. State row i is the
// episode's state at step start_step + i; action row i is the action held
// over step start_step + i -> start_step + i + 1. The first `history`
// transitions are context, the last `horizon` the prediction targets.
struct Window {
  int64_t episode_index = 0;
  int64_t start_step = 0;
  int history = 0;
  int horizon = 0;
  std::vector<float> states;   // [(history + horizon + 1) * (nq + nv)]
  std::vector<float> actions;  // [(history + horizon) * nu]
  std::vector<float> params;   // [P], NaN where unknown
};

// The window of `episode` starting at step `start_step`, with `history` +
// `horizon` transitions. The caller keeps it inside the episode:
// 0 <= start_step and start_step + history + horizon <= num_steps().
Window CutWindow(const Episode& episode, int64_t start_step, int history,
                 int horizon);

// Draws random windows from the episodes of one split, streaming over the
// shards: each epoch visits the shards in a seeded random order with at most
// `shards_in_memory` shards loaded, and within them serves every usable
// episode (one of the split with at least history + horizon steps) exactly
// once, as a window at a uniformly random start, in random order. Epochs
// follow each other forever. The same dataset, arguments and seed give the
// same windows, on any platform (std::mt19937_64 with our own mappings to
// integers). Not thread-safe; one sampler per thread.
class WindowSampler {
 public:
  // `dataset` must outlive the sampler. INVALID_ARGUMENT for a null
  // dataset, history < 0, horizon < 1, shards_in_memory < 1 or bad
  // fractions. Reads nothing yet.
  static absl::StatusOr<std::unique_ptr<WindowSampler>> Create(
      const Dataset* dataset, Split split, int history, int horizon,
      uint64_t seed, int shards_in_memory = 2,
      const SplitFractions& fractions = SplitFractions());

  // The next `batch_size` windows (>= 1, else INVALID_ARGUMENT), reading
  // shards as needed. FAILED_PRECONDITION naming the split and the length
  // when a whole epoch finds no usable episode; DATA_LOSS from shard reads.
  absl::StatusOr<std::vector<Window>> NextBatch(int batch_size);

  // Shard reads so far (a shard is read again in every epoch).
  int64_t shard_loads() const { return shard_loads_; }
  // The largest number of shards ever held in memory at once
  // (<= shards_in_memory).
  int max_resident_shards() const { return max_resident_; }
  // Epochs started so far (0 before the first read).
  int64_t epochs_started() const { return epoch_ + 1; }

 private:
  // A loaded shard: its usable episodes and the not yet served ones, in
  // serving order (served from the back).
  struct ResidentShard {
    std::vector<Episode> episodes;
    std::vector<int> remaining;
  };

  WindowSampler(const Dataset* dataset, Split split, int history, int horizon,
                uint64_t seed, int shards_in_memory,
                const SplitFractions& fractions);

  // Loads shards until `shards_in_memory_` hold unserved episodes or the
  // epoch's order is exhausted; starts the next epoch once every resident
  // shard is served.
  absl::Status Refill();
  absl::StatusOr<Window> Draw();
  uint64_t UniformBelow(uint64_t n);

  const Dataset* dataset_;
  Split split_;
  int history_;
  int horizon_;
  int shards_in_memory_;
  SplitFractions fractions_;
  std::mt19937_64 rng_;

  std::vector<int> shard_order_;  // this epoch's order of shard numbers
  size_t next_in_order_ = 0;
  int64_t epoch_ = -1;
  int64_t usable_in_epoch_ = 0;
  std::vector<ResidentShard> resident_;
  int64_t shard_loads_ = 0;
  int max_resident_ = 0;
};

}  // namespace wm::datasets

#endif  // WM_DATASETS_WINDOW_SAMPLER_H_
