#include "tools/wm/glog_flags.h"

#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "util/logging.h"

namespace wm::tools {
namespace {

const std::set<std::string>& BooleanFlags() {
  static const auto* const kFlags =
      new std::set<std::string>{"logtostderr", "alsologtostderr"};
  return *kFlags;
}

const std::set<std::string>& ValueFlags() {
  static const auto* const kFlags = new std::set<std::string>{
      "v", "vmodule", "log_dir", "minloglevel", "stderrthreshold"};
  return *kFlags;
}

absl::StatusOr<int> ParseLevel(const std::string& name,
                               const std::string& value) {
  int level = 0;
  if (!absl::SimpleAtoi(value, &level)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " takes an integer, not '", value, "'"));
  }
  return level;
}

// --vmodule=PATTERN=N[,PATTERN=N...]
absl::Status ApplyVmodule(const std::string& value) {
  for (absl::string_view entry : absl::StrSplit(value, ',')) {
    const std::vector<std::string> parts = absl::StrSplit(entry, '=');
    int level = 0;
    if (parts.size() != 2 || parts[0].empty() ||
        !absl::SimpleAtoi(parts[1], &level)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--vmodule takes PATTERN=N[,PATTERN=N...], not '", value, "'"));
    }
    google::SetVLOGLevel(parts[0].c_str(), level);
  }
  return absl::OkStatus();
}

absl::Status ApplyValue(const std::string& name, const std::string& value) {
  if (name == "log_dir") {
    if (value.empty()) return absl::InvalidArgumentError("--log_dir is empty");
    FLAGS_log_dir = value;
    FLAGS_logtostderr = false;
    return absl::OkStatus();
  }
  if (name == "vmodule") return ApplyVmodule(value);
  absl::StatusOr<int> level = ParseLevel(name, value);
  if (!level.ok()) return level.status();
  if (name == "v") FLAGS_v = *level;
  if (name == "minloglevel") FLAGS_minloglevel = *level;
  if (name == "stderrthreshold") FLAGS_stderrthreshold = *level;
  return absl::OkStatus();
}

}  // namespace

bool IsGlogFlag(const std::string& name) {
  const bool negated = name.rfind("no", 0) == 0;
  return ValueFlags().count(name) > 0 || BooleanFlags().count(name) > 0 ||
         (negated && BooleanFlags().count(name.substr(2)) > 0);
}

absl::Status ApplyGlogFlag(int argc, char** argv, int* index) {
  std::string body = argv[*index];
  body = body.substr(body.find_first_not_of('-'));
  const size_t equals = body.find('=');
  const std::string name = body.substr(0, equals);
  const bool has_value = equals != std::string::npos;
  const std::string value = has_value ? body.substr(equals + 1) : "";
  if (ValueFlags().count(name) > 0) {
    if (has_value) return ApplyValue(name, value);
    if (*index + 1 >= argc) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs a value"));
    }
    return ApplyValue(name, argv[++*index]);
  }
  const bool negated = BooleanFlags().count(name) == 0;
  const std::string flag = negated ? name.substr(2) : name;
  bool on = !negated;
  if (has_value) {
    if (negated || !absl::SimpleAtob(value, &on)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " takes true or false, not '", value, "'"));
    }
  }
  if (flag == "logtostderr") FLAGS_logtostderr = on;
  if (flag == "alsologtostderr") FLAGS_alsologtostderr = on;
  return absl::OkStatus();
}

}  // namespace wm::tools
