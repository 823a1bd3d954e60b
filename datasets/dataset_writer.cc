#include "datasets/dataset_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/hdf5_shard.h"
#include "datasets/state_layout.h"
#include "util/file_util.h"
#include "util/sha256.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::datasets {
namespace {

constexpr char kManifestName[] = "manifest.pbtxt";

// Shard files and their temporaries: "shard_<digits>.h5[.tmp.*]".
bool IsShardFileName(const std::string& name) {
  if (!absl::StartsWith(name, "shard_")) return false;
  const size_t dot = name.find(".h5");
  if (dot == std::string::npos || dot == 6) return false;
  for (size_t i = 6; i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  const std::string rest = name.substr(dot + 3);
  return rest.empty() || absl::StartsWith(rest, ".tmp.");
}

// The entry names in `directory`, without "." and "..".
absl::StatusOr<std::vector<std::string>> ListDirectory(
    const std::string& directory) {
  DIR* handle = opendir(directory.c_str());
  if (handle == nullptr) return ErrnoToStatus(errno, "list", directory);
  std::vector<std::string> names;
  while (const dirent* entry = readdir(handle)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(handle);
  return names;
}

absl::Status RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, "remove", path);
  }
  return absl::OkStatus();
}

// Makes `directory` exist and be empty of dataset files (see Create).
absl::Status PrepareDirectory(const std::string& directory, bool overwrite) {
  struct stat info;
  if (stat(directory.c_str(), &info) != 0) {
    if (errno != ENOENT) {
      return ErrnoToStatus(errno, "create dataset directory", directory);
    }
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) {
      return ErrnoToStatus(error.value(), "create dataset directory",
                           directory);
    }
    return absl::OkStatus();
  }
  if (!S_ISDIR(info.st_mode)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "dataset path '", directory, "' exists and is not a directory"));
  }
  WM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(directory));
  if (names.empty()) return absl::OkStatus();
  if (!overwrite) {
    return absl::AlreadyExistsError(
        absl::StrCat("dataset directory '", directory,
                     "' is not empty; pass overwrite to replace it"));
  }
  // The manifest goes first: from here on the directory is not a complete
  // dataset, whatever happens next.
  WM_RETURN_IF_ERROR(RemoveFile(absl::StrCat(directory, "/", kManifestName)));
  for (const std::string& name : names) {
    if (IsShardFileName(name)) {
      WM_RETURN_IF_ERROR(RemoveFile(absl::StrCat(directory, "/", name)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DatasetWriter>> DatasetWriter::Create(
    const std::string& directory, const v1::DatasetManifest& manifest,
    int64_t episodes_per_shard, bool overwrite) {
  if (episodes_per_shard < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "episodes_per_shard must be >= 1, got ", episodes_per_shard));
  }
  absl::Status spec_status = ValidateStateSpec(manifest.spec());
  if (!spec_status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", directory, "': ", spec_status.message()));
  }
  WM_RETURN_IF_ERROR(PrepareDirectory(directory, overwrite));
  v1::DatasetManifest initial = manifest;
  initial.set_format_version(1);
  initial.clear_shards();
  initial.set_num_episodes(0);
  initial.set_num_transitions(0);
  initial.set_num_dropped_episodes(0);
  return std::unique_ptr<DatasetWriter>(
      new DatasetWriter(directory, std::move(initial), episodes_per_shard));
}

DatasetWriter::DatasetWriter(std::string directory,
                             v1::DatasetManifest manifest,
                             int64_t episodes_per_shard)
    : directory_(std::move(directory)),
      manifest_(std::move(manifest)),
      episodes_per_shard_(episodes_per_shard) {}

DatasetWriter::~DatasetWriter() = default;

absl::Status DatasetWriter::Write(Episode episode) {
  if (finished_) {
    return absl::FailedPreconditionError(
        absl::StrCat("dataset '", directory_, "': Write() after Finish()"));
  }
  WM_RETURN_IF_ERROR(error_);
  WM_RETURN_IF_ERROR(episode.Validate());
  const v1::StateSpec& spec = manifest_.spec();
  if (episode.nq != spec.nq() || episode.nv != spec.nv() ||
      episode.nu != spec.nu() ||
      static_cast<int64_t>(episode.params.size()) !=
          manifest_.parameters_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "episode ", episode.index, ": sizes (nq ", episode.nq, ", nv ",
        episode.nv, ", nu ", episode.nu, ", params ", episode.params.size(),
        ") do not match the dataset's (", spec.nq(), ", ", spec.nv(), ", ",
        spec.nu(), ", ", manifest_.parameters_size(), ")"));
  }
  if (episode.index < 0 || episode.index <= last_index_) {
    return absl::InvalidArgumentError(
        absl::StrCat("episode ", episode.index, " arrived after episode ",
                     last_index_, ": indices must be >= 0 and increase"));
  }
  const int64_t shard = episode.index / episodes_per_shard_;
  if (shard != current_shard_) {
    error_ = FlushShard();
    WM_RETURN_IF_ERROR(error_);
    current_shard_ = shard;
  }
  last_index_ = episode.index;
  pending_.push_back(std::move(episode));
  return absl::OkStatus();
}

absl::Status DatasetWriter::FlushShard() {
  if (pending_.empty()) return absl::OkStatus();  // a range all dropped
  ShardContents contents;
  contents.nq = manifest_.spec().nq();
  contents.nv = manifest_.spec().nv();
  contents.nu = manifest_.spec().nu();
  contents.num_params = manifest_.parameters_size();
  contents.labels = LabelsOf(manifest_);
  contents.episodes = std::move(pending_);
  pending_.clear();

  const std::string name = absl::StrFormat("shard_%05d.h5", current_shard_);
  const std::string path = absl::StrCat(directory_, "/", name);
  WM_RETURN_IF_ERROR(WriteShardFile(path, contents));
  WM_ASSIGN_OR_RETURN(const std::string bytes, ReadFileToString(path));
  v1::ShardInfo* info = manifest_.add_shards();
  info->set_file(name);
  info->set_sha256(Sha256Hex(bytes));
  info->set_first_episode(current_shard_ * episodes_per_shard_);
  info->set_end_episode((current_shard_ + 1) * episodes_per_shard_);
  info->set_num_episodes(static_cast<int64_t>(contents.episodes.size()));
  info->set_num_states(contents.num_states());
  info->set_num_actions(contents.num_actions());
  manifest_.set_num_episodes(manifest_.num_episodes() + info->num_episodes());
  manifest_.set_num_transitions(manifest_.num_transitions() +
                                info->num_actions());
  return absl::OkStatus();
}

absl::StatusOr<v1::DatasetManifest> DatasetWriter::Finish(
    int64_t num_dropped_episodes) {
  if (finished_) {
    return absl::FailedPreconditionError(
        absl::StrCat("dataset '", directory_, "': Finish() called twice"));
  }
  WM_RETURN_IF_ERROR(error_);
  if (num_dropped_episodes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_dropped_episodes must be >= 0, got ", num_dropped_episodes));
  }
  error_ = FlushShard();
  WM_RETURN_IF_ERROR(error_);
  manifest_.set_num_dropped_episodes(num_dropped_episodes);
  // Shards are durable before the manifest that lists them appears.
  error_ = SyncDirectory(directory_);
  WM_RETURN_IF_ERROR(error_);
  error_ = WriteTextProtoFile(absl::StrCat(directory_, "/", kManifestName),
                              manifest_);
  WM_RETURN_IF_ERROR(error_);
  finished_ = true;
  return manifest_;
}

}  // namespace wm::datasets
