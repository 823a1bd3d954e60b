#include "datasets/dataset.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

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

uint64_t Fnv1a64(const std::string& bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// DATA_LOSS unless the shard list agrees with the totals and every listed
// shard file exists.
absl::Status CheckManifest(const std::string& directory,
                           const v1::DatasetManifest& manifest) {
  const std::string where = absl::StrCat("dataset '", directory, "': ");
  int64_t episodes = 0, transitions = 0;
  for (const v1::ShardInfo& shard : manifest.shards()) {
    if (shard.file().empty() || shard.file().find('/') != std::string::npos ||
        shard.num_episodes() < 0 || shard.num_actions() < 0 ||
        shard.num_states() != shard.num_actions() + shard.num_episodes()) {
      return absl::DataLossError(absl::StrCat(
          where, "manifest lists an inconsistent shard '", shard.file(), "'"));
    }
    episodes += shard.num_episodes();
    transitions += shard.num_actions();
    const std::string path = absl::StrCat(directory, "/", shard.file());
    struct stat info;
    if (stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      return absl::DataLossError(absl::StrCat(
          where, "shard '", path, "' listed in the manifest is missing"));
    }
  }
  if (episodes != manifest.num_episodes() ||
      transitions != manifest.num_transitions()) {
    return absl::DataLossError(absl::StrCat(
        where, "the manifest's shards hold ", episodes, " episodes and ",
        transitions, " transitions but it states ", manifest.num_episodes(),
        " and ", manifest.num_transitions()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Dataset>> Dataset::Open(
    const std::string& directory) {
  struct stat info;
  if (stat(directory.c_str(), &info) != 0) {
    return ErrnoToStatus(errno, "open dataset directory", directory);
  }
  const std::string manifest_path = absl::StrCat(directory, "/manifest.pbtxt");
  absl::StatusOr<std::string> text = ReadFileToString(manifest_path);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(absl::StrCat(
        "'", directory,
        "' is not a complete dataset: it has no manifest.pbtxt (the manifest "
        "is written last, so generation may be running or was interrupted)"));
  }
  WM_RETURN_IF_ERROR(text.status());
  v1::DatasetManifest manifest;
  absl::Status parsed = ParseTextProto(*text, manifest_path, &manifest);
  if (!parsed.ok()) return absl::DataLossError(parsed.message());
  if (manifest.format_version() != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        manifest_path, ": format_version ", manifest.format_version(),
        " is not supported (this build reads version 1)"));
  }
  absl::Status spec_status = ValidateStateSpec(manifest.spec());
  if (!spec_status.ok()) {
    return absl::DataLossError(
        absl::StrCat(manifest_path, ": ", spec_status.message()));
  }
  WM_RETURN_IF_ERROR(CheckManifest(directory, manifest));
  return std::unique_ptr<Dataset>(new Dataset(directory, std::move(manifest)));
}

absl::StatusOr<std::vector<Episode>> Dataset::ReadShard(int k) const {
  if (k < 0 || k >= num_shards()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", directory_, "': shard ", k,
                     " out of range [0, ", num_shards(), ")"));
  }
  const v1::ShardInfo& info = manifest_.shards(k);
  const std::string path = absl::StrCat(directory_, "/", info.file());
  auto missing = [&] {
    return absl::DataLossError(
        absl::StrCat("shard '", path, "' listed in the manifest is missing"));
  };
  if (!info.sha256().empty()) {
    // libhdf5 can crash on a corrupt file (tests/fuzz/known_crashes/): it
    // parses only the bytes this dataset's writer wrote.
    absl::StatusOr<std::string> bytes = ReadFileToString(path);
    if (absl::IsNotFound(bytes.status())) return missing();
    WM_RETURN_IF_ERROR(bytes.status());
    WM_RETURN_IF_ERROR(
        CheckSha256(*bytes, info.sha256(), absl::StrCat("shard '", path, "'")));
  }
  absl::StatusOr<ShardContents> read = ReadShardFile(path);
  if (absl::IsNotFound(read.status())) return missing();
  WM_RETURN_IF_ERROR(read.status());
  ShardContents& shard = *read;
  const v1::StateSpec& spec = manifest_.spec();
  auto mismatch = [&](const std::string& what, int64_t in_file,
                      int64_t in_manifest) {
    return absl::DataLossError(
        absl::StrCat("shard '", path, "': ", what, " is ", in_file,
                     " in the file but ", in_manifest, " in the manifest"));
  };
  if (shard.nq != spec.nq()) return mismatch("nq", shard.nq, spec.nq());
  if (shard.nv != spec.nv()) return mismatch("nv", shard.nv, spec.nv());
  if (shard.nu != spec.nu()) return mismatch("nu", shard.nu, spec.nu());
  if (shard.num_params != manifest_.parameters_size()) {
    return mismatch("the parameter count", shard.num_params,
                    manifest_.parameters_size());
  }
  const auto num_episodes = static_cast<int64_t>(shard.episodes.size());
  if (num_episodes != info.num_episodes()) {
    return mismatch("the episode count", num_episodes, info.num_episodes());
  }
  if (shard.num_states() != info.num_states()) {
    return mismatch("the state count", shard.num_states(), info.num_states());
  }
  if (shard.num_actions() != info.num_actions()) {
    return mismatch("the action count", shard.num_actions(),
                    info.num_actions());
  }
  for (const Episode& episode : shard.episodes) {
    if (episode.index < info.first_episode() ||
        episode.index >= info.end_episode()) {
      return absl::DataLossError(
          absl::StrCat("shard '", path, "': episode ", episode.index,
                       " lies outside the manifest's range [",
                       info.first_episode(), ", ", info.end_episode(), ")"));
    }
  }
  return std::move(shard.episodes);
}

absl::Status Dataset::ForEachEpisode(
    const std::function<absl::Status(const Episode&)>& visit) const {
  for (int k = 0; k < num_shards(); ++k) {
    WM_ASSIGN_OR_RETURN(std::vector<Episode> episodes, ReadShard(k));
    for (const Episode& episode : episodes) {
      WM_RETURN_IF_ERROR(visit(episode));
    }
  }
  return absl::OkStatus();
}

std::string Dataset::Fingerprint() const {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    manifest_.SerializeToCodedStream(&coded);
  }
  return absl::StrFormat("%016x", Fnv1a64(bytes));
}

}  // namespace wm::datasets
