#include "datasets/real/import_logs.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/dataset_writer.h"
#include "datasets/real/log_importer.h"
#include "util/status_macros.h"

namespace wm::datasets {
namespace {

namespace fs = std::filesystem;

// The files `in` names: `root` and the paths under it.
struct Inputs {
  std::string root;
  std::vector<std::string> files;
};

absl::StatusOr<Inputs> ListInputs(const std::string& in) {
  std::error_code error;
  if (fs::is_regular_file(in, error)) {
    const fs::path path(in);
    return Inputs{path.has_parent_path() ? path.parent_path().string() : ".",
                  {path.filename().string()}};
  }
  Inputs inputs{in, {}};
  WM_ASSIGN_OR_RETURN(inputs.files, ListLogFiles(in));
  if (inputs.files.empty()) {
    return absl::NotFoundError(absl::StrCat(in, ": no .csv files"));
  }
  return inputs;
}

// The config with the scene's dt filled in; INVALID_ARGUMENT when it names
// another dt.
absl::StatusOr<v1::ImportConfig> WithSceneDt(v1::ImportConfig config,
                                             const v1::DatasetManifest& scene) {
  const double dt = scene.dt();
  if (config.dt() != 0 && std::abs(config.dt() - dt) > 1e-9 * dt) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "import config dt %.9g s differs from scene '%s' dt %.9g s",
        config.dt(), scene.scene().name(), dt));
  }
  config.set_dt(dt);
  return config;
}

// Imports `inputs` through `writer` and finishes it when a file imported.
absl::StatusOr<ImportSummary> WriteDataset(const ImportRequest& request,
                                           const Inputs& inputs,
                                           const LogImporter& importer,
                                           DatasetWriter* writer) {
  WM_ASSIGN_OR_RETURN(ImportSummary summary,
                      ImportLogFiles(inputs.root, inputs.files, importer,
                                     request.scene_manifest.parameters_size(),
                                     writer, request.progress));
  if (summary.files_imported == 0) return summary;
  v1::Provenance provenance;
  provenance.set_source("wm import");
  provenance.set_git_revision(request.git_revision);
  *provenance.mutable_import() = importer.config();
  for (const v1::ImportedFile& file : summary.files) {
    *provenance.add_imported_files() = file;
  }
  writer->set_provenance(std::move(provenance));
  WM_RETURN_IF_ERROR(writer->Finish(0).status());
  return summary;
}

}  // namespace

absl::StatusOr<ImportSummary> ImportLogs(const ImportRequest& request) {
  if (request.in.empty()) {
    return absl::InvalidArgumentError("import: no input logs given");
  }
  if (request.out.empty()) {
    return absl::InvalidArgumentError("import: no output directory given");
  }
  WM_ASSIGN_OR_RETURN(v1::ImportConfig config,
                      WithSceneDt(request.config, request.scene_manifest));
  WM_ASSIGN_OR_RETURN(
      LogImporter importer,
      LogImporter::Create(config, request.scene_manifest.spec()));
  WM_ASSIGN_OR_RETURN(Inputs inputs, ListInputs(request.in));
  std::error_code error;
  const bool existed = fs::exists(request.out, error);
  WM_ASSIGN_OR_RETURN(
      std::unique_ptr<DatasetWriter> writer,
      DatasetWriter::Create(request.out, request.scene_manifest,
                            importer.config().episodes_per_shard(),
                            request.overwrite));
  if (request.progress) {
    ImportProgress listed;
    listed.files_total = static_cast<int>(inputs.files.size());
    request.progress(listed);
  }
  absl::StatusOr<ImportSummary> summary =
      WriteDataset(request, inputs, importer, writer.get());
  writer.reset();
  if (!summary.ok() || summary->files_imported == 0) {
    // Leave nothing half-written behind in a directory this call created.
    if (!existed) fs::remove_all(request.out, error);
  }
  return summary;
}

}  // namespace wm::datasets
