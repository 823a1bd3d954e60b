#include "datasets/d4rl_export.h"

#include <hdf5.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/hdf5_util.h"
#include "datasets/hdf5_writing.h"
#include "datasets/shard_labels.h"
#include "util/status_macros.h"

namespace wm::datasets {
namespace {

using internal::Hdf5Internal;
using internal::Hid;
using internal::WriteArray;
using internal::WriteColumnLabels;
using internal::WriteScalarAttribute;
using internal::WriteStringsAttribute;

// The transitions of the selected episodes, row by row.
struct Transitions {
  int nx = 0, nu = 0, num_params = 0;
  int64_t episodes = 0;
  std::vector<float> observations, actions, next_observations;
  std::vector<uint8_t> timeouts;
  std::vector<int64_t> episode_index;
  std::vector<double> params;

  int64_t rows() const { return static_cast<int64_t>(timeouts.size()); }

  void Append(const Episode& episode) {
    const auto state = [&](int64_t t, std::vector<float>& out) {
      for (int i = 0; i < episode.nq; ++i) {
        out.push_back(static_cast<float>(episode.qpos[t * episode.nq + i]));
      }
      for (int i = 0; i < episode.nv; ++i) {
        out.push_back(static_cast<float>(episode.qvel[t * episode.nv + i]));
      }
    };
    const int64_t steps = episode.num_steps();
    for (int64_t t = 0; t < steps; ++t) {
      state(t, observations);
      state(t + 1, next_observations);
      for (int i = 0; i < episode.nu; ++i) {
        actions.push_back(static_cast<float>(episode.ctrl[t * episode.nu + i]));
      }
      timeouts.push_back(t + 1 == steps);
      episode_index.push_back(episode.index);
      params.insert(params.end(), episode.params.begin(), episode.params.end());
    }
    ++episodes;
  }
};

absl::Status WriteTransitions(const std::string& temporary,
                              const Transitions& data,
                              const v1::DatasetManifest& manifest,
                              const std::string& source) {
  Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  if (!fcpl.valid() || H5Pset_obj_track_times(fcpl.get(), false) < 0) {
    return Hdf5Internal("preparing file properties", temporary);
  }
  Hid file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT),
           H5Fclose);
  if (!file.valid()) return Hdf5Internal("creating HDF5 file", temporary);
  const hid_t id = file.get();
  const auto n = static_cast<hsize_t>(data.rows());
  const auto nx = static_cast<hsize_t>(data.nx);
  const auto nu = static_cast<hsize_t>(data.nu);
  const std::vector<float> zeros(n, 0.0f);
  const std::vector<uint8_t> never(n, 0);
  const hid_t f4 = H5T_IEEE_F32LE, mf4 = H5T_NATIVE_FLOAT;
  const hid_t u1 = H5T_STD_U8LE, mu1 = H5T_NATIVE_UINT8;
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "observations", f4, mf4, {n, nx},
                                data.observations.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "actions", f4, mf4, {n, nu},
                                data.actions.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "next_observations", f4, mf4,
                                {n, nx}, data.next_observations.data()));
  WM_RETURN_IF_ERROR(
      WriteArray(id, temporary, "rewards", f4, mf4, {n}, zeros.data()));
  WM_RETURN_IF_ERROR(
      WriteArray(id, temporary, "terminals", u1, mu1, {n}, never.data()));
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "timeouts", u1, mu1, {n},
                                data.timeouts.data()));
  Hid infos(H5Gcreate2(id, "infos", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            H5Gclose);
  if (!infos.valid()) return Hdf5Internal("creating group 'infos'", temporary);
  WM_RETURN_IF_ERROR(WriteArray(id, temporary, "infos/episode_index",
                                H5T_STD_I64LE, H5T_NATIVE_INT64, {n},
                                data.episode_index.data()));
  WM_RETURN_IF_ERROR(WriteArray(
      id, temporary, "infos/params", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
      {n, static_cast<hsize_t>(data.num_params)}, data.params.data()));

  const ShardLabels labels = LabelsOf(manifest);
  ColumnLabels state = labels.qpos;
  state.names.insert(state.names.end(), labels.qvel.names.begin(),
                     labels.qvel.names.end());
  state.units.insert(state.units.end(), labels.qvel.units.begin(),
                     labels.qvel.units.end());
  WM_RETURN_IF_ERROR(WriteColumnLabels(id, temporary, "observations", state));
  WM_RETURN_IF_ERROR(
      WriteColumnLabels(id, temporary, "next_observations", state));
  WM_RETURN_IF_ERROR(WriteColumnLabels(id, temporary, "actions", labels.ctrl));
  WM_RETURN_IF_ERROR(WriteScalarAttribute(id, temporary, "dt", H5T_IEEE_F64LE,
                                          H5T_NATIVE_DOUBLE, &labels.dt));
  WM_RETURN_IF_ERROR(
      WriteStringsAttribute(id, temporary, "source_dataset", {source}));
  if (!infos.Close() || !file.Close()) {
    return Hdf5Internal("closing HDF5 file", temporary);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<D4rlExportSummary> ExportD4rl(const Dataset& dataset,
                                             std::optional<Split> split,
                                             const std::string& path) {
  Transitions data;
  data.nx = dataset.spec().nq() + dataset.spec().nv();
  data.nu = dataset.spec().nu();
  data.num_params = dataset.manifest().parameters_size();
  WM_RETURN_IF_ERROR(dataset.ForEachEpisode([&](const Episode& episode) {
    if (!split || SplitOf(episode.index, SplitFractions()) == *split) {
      data.Append(episode);
    }
    return absl::OkStatus();
  }));
  if (data.episodes == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(dataset.directory(), " has no ",
                     split ? absl::StrCat(SplitName(*split), " ") : "",
                     "episodes to export"));
  }
  absl::Status status = internal::WriteHdf5FileAtomically(
      path, [&](const std::string& temporary) {
        return WriteTransitions(temporary, data, dataset.manifest(),
                                dataset.directory());
      });
  WM_RETURN_IF_ERROR(status);
  return D4rlExportSummary{data.episodes, data.rows()};
}

}  // namespace wm::datasets
