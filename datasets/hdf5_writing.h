#ifndef WM_DATASETS_HDF5_WRITING_H_
#define WM_DATASETS_HDF5_WRITING_H_

// Internal helpers for writing HDF5 files (shards, exports): arrays and
// attributes, with errors as Status naming the file. Not part of the
// datasets/ interface. Callers silence HDF5's own error printing first
// (SilenceHdf5Errors, hdf5_util.h).

#include <hdf5.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "datasets/hdf5_util.h"
#include "datasets/shard_labels.h"

namespace wm::datasets::internal {

// INTERNAL: "<what> in '<path>': <HDF5's error stack>".
absl::Status Hdf5Internal(const std::string& what, const std::string& path);

// Creates dataset `name` of file type `file_type` in `file` and writes
// `data` (given in `memory_type`), without timestamps. Zero-sized
// dimensions give an empty dataset.
absl::Status WriteArray(hid_t file, const std::string& path, const char* name,
                        hid_t file_type, hid_t memory_type,
                        std::vector<hsize_t> dims, const void* data);

// Writes attribute `name` of `object`: `values` as fixed-length,
// null-padded strings (h5py reads them as bytes).
absl::Status WriteStringsAttribute(hid_t object, const std::string& path,
                                   const char* name,
                                   const std::vector<std::string>& values);

// Writes scalar attribute `name` of `object` in `file_type` from `value`
// (in `memory_type`).
absl::Status WriteScalarAttribute(hid_t object, const std::string& path,
                                  const char* name, hid_t file_type,
                                  hid_t memory_type, const void* value);

// The `columns` and `units` attributes (`labels`) of dataset `array` in
// `file`.
absl::Status WriteColumnLabels(hid_t file, const std::string& path,
                               const char* array, const ColumnLabels& labels);

// Writes the HDF5 file `path` so that readers never see it torn: `fill`
// writes a temporary sibling (created first, so that errno names a missing
// directory or a permission problem), which is then synced and renamed over
// `path`; on any error the temporary file is removed. Silences HDF5's own
// error printing.
absl::Status WriteHdf5FileAtomically(
    const std::string& path,
    const std::function<absl::Status(const std::string& temporary)>& fill);

}  // namespace wm::datasets::internal

#endif  // WM_DATASETS_HDF5_WRITING_H_
