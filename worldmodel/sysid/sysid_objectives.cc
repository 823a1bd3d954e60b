#include "worldmodel/sysid/sysid_objectives.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"
#include "worldmodel/sysid/toss_protocol_objective.h"
#include "worldmodel/sysid/window_rollout_objective.h"

namespace wm::worldmodel {

absl::StatusOr<SysidObjectiveSetup> MakeSysidObjective(
    const std::string& name, std::vector<datasets::Episode> episodes,
    const sim::Scene& scene, int horizon, int stride,
    const std::vector<double>& scale) {
  SysidObjectiveSetup made;
  if (name == "acosta_toss") {
    const int tosses = static_cast<int>(episodes.size());
    WM_ASSIGN_OR_RETURN(made.objective, TossProtocolObjective::Create(
                                            std::move(episodes),
                                            -scene.model().opt.gravity[2]));
    made.windows = tosses;
    made.description = "whole tosses scored by the acosta_toss e_q";
    return made;
  }
  if (!name.empty() && name != "windows") {
    return absl::InvalidArgumentError(absl::StrCat(
        "objective '", name, "' is unknown; known: windows, acosta_toss"));
  }
  WM_ASSIGN_OR_RETURN(auto windows, WindowRolloutObjective::Create(
                                        std::move(episodes), scene.spec(),
                                        horizon, stride, scale));
  made.windows = windows->num_windows();
  made.description = absl::StrCat("windows of ", horizon, " steps");
  made.objective = std::move(windows);
  return made;
}

}  // namespace wm::worldmodel
