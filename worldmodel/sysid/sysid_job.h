#ifndef WM_WORLDMODEL_SYSID_SYSID_JOB_H_
#define WM_WORLDMODEL_SYSID_SYSID_JOB_H_

// What `wm sysid` does, as a library call: open the dataset, fit the named
// MuJoCo parameters (sysid.h), optionally fit a simulation ensemble around
// the estimate (ensemble_fit.h) and publish a servable "mujoco" version,
// and return the report. Printing and the JSON file are the caller's.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "wm/v1/sysid.pb.h"
#include "worldmodel/sysid/sysid.h"

namespace wm::worldmodel {

struct SysidJob {
  v1::SysidConfig config;
  std::string data_dir;  // a dataset directory (required)
  // A scene (built-in name or config path); empty: the dataset's embedded
  // scene.
  std::string scene;
  std::vector<std::string> parameters;  // <element>/<quantity>, at least one
  std::string holdout;  // which episodes to hold out (LoadSysidData)
  // MODELS/NAME to publish the fit to as the next "mujoco" version; empty:
  // nothing is published.
  std::string publish_dir;
  std::string git_revision;  // recorded in the published manifest
};

// Where a job stands, for progress lines. Exactly one of the callbacks is
// called at a time, from the calling thread; each may be empty.
struct SysidJobCallbacks {
  // Once, before the fit: what is fitted on what (one line of text).
  std::function<void(const std::string&)> on_start;
  // During the main fit and its bootstrap refits.
  std::function<void(const SysidProgress&)> on_fit;
  // During the ensemble fit: (generation, of generations, best objective).
  std::function<void(int, int, double)> on_ensemble;
};

// Runs `job` and returns its report (the report's seconds cover the whole
// job; model_version is set when published). Errors: INVALID_ARGUMENT for a
// missing data_dir or parameters, an unknown objective or parameter, a
// dataset without a scene and no job.scene; the dataset's, the fit's and
// the publish's errors.
absl::StatusOr<v1::SysidReport> RunSysidJob(const SysidJob& job,
                                            const SysidJobCallbacks& callbacks);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_SYSID_JOB_H_
