#ifndef WM_UTIL_ZIP_CHECK_H_
#define WM_UTIL_ZIP_CHECK_H_

// A structural check of a ZIP archive held in memory, made before a
// third-party reader parses it: LibTorch 1.13's bundled miniz reads past
// its buffer on some truncated or corrupt archives (found by
// tests/fuzz/checkpoint_fuzz.cc), so weights files are checked first.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace wm {

// OK when `bytes` is a well-formed single-disk ZIP archive (ZIP64 records
// allowed): an end-of-central-directory record at the end (with its
// comment), a central directory inside the file before it, and for each of
// its entries a local header and data (stored or deflated) that lie inside
// the file before the central directory, whose CRC-32 and length match the
// central directory's (deflated data is inflated through a fixed buffer to
// check them). DATA_LOSS naming `what` and the first problem otherwise.
// Pure.
absl::Status CheckZipStructure(absl::string_view bytes,
                               const std::string& what);

}  // namespace wm

#endif  // WM_UTIL_ZIP_CHECK_H_
