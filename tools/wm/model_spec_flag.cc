#include "tools/wm/model_spec_flag.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace wm::tools {

absl::StatusOr<v1::ModelSpec> ParseModelSpec(const std::string& flag,
                                             const std::string& text) {
  v1::ModelSpec spec;
  const size_t slash = text.rfind('/');
  spec.set_name(text.substr(0, slash));
  if (slash != std::string::npos) {
    int64_t version = 0;
    if (!absl::SimpleAtoi(text.substr(slash + 1), &version) || version < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, " ", text, ": expected NAME or NAME/N with N >= 1"));
    }
    spec.set_version(version);
  }
  return spec;
}

}  // namespace wm::tools
