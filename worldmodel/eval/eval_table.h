#ifndef WM_WORLDMODEL_EVAL_EVAL_TABLE_H_
#define WM_WORLDMODEL_EVAL_EVAL_TABLE_H_

// The plain-text tables `wm eval` prints.

#include <string>
#include <vector>

#include "worldmodel/eval/eval_report.h"
#include "worldmodel/eval/toss_protocol_report.h"

namespace wm::worldmodel {

// One row per report, columns one_step_nmse, each rollout error's median
// per horizon (KEY@STEPS) and each parameter's median relative error, with
// a closing line on the units; "-" where a report lacks a value.
std::string EvalTable(const std::vector<NamedReport>& rows);

// The acosta_toss table: per model the mean e_q with its 90% bootstrap
// interval, median, mean position and rotation errors, and the paired ratio
// of the first model to this one.
std::string TossProtocolTable(const TossProtocolReport& report);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_EVAL_TABLE_H_
