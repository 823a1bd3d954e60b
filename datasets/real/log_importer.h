#ifndef WM_DATASETS_REAL_LOG_IMPORTER_H_
#define WM_DATASETS_REAL_LOG_IMPORTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/real/csv_log.h"
#include "datasets/real/resampler.h"
#include "wm/v1/import.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::datasets {

// Turns parsed CSV logs into episodes of a StateSpec, as an ImportConfig
// says (proto/wm/v1/import.proto): picks and scales columns, reorders
// quaternions to w first, converts velocity frames, validates every row, and
// resamples to the config's dt, splitting at long gaps. Immutable after
// Create(); thread-safe.
class LogImporter {
 public:
  // What became of one log.
  struct Result {
    // Resampled episodes (index 0, params empty) and gap counts.
    ResampleResult resampled;
    // Entries a `constant_when_all_zero` rule set to their constant in this
    // log, e.g. "ctrl[0]".
    std::vector<std::string> constant_entries;
    // Quaternions within tolerance of unit length that were renormalised
    // (those off by more than 1e-12).
    int quaternions_renormalised = 0;
  };

  // Checks `config` against `spec`: dt > 0 (fill in the scene's dt first),
  // a time column, exactly nq / nv / nu qpos / qvel / ctrl entries,
  // non-negative tolerances, max_gap_steps >= 1 (0 means 5). Defaults are
  // filled in. INVALID_ARGUMENT saying which field is wrong.
  static absl::StatusOr<LogImporter> Create(const v1::ImportConfig& config,
                                            const v1::StateSpec& spec);

  // Maps and validates `log` (Map), then resamples it (ResampleLog).
  // Errors as Map.
  absl::StatusOr<Result> Import(const CsvLog& log) const;

  // The log as raw samples in the spec's layout, frames and units.
  // INVALID_ARGUMENT naming "source:line" for: a missing column (the header
  // line), no data rows, a NaN or infinite value in a used column, a time
  // that repeats or goes backwards, a quaternion whose norm is off 1 by more
  // than the tolerance. `result` (optional) receives constant_entries and
  // quaternions_renormalised.
  absl::StatusOr<RawTrajectory> Map(const CsvLog& log, Result* result) const;

  // The config with defaults filled in.
  const v1::ImportConfig& config() const { return config_; }

 private:
  LogImporter(v1::ImportConfig config, v1::StateSpec spec);

  v1::ImportConfig config_;
  v1::StateSpec spec_;
  // qpos offsets of the quaternions (w entries) in the spec.
  std::vector<int> quaternion_offsets_;
};

}  // namespace wm::datasets

#endif  // WM_DATASETS_REAL_LOG_IMPORTER_H_
