#include "worldmodel/planning/chunked_rollout.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "util/parallel.h"
#include "util/tensor_rows.h"
#include "worldmodel/guarded_model.h"

namespace wm::worldmodel {
namespace {

// Rows [begin, begin + count) of a tensor whose leading dimension is the
// sample count `n`; a tensor with leading 1 (or empty) is shared as is.
Tensor SampleRows(const Tensor& tensor, int64_t n, int64_t begin,
                  int64_t count) {
  if (tensor.data.empty() || tensor.shape.empty() || tensor.shape[0] != n) {
    return tensor;
  }
  return SliceRows(tensor, 0, begin, count);
}

}  // namespace

absl::StatusOr<Trajectory> ChunkedRollout(const WorldModel& model,
                                          const Tensor& initial,
                                          const Tensor& actions,
                                          const Context& context, int chunks) {
  const int64_t n = actions.rank() == 3 ? actions.shape[0] : 0;
  chunks = static_cast<int>(std::min<int64_t>(chunks, n));
  if (chunks <= 1 || context.per_member) {
    return model.Rollout(initial, actions, context);
  }
  std::vector<int64_t> rows(chunks);
  std::vector<std::optional<absl::StatusOr<Trajectory>>> parts(chunks);
  auto run_chunk = [&](int c) {
    const int64_t begin = n * c / chunks;
    rows[c] = n * (c + 1) / chunks - begin;
    Context share;
    share.history_states =
        SampleRows(context.history_states, n, begin, rows[c]);
    share.history_actions =
        SampleRows(context.history_actions, n, begin, rows[c]);
    share.parameters = SampleRows(context.parameters, n, begin, rows[c]);
    // A worker thread: nothing may be thrown out of it.
    parts[c] = GuardModelCall("Rollout", [&] {
      return model.Rollout(SampleRows(initial, n, begin, rows[c]),
                           SliceRows(actions, 0, begin, rows[c]), share);
    });
  };
  ForEachOnWorkers(chunks, chunks, run_chunk);

  std::vector<const Tensor*> means, epistemic, aleatoric;
  Trajectory whole;
  int64_t begin = 0;
  for (int c = 0; c < chunks; ++c) {
    const auto& part = parts[c];
    if (!part->ok()) return part->status();
    for (int64_t sample : (*part)->diverged) {
      whole.diverged.push_back(begin + sample);
    }
    begin += rows[c];
    means.push_back(&(*part)->mean);
    epistemic.push_back(&(*part)->epistemic_std);
    aleatoric.push_back(&(*part)->aleatoric_std);
  }
  whole.mean = ConcatRows(means, rows);
  whole.epistemic_std = ConcatRows(epistemic, rows);
  whole.aleatoric_std = ConcatRows(aleatoric, rows);
  return whole;
}

}  // namespace wm::worldmodel
