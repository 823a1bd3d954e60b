#include "util/sha256.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace wm {

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest fails only on allocation failure inside OpenSSL.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    return "";
  }
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), static_cast<size_t>(length)));
}

absl::Status CheckSha256(absl::string_view bytes, const std::string& expected,
                         const std::string& what) {
  if (expected.empty()) return absl::OkStatus();
  const std::string actual = Sha256Hex(bytes);
  if (actual == expected) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat(what, ": corrupt or modified since it was written (SHA-256 ",
                   actual, ", the manifest records ", expected, ")"));
}

}  // namespace wm
