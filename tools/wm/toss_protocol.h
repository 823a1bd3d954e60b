#ifndef WM_TOOLS_WM_TOSS_PROTOCOL_H_
#define WM_TOOLS_WM_TOSS_PROTOCOL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "datasets/dataset.h"
#include "worldmodel/world_model.h"

namespace wm::tools {

// A model under evaluation and the name reports give it.
struct NamedModel {
  std::string name;
  const worldmodel::WorldModel* model;
};

// `wm eval --protocol acosta_toss`: scores `models` (the first is the
// model, the rest baselines) on every episode of `tosses` with the
// protocol of worldmodel/eval/acosta_toss_protocol.h, prints a table (mean e_q
// with a bootstrap 90% interval, median, mean position and rotation
// errors, and each baseline's paired ratio to the model) and, when
// `json_path` is not empty, writes the per-toss JSON there atomically.
absl::Status RunTossProtocol(const std::vector<NamedModel>& models,
                             const datasets::Dataset& tosses,
                             const std::string& json_path);

}  // namespace wm::tools

#endif  // WM_TOOLS_WM_TOSS_PROTOCOL_H_
