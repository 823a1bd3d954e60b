#include "worldmodel/sysid/sysid_data.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "datasets/split.h"
#include "google/protobuf/util/message_differencer.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

// The layout of a spec without actuator units (real logs may name them
// differently) and without the slide bodies' geometry (older datasets lack
// it).
v1::StateSpec Layout(v1::StateSpec spec) {
  for (v1::Joint& joint : *spec.mutable_joints()) {
    joint.clear_body();
    joint.clear_world_axis();
    joint.clear_body_origin();
  }
  for (v1::Actuator& actuator : *spec.mutable_actuators()) {
    actuator.clear_unit();
    actuator.clear_ctrl_min();
    actuator.clear_ctrl_max();
  }
  return spec;
}

absl::Status CheckSameScene(const datasets::Dataset& dataset,
                            const sim::Scene& scene) {
  const std::string data_scene = dataset.manifest().scene().name().empty()
                                     ? "an unnamed scene"
                                     : dataset.manifest().scene().name();
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  if (!differencer.Compare(Layout(dataset.spec()), Layout(scene.spec()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset ", dataset.directory(), " records ", data_scene,
                     " whose state layout differs from scene '", scene.name(),
                     "' (spec mismatch: ", difference, ")"));
  }
  if (std::abs(dataset.manifest().dt() - scene.dt()) > 1e-9 * scene.dt()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset ", dataset.directory(), " (", data_scene,
                     ") has dt ", dataset.manifest().dt(), " s, scene '",
                     scene.name(), "' ", scene.dt(), " s"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SysidData> LoadSysidData(const datasets::Dataset& dataset,
                                        const sim::Scene& scene,
                                        int max_episodes,
                                        const std::string& holdout) {
  WM_RETURN_IF_ERROR(CheckSameScene(dataset, scene));
  if (dataset.num_episodes() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset ", dataset.directory(), " has no episodes"));
  }
  const bool test_split = holdout.empty();
  std::set<int64_t> held;
  if (!test_split && holdout != "none") {
    for (absl::string_view part : absl::StrSplit(holdout, ',')) {
      int64_t index;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(part), &index)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--holdout: '", part,
            "' is not an episode index (give indices like 3,7 or none)"));
      }
      held.insert(index);
    }
  }
  SysidData data;
  std::set<int64_t> seen;
  int64_t read = 0;
  WM_RETURN_IF_ERROR(
      dataset.ForEachEpisode([&](const datasets::Episode& episode) {
        if (max_episodes > 0 && read >= max_episodes) return absl::OkStatus();
        ++read;
        seen.insert(episode.index);
        const bool out = test_split ? datasets::SplitOf(episode.index, {}) ==
                                          datasets::Split::kTest
                                    : held.count(episode.index) > 0;
        (out ? data.holdout : data.fit).push_back(episode);
        return absl::OkStatus();
      }));
  for (int64_t index : held) {
    if (seen.count(index) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--holdout: episode ", index, " is not among the ", read,
                       " episodes read from ", dataset.directory()));
    }
  }
  if (data.fit.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no episodes left to fit in ", dataset.directory(), " (",
                     read, " read, all held out)"));
  }
  return data;
}

}  // namespace wm::worldmodel
