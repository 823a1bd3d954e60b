#ifndef WM_DATASETS_HDF5_UTIL_H_
#define WM_DATASETS_HDF5_UTIL_H_

// Internal helpers for the HDF5 C API shared by the shard writer and reader.
// Not part of the datasets/ interface.

#include <hdf5.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace wm::datasets::internal {

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Hid() { Close(); }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now; false when HDF5 reports an error (e.g. a failed flush).
  bool Close() {
    bool ok = true;
    if (id_ >= 0) ok = closer_(id_) >= 0;
    id_ = -1;
    return ok;
  }

 private:
  hid_t id_;
  Closer closer_;
};

// HDF5 prints its error stack to stderr by default; we report through
// Status instead. The setting is per thread in thread-safe builds, so every
// entry point calls this.
inline void SilenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

inline herr_t CollectHdf5Error(unsigned, const H5E_error2_t* error,
                               void* data) {
  auto* messages = static_cast<std::vector<std::string>*>(data);
  if (error->desc != nullptr && error->desc[0] != '\0') {
    messages->push_back(absl::StrCat(error->func_name, ": ", error->desc));
  }
  return 0;
}

// The current thread's HDF5 error stack summarised as "<api call>: <what>;
// <innermost call>: <what>", then cleared.
inline std::string TakeHdf5Error() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, CollectHdf5Error, &messages);
  H5Eclear2(H5E_DEFAULT);
  if (messages.empty()) return "unknown HDF5 error";
  if (messages.size() == 1) return messages.front();
  return absl::StrCat(messages.front(), "; ", messages.back());
}

}  // namespace wm::datasets::internal

#endif  // WM_DATASETS_HDF5_UTIL_H_
