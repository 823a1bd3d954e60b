#ifndef WM_TOOLS_WM_MODEL_SPEC_FLAG_H_
#define WM_TOOLS_WM_MODEL_SPEC_FLAG_H_

#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/service.pb.h"

namespace wm::tools {

// A served model named on the command line, NAME or NAME/N (N >= 1; NAME
// alone: the default version). `flag` names the flag in the error:
// INVALID_ARGUMENT "--<flag> TEXT: expected NAME or NAME/N with N >= 1".
absl::StatusOr<v1::ModelSpec> ParseModelSpec(const std::string& flag,
                                             const std::string& text);

}  // namespace wm::tools

#endif  // WM_TOOLS_WM_MODEL_SPEC_FLAG_H_
