#ifndef WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_STATE_H_
#define WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_STATE_H_

// The flywheel's durable state (`MODELS/NAME/.flywheel/state.pbtxt`), its
// decision log (JSON lines) and its Prometheus counters, all derived from
// the state so they agree after a kill. Torch-free.

#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/flywheel.pb.h"

namespace wm::worldmodel {

// MODELS/NAME/.flywheel: the flywheel's working directory (not a version:
// readers ignore names that are not integers).
std::string FlywheelDirectory(const std::string& model_dir);

// The state in `flywheel_dir`; an empty state when there is none yet.
// DATA_LOSS naming the file when it does not parse.
absl::StatusOr<v1::FlywheelState> LoadFlywheelState(
    const std::string& flywheel_dir);

// Writes `state` to `flywheel_dir`/state.pbtxt atomically and durably
// (created when missing), then rewrites `log_path` (when not empty)
// atomically with one JSON line per decision (FlywheelDecisionJson), so the
// log never holds a decision the state lacks, nor the other way round once
// this returns. File errors name the path.
absl::Status SaveFlywheelState(const std::string& flywheel_dir,
                               const v1::FlywheelState& state,
                               const std::string& log_path);

// One decision as a compact JSON object (util/json_writer.h): every field
// of FlywheelDecision by its proto name.
std::string FlywheelDecisionJson(const v1::FlywheelDecision& decision);

// The Prometheus text exposition of `state`: wm_flywheel_decisions_total
// {decision="published"|"refused"} (counters, both always present),
// wm_flywheel_episodes_used and wm_flywheel_cycle_in_progress (gauges),
// each labelled model="NAME".
std::string RenderFlywheelMetrics(const v1::FlywheelState& state,
                                  const std::string& model_name);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_STATE_H_
