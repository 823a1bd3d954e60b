#include "worldmodel/learned/fused_call_cache.h"

#include <algorithm>
#include <cstring>

namespace wm::worldmodel {
namespace {

// Same shape and the same bytes (a NaN equals itself; -0 differs from 0).
bool SameBytes(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && a.data.size() == b.data.size() &&
         std::memcmp(a.data.data(), b.data.data(),
                     a.data.size() * sizeof(float)) == 0;
}

}  // namespace

bool FusedCallCache::Cacheable(const Context& context) {
  return context.has_history() && !context.has_parameters();
}

std::optional<FusedCall> FusedCallCache::Find(const Context& context,
                                              int64_t rows) {
  absl::MutexLock lock(&mutex_);
  for (auto entry = entries_.begin(); entry != entries_.end(); ++entry) {
    if (entry->rows == rows &&
        SameBytes(entry->history_states, context.history_states) &&
        SameBytes(entry->history_actions, context.history_actions)) {
      FusedCall call = entry->call;
      call.per_member = context.per_member;
      // The most recently used last: the first to go is the least used.
      std::rotate(entry, entry + 1, entries_.end());
      return call;
    }
  }
  return std::nullopt;
}

void FusedCallCache::Store(const Context& context, int64_t rows,
                           const FusedCall& call) {
  absl::MutexLock lock(&mutex_);
  entries_.push_back(
      {context.history_states, context.history_actions, rows, call});
  while (entries_.size() > kEntries) entries_.pop_front();
}

}  // namespace wm::worldmodel
