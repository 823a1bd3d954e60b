#include "datasets/generation_shard.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace wm::datasets {
namespace {

// K from the first scheduler variable that is set; its name in `variable`.
absl::StatusOr<int> IndexFromEnvironment(const EnvironmentLookup& getenv,
                                         std::string* variable) {
  for (const char* name : kShardIndexVariables) {
    const char* value = getenv(name);
    if (value == nullptr) continue;
    int index;
    if (!absl::SimpleAtoi(value, &index)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--shard auto: ", name, "='", value,
                       "' is not an integer shard index"));
    }
    *variable = name;
    return index;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--shard auto: none of ", absl::StrJoin(kShardIndexVariables, ", "),
      " is set (run it as a Slurm array task or a Kubernetes Indexed Job "
      "pod, or give --shard K/N)"));
}

// Shard K of N from "K/N".
absl::StatusOr<GenerationShard> ParseFraction(const std::string& text) {
  const std::vector<std::string> parts = absl::StrSplit(text, '/');
  GenerationShard shard;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &shard.index) ||
      !absl::SimpleAtoi(parts[1], &shard.count)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard: '", text, "' is not K/N (e.g. 0/4) or auto"));
  }
  return shard;
}

}  // namespace

EpisodeRange ShardEpisodeRange(int64_t episodes, int index, int count) {
  if (count <= 0) return {0, episodes};
  const int64_t base = episodes / count, extra = episodes % count;
  EpisodeRange range;
  range.begin = index * base + std::min<int64_t>(index, extra);
  range.end = range.begin + base + (index < extra ? 1 : 0);
  return range;
}

absl::StatusOr<GenerationShard> ResolveGenerationShard(
    const std::string& shard, int shards, int64_t episodes,
    const EnvironmentLookup& getenv) {
  if (shard.empty()) {
    if (shards != 0) {
      return absl::InvalidArgumentError(
          "--shards goes with --shard auto (or give --shard K/N)");
    }
    return GenerationShard{};
  }
  GenerationShard resolved;
  std::string variable;
  if (shard == "auto") {
    if (shards < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--shard auto needs --shards N (N >= 1), got --shards ", shards));
    }
    auto index = IndexFromEnvironment(getenv, &variable);
    if (!index.ok()) return index.status();
    resolved = {*index, shards};
  } else {
    auto parsed = ParseFraction(shard);
    if (!parsed.ok()) return parsed.status();
    resolved = *parsed;
    if (shards != 0 && shards != resolved.count) {
      return absl::InvalidArgumentError(
          absl::StrCat("--shards ", shards, " disagrees with --shard ", shard));
    }
  }
  if (resolved.count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--shard: the shard count must be >= 1, got ", resolved.count));
  }
  if (resolved.index < 0 || resolved.index >= resolved.count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--shard: shard index ", resolved.index, " is outside [0, ",
        resolved.count, ")",
        variable.empty() ? "" : absl::StrCat(" (", variable, ")")));
  }
  if (resolved.count > episodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard: ", resolved.count, " shards of ", episodes,
                     " episodes would leave a shard empty"));
  }
  return resolved;
}

}  // namespace wm::datasets
