#include "worldmodel/flywheel/flywheel_state.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "util/file_util.h"
#include "util/json_writer.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;

// `value` escaped for a Prometheus label between double quotes.
std::string LabelValue(const std::string& value) {
  std::string escaped;
  for (const char c : value) {
    if (c == '\\' || c == '"') escaped += '\\';
    escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return escaped;
}

}  // namespace

std::string FlywheelDirectory(const std::string& model_dir) {
  return (fs::path(model_dir) / ".flywheel").string();
}

absl::StatusOr<v1::FlywheelState> LoadFlywheelState(
    const std::string& flywheel_dir) {
  v1::FlywheelState state;
  const std::string path = flywheel_dir + "/state.pbtxt";
  std::error_code error;
  if (!fs::exists(path, error)) return state;
  const absl::Status read = ReadTextProtoFile(path, &state);
  if (!read.ok()) {
    return absl::DataLossError(
        absl::StrCat("flywheel state ", path, ": ", read.message()));
  }
  return state;
}

absl::Status SaveFlywheelState(const std::string& flywheel_dir,
                               const v1::FlywheelState& state,
                               const std::string& log_path) {
  std::error_code error;
  if (!fs::is_directory(flywheel_dir, error)) {
    fs::create_directories(flywheel_dir, error);
    if (error) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create ", flywheel_dir, ": ", error.message()));
    }
    WM_RETURN_IF_ERROR(SyncDirectory(ParentDirectory(flywheel_dir)));
  }
  WM_RETURN_IF_ERROR(WriteTextProtoFile(flywheel_dir + "/state.pbtxt", state));
  if (log_path.empty()) return absl::OkStatus();
  std::string lines;
  for (const v1::FlywheelDecision& decision : state.decisions()) {
    lines += FlywheelDecisionJson(decision) + "\n";
  }
  return WriteFileAtomically(log_path, lines);
}

std::string FlywheelDecisionJson(const v1::FlywheelDecision& decision) {
  JsonWriter json(JsonWriter::Style::kCompact);
  json.BeginObject();
  json.Key("cycle").Int(decision.cycle());
  json.Key("decision").String(decision.decision());
  json.Key("reason").String(decision.reason());
  json.Key("store_episodes").Int(decision.store_episodes());
  json.Key("trained_episodes").Int(decision.trained_episodes());
  json.Key("holdout_episodes").Int(decision.holdout_episodes());
  json.Key("current_version").String(decision.current_version());
  json.Key("candidate").String(decision.candidate());
  json.Key("published_version").String(decision.published_version());
  json.Key("current_error").Number(decision.current_error());
  json.Key("candidate_error").Number(decision.candidate_error());
  json.Key("ratio").Number(decision.ratio());
  json.Key("ratio_ci90_low").Number(decision.ratio_ci90_low());
  json.Key("ratio_ci90_high").Number(decision.ratio_ci90_high());
  json.Key("train_seconds").Number(decision.train_seconds());
  json.EndObject();
  return json.str();
}

std::string RenderFlywheelMetrics(const v1::FlywheelState& state,
                                  const std::string& model_name) {
  int64_t published = 0, refused = 0;
  for (const v1::FlywheelDecision& decision : state.decisions()) {
    (decision.decision() == "published" ? published : refused) += 1;
  }
  const std::string model = LabelValue(model_name);
  std::string page;
  absl::StrAppend(&page,
                  "# HELP wm_flywheel_decisions_total Gate decisions by "
                  "outcome.\n# TYPE wm_flywheel_decisions_total counter\n");
  absl::StrAppend(&page, "wm_flywheel_decisions_total{model=\"", model,
                  "\",decision=\"published\"} ", published, "\n");
  absl::StrAppend(&page, "wm_flywheel_decisions_total{model=\"", model,
                  "\",decision=\"refused\"} ", refused, "\n");
  absl::StrAppend(&page,
                  "# HELP wm_flywheel_episodes_used Store episodes consumed "
                  "by decided cycles.\n# TYPE wm_flywheel_episodes_used "
                  "gauge\n");
  absl::StrAppend(&page, "wm_flywheel_episodes_used{model=\"", model, "\"} ",
                  state.episodes_used(), "\n");
  absl::StrAppend(&page,
                  "# HELP wm_flywheel_cycle_in_progress The cycle under way "
                  "(0: none).\n# TYPE wm_flywheel_cycle_in_progress gauge\n");
  absl::StrAppend(&page, "wm_flywheel_cycle_in_progress{model=\"", model,
                  "\"} ", state.cycle_in_progress(), "\n");
  return page;
}

}  // namespace wm::worldmodel
