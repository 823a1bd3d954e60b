#include "datasets/hdf5_shard.h"

#include <hdf5.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/hdf5_util.h"
#include "datasets/hdf5_writing.h"
#include "datasets/split.h"
#include "util/status_macros.h"

namespace wm::datasets {
namespace {

using internal::Hdf5Internal;
using internal::Hid;
using internal::SilenceHdf5Errors;
using internal::WriteArray;
using internal::WriteColumnLabels;
using internal::WriteHdf5FileAtomically;
using internal::WriteScalarAttribute;

// The labels (shard_labels.h) of the shard being written to `file`.
absl::Status WriteLabels(hid_t file, const std::string& path,
                         const ShardContents& shard) {
  const ShardLabels& labels = *shard.labels;
  const int64_t version = labels.format_version;
  WM_RETURN_IF_ERROR(WriteScalarAttribute(
      file, path, "format_version", H5T_STD_I64LE, H5T_NATIVE_INT64, &version));
  WM_RETURN_IF_ERROR(WriteScalarAttribute(file, path, "dt", H5T_IEEE_F64LE,
                                          H5T_NATIVE_DOUBLE, &labels.dt));
  WM_RETURN_IF_ERROR(WriteColumnLabels(file, path, "qpos", labels.qpos));
  WM_RETURN_IF_ERROR(WriteColumnLabels(file, path, "qvel", labels.qvel));
  WM_RETURN_IF_ERROR(WriteColumnLabels(file, path, "ctrl", labels.ctrl));
  WM_RETURN_IF_ERROR(WriteColumnLabels(file, path, "params", labels.params));
  constexpr size_t kWidth = 10;  // "validation"
  std::string splits(kWidth * shard.episodes.size(), '\0');
  for (size_t e = 0; e < shard.episodes.size(); ++e) {
    const std::string name =
        SplitName(SplitOf(shard.episodes[e].index, SplitFractions()));
    splits.replace(e * kWidth, name.size(), name);
  }
  Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.valid() || H5Tset_size(type.get(), kWidth) < 0 ||
      H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0) {
    return Hdf5Internal("preparing dataset 'split'", path);
  }
  return WriteArray(file, path, "split", type.get(), type.get(),
                    {static_cast<hsize_t>(shard.episodes.size())},
                    splits.data());
}

// INVALID_ARGUMENT unless `labels` name `count` columns of `array`.
absl::Status CheckColumnLabels(const char* array, const ColumnLabels& labels,
                               int count) {
  if (static_cast<int>(labels.names.size()) != count ||
      labels.units.size() != labels.names.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shard labels name ", labels.names.size(), " columns of ", array,
        " with ", labels.units.size(), " units; it has ", count));
  }
  return absl::OkStatus();
}

absl::Status CheckEpisode(const Episode& episode, const ShardContents& shard,
                          int64_t previous_index) {
  WM_RETURN_IF_ERROR(episode.Validate());
  if (episode.nq != shard.nq || episode.nv != shard.nv ||
      episode.nu != shard.nu ||
      static_cast<int64_t>(episode.params.size()) != shard.num_params) {
    return absl::InvalidArgumentError(absl::StrCat(
        "episode ", episode.index, ": sizes (nq ", episode.nq, ", nv ",
        episode.nv, ", nu ", episode.nu, ", params ", episode.params.size(),
        ") differ from the shard's (", shard.nq, ", ", shard.nv, ", ", shard.nu,
        ", ", shard.num_params, ")"));
  }
  if (episode.index <= previous_index) {
    return absl::InvalidArgumentError(
        absl::StrCat("episode ", episode.index, " follows episode ",
                     previous_index, ": indices must increase"));
  }
  return absl::OkStatus();
}

// Writes every dataset into the already created file at `temporary`.
absl::Status WriteContents(const std::string& temporary,
                           const ShardContents& shard) {
  const auto num_episodes = static_cast<hsize_t>(shard.episodes.size());
  std::vector<double> qpos, qvel, time, ctrl, params;
  std::vector<int64_t> state_offsets = {0}, action_offsets = {0}, indices;
  for (const Episode& episode : shard.episodes) {
    qpos.insert(qpos.end(), episode.qpos.begin(), episode.qpos.end());
    qvel.insert(qvel.end(), episode.qvel.begin(), episode.qvel.end());
    time.insert(time.end(), episode.time.begin(), episode.time.end());
    ctrl.insert(ctrl.end(), episode.ctrl.begin(), episode.ctrl.end());
    params.insert(params.end(), episode.params.begin(), episode.params.end());
    state_offsets.push_back(state_offsets.back() + episode.num_steps() + 1);
    action_offsets.push_back(action_offsets.back() + episode.num_steps());
    indices.push_back(episode.index);
  }
  const auto num_states = static_cast<hsize_t>(state_offsets.back());
  const auto num_actions = static_cast<hsize_t>(action_offsets.back());

  // No timestamps on the root group or datasets, and a fixed range of
  // format versions: identical input gives identical bytes.
  Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fcpl.valid() || !fapl.valid() ||
      H5Pset_obj_track_times(fcpl.get(), false) < 0 ||
      H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) <
          0) {
    return Hdf5Internal("preparing file properties", temporary);
  }
  Hid file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
           H5Fclose);
  if (!file.valid()) return Hdf5Internal("creating HDF5 file", temporary);

  const hid_t f8 = H5T_IEEE_F64LE, i64 = H5T_STD_I64LE;
  const hid_t mf8 = H5T_NATIVE_DOUBLE, mi64 = H5T_NATIVE_INT64;
  const hid_t id = file.get();
  const auto nq = static_cast<hsize_t>(shard.nq);
  const auto nv = static_cast<hsize_t>(shard.nv);
  const auto nu = static_cast<hsize_t>(shard.nu);
  const auto num_params = static_cast<hsize_t>(shard.num_params);
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "qpos", f8, mf8,
                                {num_states, nq}, qpos.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "qvel", f8, mf8,
                                {num_states, nv}, qvel.data()));
  WM_RETURN_IF_ERROR(
      WriteArray(id, temporary, "time", f8, mf8, {num_states}, time.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "ctrl", f8, mf8,
                                {num_actions, nu}, ctrl.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "state_offsets", i64, mi64,
                                {num_episodes + 1}, state_offsets.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "action_offsets", i64, mi64,
                                {num_episodes + 1}, action_offsets.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "episode_index", i64, mi64,
                                {num_episodes}, indices.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "params", f8, mf8,
                                {num_episodes, num_params}, params.data()));
  if (shard.labels.has_value()) {
    WM_RETURN_IF_ERROR(WriteLabels(id, temporary, shard));
  }
  if (!file.Close()) return Hdf5Internal("closing HDF5 file", temporary);
  return absl::OkStatus();
}

}  // namespace

int64_t ShardContents::num_states() const {
  int64_t total = 0;
  for (const Episode& episode : episodes) total += episode.num_steps() + 1;
  return total;
}

int64_t ShardContents::num_actions() const {
  int64_t total = 0;
  for (const Episode& episode : episodes) total += episode.num_steps();
  return total;
}

absl::Status WriteShardFile(const std::string& path,
                            const ShardContents& shard) {
  if (shard.nq < 0 || shard.nv < 0 || shard.nu < 0 || shard.num_params < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard '", path, "': negative sizes"));
  }
  int64_t previous_index = std::numeric_limits<int64_t>::min();
  for (const Episode& episode : shard.episodes) {
    WM_RETURN_IF_ERROR(CheckEpisode(episode, shard, previous_index));
    previous_index = episode.index;
  }
  if (shard.labels.has_value()) {
    WM_RETURN_IF_ERROR(CheckColumnLabels("qpos", shard.labels->qpos, shard.nq));
    WM_RETURN_IF_ERROR(CheckColumnLabels("qvel", shard.labels->qvel, shard.nv));
    WM_RETURN_IF_ERROR(CheckColumnLabels("ctrl", shard.labels->ctrl, shard.nu));
    WM_RETURN_IF_ERROR(
        CheckColumnLabels("params", shard.labels->params, shard.num_params));
  }
  return WriteHdf5FileAtomically(path, [&](const std::string& temporary) {
    return WriteContents(temporary, shard);
  });
}

}  // namespace wm::datasets
