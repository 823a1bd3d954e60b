// `wm upload`: streams CSV logs to an ingest service (`wm ingest`, `wm
// serve --ingest_store`), mapped and validated as `wm import` does, with
// robot and episode ids derived from the input so that uploading again
// stores nothing twice.

#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/ingest/upload_logs.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "tools/wm/client_flags.h"
#include "tools/wm/flags.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::tools {

// Generated from configs/import/*.pbtxt (cmake/EmbedFiles.cmake).
const std::map<std::string, std::string>& BuiltinImportPresets();

namespace {

// The mapping config of --preset or --config (exactly one of them).
absl::StatusOr<v1::ImportConfig> MappingConfig() {
  const std::string preset = absl::GetFlag(FLAGS_preset);
  const std::string file = absl::GetFlag(FLAGS_config);
  if (preset.empty() == file.empty()) {
    return absl::InvalidArgumentError(
        "give either --preset NAME or --config FILE, not both");
  }
  v1::ImportConfig config;
  if (!file.empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(file, &config));
    return config;
  }
  auto found = BuiltinImportPresets().find(preset + ".pbtxt");
  if (found == BuiltinImportPresets().end()) {
    return absl::NotFoundError(absl::StrCat("unknown --preset '", preset, "'"));
  }
  WM_RETURN_IF_ERROR(ParseTextProto(
      found->second, absl::StrCat("configs/import/", found->first), &config));
  return config;
}

absl::Status Upload(int* exit_code) {
  services::UploadLogsRequest request;
  WM_ASSIGN_OR_RETURN(request.config, MappingConfig());
  request.in = absl::GetFlag(FLAGS_in);
  const std::string server = absl::GetFlag(FLAGS_server);
  if (request.in.empty() || server.empty()) {
    return absl::InvalidArgumentError(
        "--server ADDR and --in DIR|FILE are "
        "required");
  }
  WM_ASSIGN_OR_RETURN(std::shared_ptr<const sim::Scene> scene,
                      sim::LoadScene(request.config.scene()));
  request.scene_manifest = sim::ManifestForScene(*scene);
  WM_ASSIGN_OR_RETURN(services::ClientOptions options,
                      ClientOptionsFromFlags());
  WM_ASSIGN_OR_RETURN(auto client,
                      services::IngestClient::Connect(server, options));
  WM_ASSIGN_OR_RETURN(const services::UploadLogsSummary summary,
                      services::UploadLogs(*client, request));
  for (const services::UploadedFile& file : summary.files) {
    if (!file.refused.empty()) {
      std::cout << file.file << ": refused: " << file.refused << "\n";
      continue;
    }
    std::cout << file.file << ": robot " << file.robot_id << ", "
              << file.episode_ids.size() << " episodes ("
              << absl::StrJoin(file.episode_ids, " ") << "), "
              << file.chunks_stored << " chunks stored, "
              << file.chunks_duplicate << " already stored\n";
  }
  std::cout << "uploaded " << summary.files_uploaded << " files ("
            << summary.files_refused << " refused): " << summary.episodes
            << " episodes, " << summary.transitions << " transitions, "
            << summary.chunks_stored << " chunks stored, "
            << summary.chunks_duplicate << " already stored\n";
  if (summary.files_uploaded == 0) *exit_code = 1;
  return absl::OkStatus();
}

}  // namespace

// Exit codes: 0 when at least one file was uploaded (refused files are
// listed), 1 when every file was refused or on any other error.
int RunUpload(const Invocation&) {
  int exit_code = 0;
  absl::Status status = Upload(&exit_code);
  if (!status.ok()) {
    std::cerr << "wm upload: " << status << "\n";
    return 1;
  }
  return exit_code;
}

}  // namespace wm::tools
