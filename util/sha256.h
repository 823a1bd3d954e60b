#ifndef WM_UTIL_SHA256_H_
#define WM_UTIL_SHA256_H_

// Content digests for the files wm writes and later hands to third-party
// parsers (libhdf5, LibTorch's unpickler): a file whose bytes do not match
// the digest recorded when wm wrote it is refused before any parser sees it.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace wm {

// The SHA-256 of `bytes` as 64 lowercase hexadecimal digits. Pure.
std::string Sha256Hex(absl::string_view bytes);

// OK when `expected` is empty (nothing was recorded: files written before
// digests existed) or equals Sha256Hex(bytes); otherwise DATA_LOSS naming
// `what` and both digests ("corrupt or modified since it was written").
absl::Status CheckSha256(absl::string_view bytes, const std::string& expected,
                         const std::string& what);

}  // namespace wm

#endif  // WM_UTIL_SHA256_H_
