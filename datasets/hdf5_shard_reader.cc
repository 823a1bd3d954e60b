// ReadShardFile: reads one shard and checks its structure (hdf5_shard.h).

#include <hdf5.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/hdf5_shard.h"
#include "datasets/hdf5_util.h"
#include "util/file_util.h"
#include "util/status_macros.h"

namespace wm::datasets {
namespace {

using internal::Hid;
using internal::SilenceHdf5Errors;
using internal::TakeHdf5Error;

// One dataset read into memory: its dimensions and row-major values.
template <typename T>
struct Array {
  std::vector<int64_t> dims;
  std::vector<T> values;
};

class ShardReader {
 public:
  ShardReader(std::string path, int64_t file_size)
      : path_(std::move(path)), file_size_(file_size) {}

  absl::Status DataLoss(const std::string& problem) const {
    return absl::DataLossError(absl::StrCat("shard '", path_, "': ", problem));
  }

  // Reads dataset `name` of rank `rank` whose elements are of HDF5 class
  // `type_class` into `out`, converting to `memory_type`.
  template <typename T>
  absl::Status Read(hid_t file, const char* name, int rank,
                    H5T_class_t type_class, hid_t memory_type, Array<T>* out) {
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return DataLoss(absl::StrCat("missing dataset '", name, "'"));
    }
    Hid dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
    if (!dataset.valid()) {
      return DataLoss(
          absl::StrCat("cannot open dataset '", name, "': ", TakeHdf5Error()));
    }
    Hid space(H5Dget_space(dataset.get()), H5Sclose);
    Hid type(H5Dget_type(dataset.get()), H5Tclose);
    if (!space.valid() || !type.valid()) {
      return DataLoss(absl::StrCat("cannot inspect dataset '", name,
                                   "': ", TakeHdf5Error()));
    }
    const int actual_rank = H5Sget_simple_extent_ndims(space.get());
    if (actual_rank != rank) {
      return DataLoss(absl::StrCat("dataset '", name, "' has rank ",
                                   actual_rank, ", expected ", rank));
    }
    if (H5Tget_class(type.get()) != type_class ||
        H5Tget_size(type.get()) != 8) {
      return DataLoss(absl::StrCat(
          "dataset '", name, "' has the wrong element type (expected ",
          type_class == H5T_FLOAT ? "f8" : "i64", ")"));
    }
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    // A corrupt header can claim any size: refuse more than the file holds
    // before allocating (our datasets are stored uncompressed).
    uint64_t elements = 1;
    for (hsize_t dim : dims) {
      if (dim > static_cast<hsize_t>(file_size_))
        elements = UINT64_MAX;
      else if (elements != UINT64_MAX)
        elements *= dim;
    }
    if (elements > static_cast<uint64_t>(file_size_) / 8) {
      return DataLoss(absl::StrCat("dataset '", name,
                                   "' claims more data than the file's ",
                                   file_size_, " bytes"));
    }
    out->dims.assign(dims.begin(), dims.end());
    out->values.resize(elements);
    if (elements > 0 && H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, out->values.data()) < 0) {
      return DataLoss(
          absl::StrCat("cannot read dataset '", name, "': ", TakeHdf5Error()));
    }
    return absl::OkStatus();
  }

  // DATA_LOSS unless `offsets` starts at 0, never decreases and ends at
  // `total`.
  absl::Status CheckOffsets(const char* name,
                            const std::vector<int64_t>& offsets,
                            int64_t total) const {
    if (offsets.front() != 0) {
      return DataLoss(
          absl::StrCat(name, "[0] is ", offsets.front(), ", expected 0"));
    }
    for (size_t e = 1; e < offsets.size(); ++e) {
      if (offsets[e] < offsets[e - 1]) {
        return DataLoss(absl::StrCat(name, " decreases at ", e, ": ",
                                     offsets[e - 1], " then ", offsets[e]));
      }
    }
    if (offsets.back() != total) {
      return DataLoss(absl::StrCat(name, " ends at ", offsets.back(),
                                   " but there are ", total, " rows"));
    }
    return absl::OkStatus();
  }

  // The shard's datasets, as read.
  struct Arrays {
    Array<double> qpos, qvel, time, ctrl, params;
    Array<int64_t> state_offsets, action_offsets, indices;
  };

  absl::StatusOr<ShardContents> ReadAll(hid_t file) {
    Arrays arrays;
    const hid_t f8 = H5T_NATIVE_DOUBLE, i64 = H5T_NATIVE_INT64;
    WM_RETURN_IF_ERROR(Read(file, "qpos", 2, H5T_FLOAT, f8, &arrays.qpos));
    WM_RETURN_IF_ERROR(Read(file, "qvel", 2, H5T_FLOAT, f8, &arrays.qvel));
    WM_RETURN_IF_ERROR(Read(file, "time", 1, H5T_FLOAT, f8, &arrays.time));
    WM_RETURN_IF_ERROR(Read(file, "ctrl", 2, H5T_FLOAT, f8, &arrays.ctrl));
    WM_RETURN_IF_ERROR(Read(file, "state_offsets", 1, H5T_INTEGER, i64,
                            &arrays.state_offsets));
    WM_RETURN_IF_ERROR(Read(file, "action_offsets", 1, H5T_INTEGER, i64,
                            &arrays.action_offsets));
    WM_RETURN_IF_ERROR(
        Read(file, "episode_index", 1, H5T_INTEGER, i64, &arrays.indices));
    WM_RETURN_IF_ERROR(Read(file, "params", 2, H5T_FLOAT, f8, &arrays.params));
    WM_RETURN_IF_ERROR(CheckShapes(arrays));
    return SliceEpisodes(arrays);
  }

  // The arrays' shapes agree with each other.
  absl::Status CheckShapes(const Arrays& a) {
    const int64_t num_states = a.qpos.dims[0];
    const int64_t num_episodes = a.indices.dims[0];
    if (a.qvel.dims[0] != num_states || a.time.dims[0] != num_states) {
      return DataLoss(absl::StrCat("qpos, qvel and time have ", num_states,
                                   ", ", a.qvel.dims[0], " and ",
                                   a.time.dims[0], " rows; expected equal"));
    }
    if (a.state_offsets.dims[0] != num_episodes + 1 ||
        a.action_offsets.dims[0] != num_episodes + 1 ||
        a.params.dims[0] != num_episodes) {
      return DataLoss(absl::StrCat(
          "episode_index has ", num_episodes, " entries but state_offsets ",
          a.state_offsets.dims[0], ", action_offsets ",
          a.action_offsets.dims[0], " and params ", a.params.dims[0],
          " rows (expected E + 1, E + 1, E)"));
    }
    constexpr int64_t kMaxWidth = std::numeric_limits<int>::max();
    if (a.qpos.dims[1] > kMaxWidth || a.qvel.dims[1] > kMaxWidth ||
        a.ctrl.dims[1] > kMaxWidth || a.params.dims[1] > kMaxWidth) {
      return DataLoss("implausibly wide qpos, qvel, ctrl or params");
    }
    WM_RETURN_IF_ERROR(
        CheckOffsets("state_offsets", a.state_offsets.values, num_states));
    return CheckOffsets("action_offsets", a.action_offsets.values,
                        a.ctrl.dims[0]);
  }

  // The episodes the checked arrays hold, each validated.
  absl::StatusOr<ShardContents> SliceEpisodes(const Arrays& a) {
    ShardContents shard;
    shard.nq = static_cast<int>(a.qpos.dims[1]);
    shard.nv = static_cast<int>(a.qvel.dims[1]);
    shard.nu = static_cast<int>(a.ctrl.dims[1]);
    shard.num_params = static_cast<int>(a.params.dims[1]);
    const int64_t num_episodes = a.indices.dims[0];
    shard.episodes.reserve(num_episodes);
    auto rows = [](const std::vector<double>& values, int64_t begin,
                   int64_t end, int64_t width) {
      return std::vector<double>(values.begin() + begin * width,
                                 values.begin() + end * width);
    };
    for (int64_t e = 0; e < num_episodes; ++e) {
      const int64_t s0 = a.state_offsets.values[e];
      const int64_t s1 = a.state_offsets.values[e + 1];
      const int64_t a0 = a.action_offsets.values[e];
      const int64_t a1 = a.action_offsets.values[e + 1];
      const int64_t index = a.indices.values[e];
      if (index < 0 || (e > 0 && index <= a.indices.values[e - 1])) {
        return DataLoss(absl::StrCat("episode_index[", e, "] = ", index,
                                     " is negative or not increasing"));
      }
      if (a1 - a0 < 1 || s1 - s0 != a1 - a0 + 1) {
        return DataLoss(absl::StrCat("episode ", index, " has ", s1 - s0,
                                     " states and ", a1 - a0,
                                     " actions; expected T + 1 and T >= 1"));
      }
      Episode episode;
      episode.index = index;
      episode.nq = shard.nq;
      episode.nv = shard.nv;
      episode.nu = shard.nu;
      episode.qpos = rows(a.qpos.values, s0, s1, shard.nq);
      episode.qvel = rows(a.qvel.values, s0, s1, shard.nv);
      episode.time = rows(a.time.values, s0, s1, 1);
      episode.ctrl = rows(a.ctrl.values, a0, a1, shard.nu);
      episode.params = rows(a.params.values, e, e + 1, shard.num_params);
      absl::Status valid = episode.Validate();
      if (!valid.ok()) return DataLoss(std::string(valid.message()));
      shard.episodes.push_back(std::move(episode));
    }
    return shard;
  }

 private:
  std::string path_;
  int64_t file_size_;
};

}  // namespace

absl::StatusOr<ShardContents> ReadShardFile(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return ErrnoToStatus(errno, "open shard", path);
  }
  ShardReader reader(path, static_cast<int64_t>(info.st_size));
  SilenceHdf5Errors();
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    return reader.DataLoss(absl::StrCat(
        "not a readable HDF5 file (truncated or corrupt?): ", TakeHdf5Error()));
  }
  return reader.ReadAll(file.get());
}

}  // namespace wm::datasets
