#ifndef WM_WORLDMODEL_EVAL_EVAL_REPORT_JSON_H_
#define WM_WORLDMODEL_EVAL_EVAL_REPORT_JSON_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "worldmodel/eval/eval_report.h"

namespace wm::worldmodel {

// The `wm eval` JSON document (issue 4):
//   {"model": "name/N", "split": "test", "episodes": n,
//    "one_step_nmse": x,
//    "rollout": {"10": {"pos_m": {"median": x, "p90": x}, ...}, ...},
//    "params": {"box/mass": {"median_rel_err": x, "coverage90": x,
//                            "identifiable_episodes": n}, ...},
//    "calibration": {"nll": x, "coverage90": x},
//    "ood": {"spread_ratio": x, "error_spread_rank_corr": x},
//    "baselines": {"<name>": {"model": ..., "episodes": n, "one_step_nmse":
//                  ..., same keys}, ...}}
// Absent metrics are left out; rollout keys are horizons in steps; numbers
// carry 10 significant digits; non-finite numbers are written as null.
// Pretty-printed with two-space indents. Pure, thread-safe.
std::string EvalReportToJson(const EvalReport& report,
                             const std::vector<NamedReport>& baselines);

// Writes EvalReportToJson atomically to `path` (see WriteFileAtomically).
absl::Status WriteEvalReportJson(const std::string& path,
                                 const EvalReport& report,
                                 const std::vector<NamedReport>& baselines);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_EVAL_REPORT_JSON_H_
