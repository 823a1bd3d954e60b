#include "datasets/hdf5_writing.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "util/file_util.h"
#include "util/status_macros.h"

namespace wm::datasets::internal {

absl::Status Hdf5Internal(const std::string& what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " in '", path, "': ", TakeHdf5Error()));
}

// Creates dataset `name` of file type `file_type` and writes `data` (given in
// `memory_type`). Zero-sized dimensions give an empty dataset.
absl::Status WriteArray(hid_t file, const std::string& path, const char* name,
                        hid_t file_type, hid_t memory_type,
                        std::vector<hsize_t> dims, const void* data) {
  Hid space(
      H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
      H5Sclose);
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (!space.valid() || !dcpl.valid() ||
      H5Pset_obj_track_times(dcpl.get(), false) < 0) {
    return Hdf5Internal(absl::StrCat("preparing dataset '", name, "'"), path);
  }
  Hid dataset(H5Dcreate2(file, name, file_type, space.get(), H5P_DEFAULT,
                         dcpl.get(), H5P_DEFAULT),
              H5Dclose);
  if (!dataset.valid()) {
    return Hdf5Internal(absl::StrCat("creating dataset '", name, "'"), path);
  }
  hsize_t elements = 1;
  for (hsize_t dim : dims) elements *= dim;
  if (elements > 0 && H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL,
                               H5P_DEFAULT, data) < 0) {
    return Hdf5Internal(absl::StrCat("writing dataset '", name, "'"), path);
  }
  if (!dataset.Close()) {
    return Hdf5Internal(absl::StrCat("closing dataset '", name, "'"), path);
  }
  return absl::OkStatus();
}

// Writes attribute `name` of `object`: `values` as fixed-length strings.
absl::Status WriteStringsAttribute(hid_t object, const std::string& path,
                                   const char* name,
                                   const std::vector<std::string>& values) {
  size_t width = 1;
  for (const std::string& value : values) width = std::max(width, value.size());
  std::string packed(width * values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    packed.replace(i * width, values[i].size(), values[i]);
  }
  Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
  const hsize_t count = values.size();
  Hid space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  if (!type.valid() || !space.valid() || H5Tset_size(type.get(), width) < 0 ||
      H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0) {
    return Hdf5Internal(absl::StrCat("preparing attribute '", name, "'"), path);
  }
  Hid attribute(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT,
                           H5P_DEFAULT),
                H5Aclose);
  if (!attribute.valid() ||
      (count > 0 && H5Awrite(attribute.get(), type.get(), packed.data()) < 0) ||
      !attribute.Close()) {
    return Hdf5Internal(absl::StrCat("writing attribute '", name, "'"), path);
  }
  return absl::OkStatus();
}

// Writes scalar attribute `name` of `object` in `file_type`.
absl::Status WriteScalarAttribute(hid_t object, const std::string& path,
                                  const char* name, hid_t file_type,
                                  hid_t memory_type, const void* value) {
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  Hid attribute(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT,
                           H5P_DEFAULT),
                H5Aclose);
  if (!space.valid() || !attribute.valid() ||
      H5Awrite(attribute.get(), memory_type, value) < 0 || !attribute.Close()) {
    return Hdf5Internal(absl::StrCat("writing attribute '", name, "'"), path);
  }
  return absl::OkStatus();
}

absl::Status WriteColumnLabels(hid_t file, const std::string& path,
                               const char* array, const ColumnLabels& labels) {
  Hid dataset(H5Dopen2(file, array, H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) {
    return Hdf5Internal(absl::StrCat("opening dataset '", array, "'"), path);
  }
  WM_RETURN_IF_ERROR(
      WriteStringsAttribute(dataset.get(), path, "columns", labels.names));
  return WriteStringsAttribute(dataset.get(), path, "units", labels.units);
}

absl::Status WriteHdf5FileAtomically(
    const std::string& path,
    const std::function<absl::Status(const std::string& temporary)>& fill) {
  SilenceHdf5Errors();
  const std::string temporary = TemporarySiblingPath(path);
  // Created here to learn the real errno on failure (HDF5 does not report
  // it), then closed for HDF5 to truncate and fill.
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, "create", temporary);
  close(fd);
  absl::Status status = fill(temporary);
  if (status.ok()) status = SyncFile(temporary);
  if (status.ok()) status = RenamePath(temporary, path);
  if (!status.ok()) unlink(temporary.c_str());
  return status;
}

}  // namespace wm::datasets::internal
