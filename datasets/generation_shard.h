#ifndef WM_DATASETS_GENERATION_SHARD_H_
#define WM_DATASETS_GENERATION_SHARD_H_

// Sharded generation (`wm gen --shard K/N`, `wm merge`): which episodes of a
// run shard K of N simulates, and how the shard is chosen on the command line
// or from a batch scheduler's environment (a Slurm job array, a Kubernetes
// Indexed Job).

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace wm::datasets {

// One shard of a generation run: shard `index` of `count` (0 <= index <
// count), or the whole run when count is 0.
struct GenerationShard {
  int index = 0;
  int count = 0;

  bool sharded() const { return count > 0; }
};

// Episode indices [begin, end).
struct EpisodeRange {
  int64_t begin = 0;
  int64_t end = 0;

  int64_t size() const { return end - begin; }
};

// The episodes of shard `index` of `count` in a run of `episodes` episodes:
// contiguous, in shard order, the first `episodes % count` shards one
// episode longer than the others; together exactly [0, episodes). Requires
// episodes >= 0 and 0 <= index < count; count 0 gives [0, episodes).
EpisodeRange ShardEpisodeRange(int64_t episodes, int index, int count);

// Looks up an environment variable; returns nullptr when it is unset, as
// std::getenv (what `wm gen` passes) does.
using EnvironmentLookup = std::function<const char*(const char* name)>;

// The environment variables `--shard auto` reads, in this order: Slurm's
// job-array task id and Kubernetes' Indexed Job completion index.
inline constexpr const char* kShardIndexVariables[] = {"SLURM_ARRAY_TASK_ID",
                                                       "JOB_COMPLETION_INDEX"};

// Resolves `wm gen`'s --shard and --shards flags for a run of `episodes`
// episodes. `shard` "" (and `shards` 0) is the unsharded run; "K/N" is shard
// K of N (`shards` 0 or N); "auto" takes K from the first of
// kShardIndexVariables that is set and N from `shards`. INVALID_ARGUMENT,
// naming the flag or variable and the value, when the text does not parse,
// N < 1, K is outside [0, N), N exceeds `episodes` (a shard with no
// episode), `shards` is given without "auto" or disagrees with N, or "auto"
// finds no variable set or no `shards`.
absl::StatusOr<GenerationShard> ResolveGenerationShard(
    const std::string& shard, int shards, int64_t episodes,
    const EnvironmentLookup& getenv);

}  // namespace wm::datasets

#endif  // WM_DATASETS_GENERATION_SHARD_H_
