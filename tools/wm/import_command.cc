// `wm import`: real CSV logs -> an HDF5 dataset of a scene's StateSpec, as a
// mapping config (a built-in preset or --config FILE) says.

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "datasets/dataset_writer.h"
#include "datasets/real/import_files.h"
#include "datasets/real/log_importer.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
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

// The root directory and the files under it that --in names.
absl::Status ListInputs(const std::string& in, std::string* root,
                        std::vector<std::string>* files) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_regular_file(in, error)) {
    const fs::path path(in);
    *root = path.has_parent_path() ? path.parent_path().string() : ".";
    *files = {path.filename().string()};
    return absl::OkStatus();
  }
  *root = in;
  WM_ASSIGN_OR_RETURN(*files, datasets::ListLogFiles(in));
  if (files->empty()) {
    return absl::NotFoundError(absl::StrCat(in, ": no .csv files"));
  }
  return absl::OkStatus();
}

void PrintTable(const datasets::ImportSummary& summary) {
  const bool full = static_cast<int>(summary.files.size()) <= kFullTableFiles;
  int hidden = 0;
  bool header = false;
  for (const v1::ImportedFile& file : summary.files) {
    const bool notable = !file.refused().empty() || file.num_episodes() > 1 ||
                         file.constant_entries_size() > 0;
    if (!full && !notable) {
      ++hidden;
      continue;
    }
    if (!header) {
      std::cout << absl::StrFormat("%-28s %-14s %8s  %s\n", "file", "episodes",
                                   "steps", "notes");
      header = true;
    }
    if (!file.refused().empty()) {
      std::cout << absl::StrFormat("%-28s %-14s %8s  refused\n", file.file(),
                                   "-", "-");
      continue;
    }
    const std::string episodes =
        file.num_episodes() == 1
            ? absl::StrCat(file.first_episode())
            : absl::StrCat(file.first_episode(), "..",
                           file.first_episode() + file.num_episodes() - 1);
    std::string notes;
    if (file.num_episodes() > 1) {
      notes = absl::StrCat("split at ", file.num_episodes() - 1, " gaps; ");
    }
    if (file.constant_entries_size() > 0) {
      absl::StrAppend(&notes, absl::StrJoin(file.constant_entries(), ", "),
                      " constant (constant_when_all_zero)");
    }
    std::cout << absl::StrFormat("%-28s %-14s %8d  %s\n", file.file(), episodes,
                                 file.num_transitions(), notes);
  }
  if (hidden > 0) {
    std::cout << "(" << hidden
              << " more files imported as one episode each; the full file -> "
                 "episode table is in the manifest's provenance: wm inspect)\n";
  }
}

absl::Status Import(v1::ImportConfig config, const Invocation& invocation,
                    int* exit_code) {
  const std::string in = absl::GetFlag(FLAGS_in);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (in.empty()) return absl::InvalidArgumentError("--in is required");
  if (out.empty()) return absl::InvalidArgumentError("--out is required");
  WM_ASSIGN_OR_RETURN(std::shared_ptr<const sim::Scene> scene,
                      sim::LoadScene(config.scene()));
  if (config.dt() != 0 &&
      std::abs(config.dt() - scene->dt()) > 1e-9 * scene->dt()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "import config dt %.9g s differs from scene '%s' dt %.9g s",
        config.dt(), scene->name(), scene->dt()));
  }
  config.set_dt(scene->dt());
  if (invocation.Given("episodes_per_shard")) {
    config.set_episodes_per_shard(absl::GetFlag(FLAGS_episodes_per_shard));
  }
  WM_ASSIGN_OR_RETURN(datasets::LogImporter importer,
                      datasets::LogImporter::Create(config, scene->spec()));
  std::string root;
  std::vector<std::string> files;
  WM_RETURN_IF_ERROR(ListInputs(in, &root, &files));

  v1::DatasetManifest manifest = sim::ManifestForScene(*scene);
  v1::Provenance provenance;
  provenance.set_source("wm import");
  provenance.set_git_revision(WM_GIT_REVISION);
  *provenance.mutable_import() = importer.config();
  const bool existed = std::filesystem::exists(out);
  WM_ASSIGN_OR_RETURN(auto writer,
                      datasets::DatasetWriter::Create(
                          out, manifest, importer.config().episodes_per_shard(),
                          absl::GetFlag(FLAGS_overwrite)));
  std::cerr << "wm import: " << files.size() << " files from " << in
            << " -> scene '" << scene->name() << "', dt " << scene->dt()
            << " s -> " << out << "\n";
  ProgressBar bar("files", static_cast<int64_t>(files.size()));
  absl::StatusOr<datasets::ImportSummary> summary = datasets::ImportLogFiles(
      root, files, importer, manifest.parameters_size(), writer.get(),
      [&](const datasets::ImportProgress& state) {
        bar.Update(state.files_done,
                   absl::StrCat(state.episodes, " episodes, ",
                                CompactNumber(state.transitions), " steps, ",
                                state.files_refused, " refused"));
      });
  absl::Status status = summary.status();
  if (summary.ok() && summary->files_imported > 0) {
    for (const v1::ImportedFile& file : summary->files) {
      *provenance.add_imported_files() = file;
    }
    writer->set_provenance(provenance);
    status = writer->Finish(0).status();
  }
  bar.Finish();
  if (summary.ok()) PrintTable(*summary);
  if (!status.ok() || summary->files_imported == 0) {
    writer.reset();
    // Leave nothing half-written behind in a directory this run created.
    if (!existed) std::filesystem::remove_all(out);
  }
  WM_RETURN_IF_ERROR(status);
  std::cout << absl::StrFormat(
      "imported %d of %d files: %d episodes, %d transitions (dt %.6g s) -> %s "
      "in %.1f s\n",
      summary->files_imported, files.size(), summary->episodes,
      summary->transitions, scene->dt(), out, bar.ElapsedSeconds());
  std::cout << absl::StrFormat(
      "gaps: %d interpolated, %d split; %d short pieces dropped; %d "
      "quaternions renormalised\n",
      summary->gaps_interpolated, summary->gaps_split, summary->pieces_dropped,
      summary->quaternions_renormalised);
  if (summary->files_refused > 0) {
    std::cout << "refused " << summary->files_refused << " file"
              << (summary->files_refused == 1 ? "" : "s") << ":\n";
    for (const v1::ImportedFile& file : summary->files) {
      if (!file.refused().empty()) std::cout << "  " << file.refused() << "\n";
    }
  }
  if (summary->files_imported == 0) {
    std::cout << "no file imported: nothing written\n";
    *exit_code = 1;
  }
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
