#ifndef WM_WORLDMODEL_SYSID_SYSID_OBJECTIVES_H_
#define WM_WORLDMODEL_SYSID_SYSID_OBJECTIVES_H_

// The open-loop objectives by name, for wm sysid and wm train --model
// contact alike.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "sim/scene.h"
#include "worldmodel/sysid/sysid_objective.h"

namespace wm::worldmodel {

// An objective over some episodes and what it scores (for start lines and
// reports).
struct SysidObjectiveSetup {
  std::unique_ptr<SysidObjective> objective;
  int windows = 0;  // windows, or tosses for acosta_toss
  std::string description;
};

// The objective `name` names over `episodes` of `scene`: "acosta_toss"
// (TossProtocolObjective, the scene's gravity) or "windows" / empty
// (WindowRolloutObjective with `horizon` and `stride` steps and tangent
// `scale`). INVALID_ARGUMENT for another name; the objectives' own errors.
absl::StatusOr<SysidObjectiveSetup> MakeSysidObjective(
    const std::string& name, std::vector<datasets::Episode> episodes,
    const sim::Scene& scene, int horizon, int stride,
    const std::vector<double>& scale);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_SYSID_OBJECTIVES_H_
