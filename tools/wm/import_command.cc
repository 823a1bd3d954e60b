// `wm import`: real CSV logs -> an HDF5 dataset of a scene's StateSpec, as a
// mapping config (a built-in preset or --config FILE) says.

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "datasets/real/import_logs.h"
#include "datasets/real/import_report.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/data_dir.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "wm/v1/import.pb.h"

#ifndef WM_GIT_REVISION
#define WM_GIT_REVISION "unknown"
#endif

namespace wm::tools {

// Generated from configs/import/*.pbtxt (cmake/EmbedFiles.cmake).
const std::map<std::string, std::string>& BuiltinImportPresets();

namespace {

// Above this many files the table lists only the files worth a look.
constexpr int kFullTableFiles = 50;

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const auto& [file, text] : BuiltinImportPresets()) {
    names.push_back(file.substr(0, file.size() - 6));  // drop ".pbtxt"
  }
  return names;
}

// The mapping config of --preset or --config (exactly one of them).
absl::StatusOr<v1::ImportConfig> ResolveConfig() {
  const std::string preset = absl::GetFlag(FLAGS_preset);
  const std::string file = absl::GetFlag(FLAGS_config);
  if (preset.empty() == file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "give either --preset (", absl::StrJoin(PresetNames(), ", "),
        ") or --config FILE, not both"));
  }
  v1::ImportConfig config;
  if (!file.empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(file, &config));
    return config;
  }
  const auto& presets = BuiltinImportPresets();
  auto found = presets.find(preset + ".pbtxt");
  if (found == presets.end()) {
    return absl::NotFoundError(
        absl::StrCat("unknown --preset '", preset,
                     "' (presets: ", absl::StrJoin(PresetNames(), ", "), ")"));
  }
  WM_RETURN_IF_ERROR(ParseTextProto(
      found->second, absl::StrCat("configs/import/", found->first), &config));
  return config;
}

// The logs to import: --in, else the config's folder of the real data.
absl::StatusOr<std::string> ResolveInput(const v1::ImportConfig& config) {
  const std::string in = absl::GetFlag(FLAGS_in);
  if (!in.empty()) return in;
  if (config.real_data_subdir().empty()) {
    return absl::InvalidArgumentError(
        "--in is required (the config names no real_data_subdir)");
  }
  absl::StatusOr<std::string> real = RealDataDir();
  if (real.ok()) return absl::StrCat(*real, "/", config.real_data_subdir());
  return absl::NotFoundError(
      absl::StrCat("no --in, and ", real.status().message()));
}

absl::Status Import(const v1::ImportConfig& config,
                    const Invocation& invocation, int* exit_code) {
  datasets::ImportRequest request;
  request.config = config;
  WM_ASSIGN_OR_RETURN(request.in, ResolveInput(config));
  request.out = absl::GetFlag(FLAGS_out);
  if (request.out.empty()) {
    return absl::InvalidArgumentError("--out is required");
  }
  request.overwrite = absl::GetFlag(FLAGS_overwrite);
  request.git_revision = WM_GIT_REVISION;
  if (invocation.Given("episodes_per_shard")) {
    request.config.set_episodes_per_shard(
        absl::GetFlag(FLAGS_episodes_per_shard));
  }
  WM_ASSIGN_OR_RETURN(std::shared_ptr<const sim::Scene> scene,
                      sim::LoadScene(config.scene()));
  request.scene_manifest = sim::ManifestForScene(*scene);
  std::optional<ProgressBar> bar;
  request.progress = [&](const datasets::ImportProgress& state) {
    if (!bar) {
      std::cerr << "wm import: " << state.files_total << " files from "
                << request.in << " -> scene '" << scene->name() << "', dt "
                << scene->dt() << " s -> " << request.out << "\n";
      bar.emplace("files", state.files_total);
    }
    bar->Update(state.files_done,
                absl::StrCat(state.episodes, " episodes, ",
                             CompactNumber(state.transitions), " steps, ",
                             state.files_refused, " refused"));
  };
  absl::StatusOr<datasets::ImportSummary> summary =
      datasets::ImportLogs(request);
  if (bar) bar->Finish();
  WM_RETURN_IF_ERROR(summary.status());
  std::cout << datasets::ImportTable(*summary, kFullTableFiles)
            << datasets::ImportTotals(*summary, scene->dt(), request.out,
                                      bar ? bar->ElapsedSeconds() : 0);
  if (summary->files_imported == 0) *exit_code = 1;
  return absl::OkStatus();
}

}  // namespace

// Exit codes: 0 when at least one file was imported (refused files are
// listed), 1 when every file was refused or on any other error.
int RunImport(const Invocation& invocation) {
  int exit_code = 0;
  absl::StatusOr<v1::ImportConfig> config = ResolveConfig();
  absl::Status status =
      config.ok() ? Import(*config, invocation, &exit_code) : config.status();
  if (!status.ok()) {
    std::cerr << "wm import: " << status << "\n";
    return 1;
  }
  return exit_code;
}

}  // namespace wm::tools
