#ifndef WM_WORLDMODEL_LEARNED_DISTRIBUTED_GROUP_H_
#define WM_WORLDMODEL_LEARNED_DISTRIBUTED_GROUP_H_

// The processes of a data-parallel training run and their collectives:
// LibTorch's c10d ProcessGroupGloo over TCP, met through a TCPStore that
// rank 0 serves. Internal to the LibTorch target (includes an ATen header).

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <string>

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
  double timeout_seconds() const { return options_.timeout_seconds; }

  // Replaces the contiguous float32 or float64 tensor `values` with its sum
  // over the ranks; every rank ends with the same bytes. UNAVAILABLE when a
  // rank died (its connection closed) or did not take part within the
  // timeout; the message names this rank and the timeout.
  absl::Status SumInPlace(at::Tensor& values);

  // Replaces `values` (contiguous) on every rank with rank 0's.
  // UNAVAILABLE as SumInPlace.
  absl::Status BroadcastFromRankZero(at::Tensor& values);

  // Point to point, for a member-spread run's gather: sends `bytes` to
  // rank `to`, which receives them with ReceiveBytes from this rank. Waits
  // until `deadline` (not the group's timeout: the peer may still be
  // training), or less when the peer's connection closes. UNAVAILABLE
  // naming this rank, the peer, `what` and --distributed_timeout when the
  // peer died or did not take part by the deadline.
  absl::Status SendBytes(int to, const std::string& bytes,
                         std::chrono::steady_clock::time_point deadline,
                         const std::string& what);
  // Receives what rank `from` sends with SendBytes; errors as SendBytes.
  absl::StatusOr<std::string> ReceiveBytes(
      int from, std::chrono::steady_clock::time_point deadline,
      const std::string& what);

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

  // UNAVAILABLE for a failed point-to-point transfer with `peer`.
  absl::Status TransferError(int peer, const std::string& what,
                             const std::string& error) const;

  DistributedOptions options_;
  std::unique_ptr<Members> members_;
  SumStatistics sums_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_DISTRIBUTED_GROUP_H_
