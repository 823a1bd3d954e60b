#include "datasets/window_sampler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace wm::datasets {

absl::StatusOr<std::unique_ptr<WindowSampler>> WindowSampler::Create(
    const Dataset* dataset, Split split, int history, int horizon,
    uint64_t seed, int shards_in_memory, const SplitFractions& fractions) {
  if (dataset == nullptr) {
    return absl::InvalidArgumentError("WindowSampler: dataset is null");
  }
  if (history < 0 || horizon < 1 || shards_in_memory < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("WindowSampler: need history >= 0, horizon >= 1 and "
                     "shards_in_memory >= 1; got ",
                     history, ", ", horizon, " and ", shards_in_memory));
  }
  WM_RETURN_IF_ERROR(ValidateSplitFractions(fractions));
  return std::unique_ptr<WindowSampler>(new WindowSampler(
      dataset, split, history, horizon, seed, shards_in_memory, fractions));
}

WindowSampler::WindowSampler(const Dataset* dataset, Split split, int history,
                             int horizon, uint64_t seed, int shards_in_memory,
                             const SplitFractions& fractions)
    : dataset_(dataset),
      split_(split),
      history_(history),
      horizon_(horizon),
      shards_in_memory_(shards_in_memory),
      fractions_(fractions),
      rng_(seed) {}

uint64_t WindowSampler::UniformBelow(uint64_t n) {
  // Rejects the lowest 2^64 mod n outputs, so every residue is equally
  // likely.
  const uint64_t threshold = (0 - n) % n;
  while (true) {
    const uint64_t x = rng_();
    if (x >= threshold) return x % n;
  }
}

absl::Status WindowSampler::Refill() {
  const int num_shards = dataset_->num_shards();
  const int64_t length = static_cast<int64_t>(history_) + horizon_;
  while (static_cast<int>(resident_.size()) < shards_in_memory_) {
    if (next_in_order_ == shard_order_.size()) {
      // The epoch's last shards are served before the next epoch starts.
      if (!resident_.empty()) break;
      // A new epoch, unless the last one found nothing to serve.
      if (num_shards == 0 || (epoch_ >= 0 && usable_in_epoch_ == 0)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "dataset '", dataset_->directory(), "': the ", SplitName(split_),
            " split has no episode with at least ", length, " steps (history ",
            history_, " + horizon ", horizon_, ")"));
      }
      shard_order_.resize(num_shards);
      for (int k = 0; k < num_shards; ++k) shard_order_[k] = k;
      for (int k = num_shards - 1; k > 0; --k) {
        std::swap(shard_order_[k], shard_order_[UniformBelow(k + 1)]);
      }
      next_in_order_ = 0;
      ++epoch_;
      usable_in_epoch_ = 0;
    }
    WM_ASSIGN_OR_RETURN(std::vector<Episode> episodes,
                        dataset_->ReadShard(shard_order_[next_in_order_++]));
    ++shard_loads_;
    ResidentShard shard;
    for (Episode& episode : episodes) {
      if (SplitOf(episode.index, fractions_) == split_ &&
          episode.num_steps() >= length) {
        shard.episodes.push_back(std::move(episode));
      }
    }
    if (shard.episodes.empty()) continue;  // nothing to serve: never held
    usable_in_epoch_ += static_cast<int64_t>(shard.episodes.size());
    // Serving order: a seeded shuffle, served from the back.
    const int count = static_cast<int>(shard.episodes.size());
    shard.remaining.resize(count);
    for (int i = 0; i < count; ++i) shard.remaining[i] = i;
    for (int i = count - 1; i > 0; --i) {
      std::swap(shard.remaining[i], shard.remaining[UniformBelow(i + 1)]);
    }
    resident_.push_back(std::move(shard));
    max_resident_ = std::max(max_resident_, static_cast<int>(resident_.size()));
  }
  return absl::OkStatus();
}

Window CutWindow(const Episode& episode, int64_t start_step, int history,
                 int horizon) {
  const int length = history + horizon;
  const int nq = episode.nq, nv = episode.nv, nu = episode.nu;
  Window window;
  window.episode_index = episode.index;
  window.start_step = start_step;
  window.history = history;
  window.horizon = horizon;
  window.states.reserve(static_cast<size_t>(length + 1) * (nq + nv));
  for (int i = 0; i <= length; ++i) {
    const int64_t t = start_step + i;
    window.states.insert(window.states.end(), &episode.qpos[t * nq],
                         &episode.qpos[t * nq] + nq);
    window.states.insert(window.states.end(), &episode.qvel[t * nv],
                         &episode.qvel[t * nv] + nv);
  }
  const double* ctrl = episode.ctrl.data() + start_step * nu;
  window.actions.assign(ctrl, ctrl + static_cast<int64_t>(length) * nu);
  window.params.assign(episode.params.begin(), episode.params.end());
  return window;
}

absl::StatusOr<Window> WindowSampler::Draw() {
  WM_RETURN_IF_ERROR(Refill());
  // A resident shard with probability proportional to its unserved
  // episodes, then its next episode.
  uint64_t total = 0;
  for (const ResidentShard& shard : resident_) total += shard.remaining.size();
  uint64_t pick = UniformBelow(total);
  size_t s = 0;
  while (pick >= resident_[s].remaining.size()) {
    pick -= resident_[s].remaining.size();
    ++s;
  }
  ResidentShard& shard = resident_[s];
  const Episode& episode = shard.episodes[shard.remaining.back()];
  shard.remaining.pop_back();

  const int64_t start_step = static_cast<int64_t>(UniformBelow(
      static_cast<uint64_t>(episode.num_steps() - history_ - horizon_ + 1)));
  Window window = CutWindow(episode, start_step, history_, horizon_);
  if (shard.remaining.empty()) resident_.erase(resident_.begin() + s);
  return window;
}

absl::StatusOr<std::vector<Window>> WindowSampler::NextBatch(int batch_size) {
  if (batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size must be >= 1, got ", batch_size));
  }
  std::vector<Window> batch;
  batch.reserve(batch_size);
  for (int b = 0; b < batch_size; ++b) {
    WM_ASSIGN_OR_RETURN(Window window, Draw());
    batch.push_back(std::move(window));
  }
  return batch;
}

}  // namespace wm::datasets
