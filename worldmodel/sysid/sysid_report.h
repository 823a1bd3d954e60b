#ifndef WM_WORLDMODEL_SYSID_SYSID_REPORT_H_
#define WM_WORLDMODEL_SYSID_SYSID_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "wm/v1/sysid.pb.h"
#include "worldmodel/sysid/sysid.h"

namespace wm::worldmodel {

// An estimate with its bootstrap spread: std is the sample standard
// deviation of `samples` (0 for fewer than 2), interval90 their 5% and 95%
// quantiles (linear interpolation between order statistics; [estimate,
// estimate] without samples). Pure.
v1::SysidEstimate SummarizeEstimate(const std::string& name,
                                    const std::string& unit, double estimate,
                                    const std::vector<double>& samples,
                                    double nominal, double min, double max);

// The report of a fit: each parameter summarised, the objective values,
// per-episode errors (`fit_indices` / `holdout_indices` name the episodes
// in the objectives' order), and for the double_pendulum scene the base
// parameters (DoublePendulumBaseParameters) of the fitted model with their
// bootstrap spread, nominal = the scene's nominal model. `config` is the
// resolved config. INVALID_ARGUMENT when the index lists do not match the
// result.
absl::StatusOr<v1::SysidReport> BuildSysidReport(
    const SysidSetup& setup, const SysidResult& result,
    const std::vector<int64_t>& fit_indices,
    const std::vector<int64_t>& holdout_indices, const v1::SysidConfig& config);

// Writes `report` as proto3 JSON (field names as in sysid.proto, defaults
// included), atomically. File errors as WriteFileAtomically.
absl::Status WriteSysidReportJson(const std::string& path,
                                  const v1::SysidReport& report);

// A servable "mujoco" checkpoint manifest of the fit: the fitted scene
// (MJCF inline; its randomize list is the fitted parameters, so the model's
// parameters are exactly those) with parameter_values = the estimate, the
// StateSpec, dt, timestep, frame skip, the report's fitted ensemble when it
// has >= 2 members, and the report's objectives as metrics. Name and
// version are set when published.
v1::CheckpointManifest SysidManifest(const SysidSetup& setup,
                                     const v1::SysidReport& report);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_SYSID_REPORT_H_
