#include "worldmodel/model_factory.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/file_util.h"
#include "util/sha256.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/guarded_model.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;

constexpr char kManifestName[] = "manifest.pbtxt";

// True for names made only of digits ("3", not "3.tmp", ".train", "-1").
bool ParseVersionName(const std::string& name, int64_t* version) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(name, version);
}

std::string VersionList(const std::vector<int64_t>& versions) {
  if (versions.empty()) return "none";
  return absl::StrJoin(versions, ", ");
}

bool IsDirectory(const std::string& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

bool IsFile(const std::string& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

}  // namespace

std::vector<int64_t> ListModelVersions(const std::string& model_dir) {
  std::vector<int64_t> versions;
  std::error_code error;
  fs::directory_iterator it(model_dir, error), end;
  for (; !error && it != end; it.increment(error)) {
    int64_t version;
    if (ParseVersionName(it->path().filename().string(), &version) &&
        IsDirectory(it->path().string())) {
      versions.push_back(version);
    }
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

absl::StatusOr<std::string> ResolveModelVersionDir(const std::string& path) {
  std::string clean = path;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  if (IsDirectory(clean)) {
    if (IsFile(clean + "/" + kManifestName)) return clean;  // pinned
    const std::vector<int64_t> versions = ListModelVersions(clean);
    int64_t number;
    if (versions.empty() &&
        ParseVersionName(fs::path(clean).filename().string(), &number)) {
      return absl::NotFoundError(
          absl::StrCat("model version '", clean, "' has no ", kManifestName));
    }
    if (versions.empty()) {
      return absl::NotFoundError(absl::StrCat(
          "model '", clean, "' has no versions (no integer-named directory)"));
    }
    return absl::StrCat(clean, "/", versions.back());
  }
  const fs::path as_path(clean);
  int64_t version;
  const std::string parent = as_path.parent_path().string();
  if (ParseVersionName(as_path.filename().string(), &version) &&
      !parent.empty() && IsDirectory(parent)) {
    return absl::NotFoundError(absl::StrCat(
        "model '", parent, "' has no version ", version,
        "; available versions: ", VersionList(ListModelVersions(parent))));
  }
  return absl::NotFoundError(absl::StrCat("no model at '", clean, "'"));
}

absl::StatusOr<int64_t> NextModelVersion(const std::string& model_dir) {
  std::error_code error;
  if (fs::exists(model_dir, error) && !IsDirectory(model_dir)) {
    return absl::FailedPreconditionError(
        absl::StrCat("model directory '", model_dir, "' is not a directory"));
  }
  const std::vector<int64_t> versions = ListModelVersions(model_dir);
  return versions.empty() ? 1 : versions.back() + 1;
}

std::string ModelVersionName(const std::string& version_dir) {
  fs::path path(version_dir);
  while (path.has_parent_path() && path.filename().empty()) {
    path = path.parent_path();
  }
  const std::string version = path.filename().string();
  const std::string name = path.parent_path().filename().string();
  return name.empty() ? version : absl::StrCat(name, "/", version);
}

void ModelFactory::Register(std::string kind, Loader loader) {
  loaders_[std::move(kind)] = std::move(loader);
}

std::vector<std::string> ModelFactory::kinds() const {
  std::vector<std::string> kinds;
  for (const auto& [kind, loader] : loaders_) kinds.push_back(kind);
  return kinds;
}

absl::StatusOr<std::unique_ptr<WorldModel>> ModelFactory::Load(
    const std::string& path) const {
  WM_ASSIGN_OR_RETURN(const std::string version_dir,
                      ResolveModelVersionDir(path));
  const std::string manifest_path =
      absl::StrCat(version_dir, "/", kManifestName);
  v1::CheckpointManifest manifest;
  absl::Status read = ReadTextProtoFile(manifest_path, &manifest);
  if (absl::IsInvalidArgument(read)) {
    return absl::DataLossError(read.message());
  }
  if (absl::IsNotFound(read)) {
    return absl::NotFoundError(absl::StrCat("model version '", version_dir,
                                            "' has no ", kManifestName));
  }
  WM_RETURN_IF_ERROR(read);
  auto loader = loaders_.find(manifest.kind());
  if (loader == loaders_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(manifest_path, ": model kind '", manifest.kind(),
                     "' is not registered in this binary (registered: ",
                     absl::StrJoin(kinds(), ", "), ")"));
  }
  WM_ASSIGN_OR_RETURN(
      std::unique_ptr<WorldModel> model,
      GuardModelCall(absl::StrCat("loading ", version_dir),
                     [&] { return loader->second(version_dir, manifest); }));
  return GuardModel(std::move(model));
}

absl::StatusOr<std::string> ReadVersionFile(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    const std::string& file) {
  const std::string path = absl::StrCat(version_dir, "/", file);
  WM_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  const auto recorded = manifest.file_sha256().find(file);
  if (recorded != manifest.file_sha256().end()) {
    WM_RETURN_IF_ERROR(CheckSha256(bytes, recorded->second, path));
  }
  return bytes;
}

absl::StatusOr<std::string> PublishModelVersion(
    const std::string& model_dir, v1::CheckpointManifest* manifest,
    const std::function<absl::Status(const std::string&)>& write_files) {
  std::error_code error;
  const bool created = fs::create_directories(model_dir, error);
  WM_ASSIGN_OR_RETURN(const int64_t version, NextModelVersion(model_dir));
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create model directory ", model_dir, ": ", error.message()));
  }
  if (created) WM_RETURN_IF_ERROR(SyncDirectory(ParentDirectory(model_dir)));
  std::string name = fs::path(model_dir).filename().string();
  if (name.empty()) name = fs::path(model_dir).parent_path().filename();
  manifest->set_name(name);
  manifest->set_version(version);
  const std::string final_dir = absl::StrCat(model_dir, "/", version);
  const std::string temporary_dir = final_dir + ".tmp";
  fs::remove_all(temporary_dir, error);
  fs::create_directories(temporary_dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", temporary_dir, ": ", error.message()));
  }
  if (write_files) WM_RETURN_IF_ERROR(write_files(temporary_dir));
  manifest->clear_file_sha256();
  for (const fs::directory_entry& entry :
       fs::directory_iterator(temporary_dir, error)) {
    if (!entry.is_regular_file(error)) continue;
    WM_ASSIGN_OR_RETURN(const std::string bytes,
                        ReadFileToString(entry.path().string()));
    (*manifest->mutable_file_sha256())[entry.path().filename().string()] =
        Sha256Hex(bytes);
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list ", temporary_dir, ": ", error.message()));
  }
  WM_RETURN_IF_ERROR(
      WriteTextProtoFile(temporary_dir + "/manifest.pbtxt", *manifest));
  // The files are synced (WriteFileAtomically); the version appears by one
  // rename that RenamePath makes durable.
  WM_RETURN_IF_ERROR(SyncDirectory(temporary_dir));
  WM_RETURN_IF_ERROR(RenamePath(temporary_dir, final_dir));
  return final_dir;
}

}  // namespace wm::worldmodel
