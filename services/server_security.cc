#include "services/server_security.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "util/file_util.h"
#include "util/status_macros.h"

namespace wm::services {
namespace {

constexpr char kTokenVariable[] = "WM_SERVE_TOKEN";

// Equal strings, compared without an early exit (no timing side channel).
bool SameSecret(const std::string& presented, const std::string& expected) {
  volatile unsigned char difference = presented.size() != expected.size();
  const size_t n = std::max(presented.size(), expected.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char a = i < presented.size() ? presented[i] : 0;
    const unsigned char b = i < expected.size() ? expected[i] : 0;
    difference = difference | (a ^ b);
  }
  return difference == 0;
}

}  // namespace

absl::StatusOr<std::string> BearerToken(const v1::ServerConfig& config) {
  std::string token;
  if (!config.token_file().empty()) {
    WM_ASSIGN_OR_RETURN(token, ReadFileToString(config.token_file()));
    token = std::string(absl::StripAsciiWhitespace(token));
    if (token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("token_file ", config.token_file(), " is empty"));
    }
  } else if (const char* value = std::getenv(kTokenVariable)) {
    token = std::string(absl::StripAsciiWhitespace(value));
  }
  return token;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const v1::ServerConfig& config) {
  if (config.tls_cert_file().empty() && config.tls_key_file().empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (config.tls_cert_file().empty() || config.tls_key_file().empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both tls_cert_file and tls_key_file");
  }
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  WM_ASSIGN_OR_RETURN(pair.cert_chain,
                      ReadFileToString(config.tls_cert_file()));
  WM_ASSIGN_OR_RETURN(pair.private_key,
                      ReadFileToString(config.tls_key_file()));
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(options);
}

absl::Status CheckBearerToken(const grpc::ServerContextBase& context,
                              const std::string& token) {
  if (token.empty()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "this server requires the metadata 'authorization: Bearer <token>'");
  }
  if (!SameSecret(std::string(it->second.data(), it->second.size()),
                  absl::StrCat("Bearer ", token))) {
    return absl::UnauthenticatedError("the bearer token is not valid");
  }
  return absl::OkStatus();
}

}  // namespace wm::services
