#ifndef WM_WORLDMODEL_LEARNED_DISTRIBUTED_OPTIONS_H_
#define WM_WORLDMODEL_LEARNED_DISTRIBUTED_OPTIONS_H_

// Where a process stands in a data-parallel training run (wm train
// --distributed): its rank, the world size and the rendezvous address, from
// flags or from a launcher's environment. Torch-free header.

#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace wm::worldmodel {

// How a distributed run shares its work (wm train --distribute).
enum class DistributeWork {
  kAuto,     // members when the ensemble has at least world_size of them
  kBatch,    // each step's batch split over the ranks, gradients summed
  kMembers,  // the ensemble's members spread over the ranks
};

// A resolved place in a distributed run. world_size 1 with `enabled` is a
// run of one process through the same collective path.
struct DistributedOptions {
  bool enabled = false;
  int rank = 0;        // 0 <= rank < world_size; rank 0 publishes
  int world_size = 1;  // processes in the run
  // Rank 0's address and a free TCP port there: rank 0 listens on it for the
  // rendezvous (c10d's TCPStore), every rank connects.
  std::string master_addr;
  int master_port = 0;
  // How long a rank waits for the others: to join at the start, and in each
  // collective (a rank that died or stalls fails the run after this).
  double timeout_seconds = 60;
  DistributeWork work = DistributeWork::kAuto;
};

// What the command line gave; -1 / empty: not given.
struct DistributedFlags {
  int rank = -1;
  int world_size = -1;
  std::string master;  // ADDR:PORT
  double timeout_seconds = 60;
  std::string distribute = "auto";  // auto, batch or members
};

// Resolves a run's place: each of rank, world size and address from its
// flag, else from the launcher's variables, read through `getenv` (returns
// nullptr for an unset name): RANK and WORLD_SIZE (torchrun, a Kubernetes
// indexed Job's own settings) or SLURM_PROCID and SLURM_NTASKS (srun);
// MASTER_ADDR and MASTER_PORT. INVALID_ARGUMENT naming the value that is
// missing or malformed (not an integer, rank outside [0, world size), port
// outside [1, 65535], timeout not positive, --distribute not auto, batch
// or members) and where it came from.
absl::StatusOr<DistributedOptions> ResolveDistributedOptions(
    const DistributedFlags& flags,
    const std::function<const char*(const char*)>& getenv);
// The same, reading this process's environment.
absl::StatusOr<DistributedOptions> ResolveDistributedOptions(
    const DistributedFlags& flags);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_DISTRIBUTED_OPTIONS_H_
