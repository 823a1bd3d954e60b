// `wm merge --out DIR DATASET...`: joins the datasets of a sharded `wm gen`
// run (--shard K/N for every K) into the unsharded run's dataset.

#include <chrono>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "datasets/merge.h"
#include "tools/wm/flags.h"
#include "tools/wm/subcommand.h"

namespace wm::tools {

int RunMerge(const Invocation& invocation) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty() || invocation.positional.empty()) {
    std::cerr << "wm merge: give --out DIR and the datasets of every shard "
                 "(wm merge --out DIR DATASET...)\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<v1::DatasetManifest> merged = datasets::MergeShardDatasets(
      invocation.positional, out, absl::GetFlag(FLAGS_overwrite));
  if (!merged.ok()) {
    std::cerr << "wm merge: " << merged.status() << "\n";
    return 1;
  }
  const std::chrono::duration<double> seconds =
      std::chrono::steady_clock::now() - start;
  std::cout << "merged " << invocation.positional.size()
            << " shards: " << merged->num_episodes() << " episodes ("
            << merged->num_dropped_episodes() << " dropped), "
            << merged->num_transitions() << " transitions, "
            << merged->shards_size() << " HDF5 shards to " << out << " in "
            << absl::StrFormat("%.1f", seconds.count()) << " s\n";
  return 0;
}

}  // namespace wm::tools
