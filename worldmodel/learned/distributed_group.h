#ifndef WM_WORLDMODEL_LEARNED_DISTRIBUTED_GROUP_H_
#define WM_WORLDMODEL_LEARNED_DISTRIBUTED_GROUP_H_

// The processes of a data-parallel training run and their collectives:
// LibTorch's c10d ProcessGroupGloo over TCP, met through a TCPStore that
// rank 0 serves. Internal to the LibTorch target (includes an ATen header).

#include <ATen/core/Tensor.h>

#include <memory>

#include "absl/status/statusor.h"
#include "worldmodel/learned/distributed_options.h"

namespace wm::worldmodel {

// One process's membership. Collectives must be called in the same order
// on every rank, from one thread at a time.
class DistributedGroup {
 public:
  // Joins the run: rank 0 listens on options.master_port, every rank
  // connects to master_addr there, and the group forms when all
  // world_size ranks have joined. UNAVAILABLE when they have not joined
  // within options.timeout_seconds (or rank 0's port is taken), naming
  // the address and the timeout.
  static absl::StatusOr<std::unique_ptr<DistributedGroup>> Connect(
      const DistributedOptions& options);
  ~DistributedGroup();

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }

  // Replaces the contiguous float32 or float64 tensor `values` with its sum
  // over the ranks; every rank ends with the same bytes. UNAVAILABLE when a
  // rank died (its connection closed) or did not take part within the
  // timeout; the message names this rank and the timeout.
  absl::Status SumInPlace(at::Tensor& values);

  // Replaces `values` (contiguous) on every rank with rank 0's.
  // UNAVAILABLE as SumInPlace.
  absl::Status BroadcastFromRankZero(at::Tensor& values);

  // What SumInPlace has cost so far: calls, values summed per call (the
  // latest), and wall-clock seconds inside them (waiting for a slower rank
  // included).
  struct SumStatistics {
    int64_t calls = 0;
    int64_t values = 0;
    double seconds = 0;
  };
  const SumStatistics& sum_statistics() const { return sums_; }
  // Logs sum_statistics() as a share of `training_seconds` (what
  // tools/scale_bench.sh reports as the all-reduce's cost).
  void LogSumStatistics(double training_seconds) const;

 private:
  struct Members;  // the c10d objects
  DistributedGroup(const DistributedOptions& options,
                   std::unique_ptr<Members> members);

  DistributedOptions options_;
  std::unique_ptr<Members> members_;
  SumStatistics sums_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_DISTRIBUTED_GROUP_H_
