#ifndef WM_WORLDMODEL_LEARNED_FUSED_CALL_CACHE_H_
#define WM_WORLDMODEL_LEARNED_FUSED_CALL_CACHE_H_

// The last few fused calls prepared from a context history (FusedCall,
// fused_answers.h: the parameters the members identify from it, their
// in-range clamp and the history's surprise), keyed by the history's
// bytes and the row count. Identifying a history runs in LibTorch and
// costs about a tenth of a 256 x 30 Rollout; a planner sends the same
// history with every iteration and every chunk of its samples, and the
// answer depends on nothing else. Torch-free header.

#include <cstdint>
#include <deque>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "worldmodel/learned/fused_answers.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Thread-safe. Holds at most kEntries calls, the least recently used
// dropped first.
class FusedCallCache {
 public:
  static constexpr int kEntries = 4;

  // True when a call prepared for `context` depends only on its history
  // and the row count: a history and no explicit parameters.
  static bool Cacheable(const Context& context);

  // The call stored for a context with the same history (states and
  // actions, shapes and bytes) and `rows`, with per_member set from
  // `context`; nullopt when none is.
  // The entry found becomes the most recently used.
  std::optional<FusedCall> Find(const Context& context, int64_t rows);

  // Stores `call`, prepared for `context` (Cacheable) and `rows`.
  void Store(const Context& context, int64_t rows, const FusedCall& call);

 private:
  struct Entry {
    Tensor history_states, history_actions;
    int64_t rows;
    FusedCall call;
  };

  absl::Mutex mutex_;
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_FUSED_CALL_CACHE_H_
