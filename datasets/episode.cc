#include "datasets/episode.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace wm::datasets {
namespace {

// INVALID_ARGUMENT naming the episode and field unless `values` holds
// `expected` entries, all finite.
absl::Status CheckField(int64_t index, const char* field,
                        const std::vector<double>& values, int64_t expected,
                        const std::string& expected_shape) {
  if (static_cast<int64_t>(values.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "episode ", index, ": ", field, " has ", values.size(),
        " values, expected ", expected, " (", expected_shape, ")"));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "episode ", index, ": ", field, "[", i, "] is ", values[i]));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Episode::Validate() const {
  if (nq < 0 || nv < 0 || nu < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("episode ", index, ": negative size (nq ", nq, ", nv ", nv,
                     ", nu ", nu, ")"));
  }
  const int64_t steps = num_steps();
  if (steps < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("episode ", index, ": has ", time.size(),
                     " time values; an episode needs at least one step (two "
                     "states)"));
  }
  const int64_t states = steps + 1;
  absl::Status status =
      CheckField(index, "qpos", qpos, states * nq,
                 absl::StrCat("(", steps, " steps + 1) x nq ", nq));
  if (status.ok()) {
    status = CheckField(index, "qvel", qvel, states * nv,
                        absl::StrCat("(", steps, " steps + 1) x nv ", nv));
  }
  if (status.ok()) {
    status = CheckField(index, "time", time, states,
                        absl::StrCat(steps, " steps + 1"));
  }
  if (status.ok()) {
    status = CheckField(index, "ctrl", ctrl, steps * nu,
                        absl::StrCat(steps, " steps x nu ", nu));
  }
  return status;
}

}  // namespace wm::datasets
