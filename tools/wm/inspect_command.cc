// `wm inspect DIR`: prints a dataset's manifest, counts, splits and the range
// of every physical parameter.

#include <cmath>
#include <iostream>
#include <limits>
#include <vector>

#include "absl/strings/str_format.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "google/protobuf/text_format.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"

namespace wm::tools {
namespace {

struct Range {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  int64_t known = 0;
};

absl::Status Inspect(const std::string& directory) {
  WM_ASSIGN_OR_RETURN(auto dataset, datasets::Dataset::Open(directory));
  const v1::DatasetManifest& manifest = dataset->manifest();

  // The manifest without the embedded MJCF, which can be long.
  v1::DatasetManifest shown = manifest;
  const size_t mjcf_bytes = shown.scene().mjcf().size();
  shown.mutable_scene()->set_mjcf(
      absl::StrFormat("<%d bytes of MJCF>", mjcf_bytes));
  std::string text;
  google::protobuf::TextFormat::PrintToString(shown, &text);
  std::cout << "== manifest of " << directory << "\n" << text << "\n";

  std::vector<Range> ranges(manifest.parameters_size());
  int64_t per_split[3] = {0, 0, 0};
  WM_RETURN_IF_ERROR(
      dataset->ForEachEpisode([&](const datasets::Episode& episode) {
        ++per_split[static_cast<int>(
            datasets::SplitOf(episode.index, datasets::SplitFractions()))];
        for (size_t p = 0; p < ranges.size() && p < episode.params.size();
             ++p) {
          const double value = episode.params[p];
          if (!std::isfinite(value)) continue;
          ranges[p].min = std::min(ranges[p].min, value);
          ranges[p].max = std::max(ranges[p].max, value);
          ranges[p].sum += value;
          ++ranges[p].known;
        }
        return absl::OkStatus();
      }));

  std::cout << "== summary\n"
            << absl::StrFormat(
                   "scene %s, dt %.6g s (timestep %.6g s x %d)\n"
                   "nq %d, nv %d, nu %d\n"
                   "episodes %d (%d dropped), transitions %d, shards %d\n"
                   "splits: train %d, validation %d, test %d\n"
                   "fingerprint %s\n",
                   manifest.scene().name(), manifest.dt(), manifest.timestep(),
                   manifest.frame_skip(), manifest.spec().nq(),
                   manifest.spec().nv(), manifest.spec().nu(),
                   manifest.num_episodes(), manifest.num_dropped_episodes(),
                   manifest.num_transitions(), manifest.shards_size(),
                   per_split[0], per_split[1], per_split[2],
                   dataset->Fingerprint());
  std::cout << "== parameters\n";
  for (int p = 0; p < manifest.parameters_size(); ++p) {
    const auto& info = manifest.parameters(p);
    if (ranges[p].known == 0) {
      std::cout << absl::StrFormat("%-28s [%s]  unknown in every episode\n",
                                   info.name(), info.unit());
      continue;
    }
    std::cout << absl::StrFormat(
        "%-28s [%s]  min %.4g  max %.4g  mean %.4g  (%d episodes)\n",
        info.name(), info.unit(), ranges[p].min, ranges[p].max,
        ranges[p].sum / ranges[p].known, ranges[p].known);
  }
  return absl::OkStatus();
}

}  // namespace

int RunInspect(const Invocation& invocation) {
  if (invocation.positional.size() != 1) {
    std::cerr << "wm inspect: give exactly one dataset directory\n";
    return 2;
  }
  absl::Status status = Inspect(invocation.positional[0]);
  if (!status.ok()) {
    std::cerr << "wm inspect: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
