#ifndef WM_SERVICES_SERVER_SECURITY_H_
#define WM_SERVICES_SERVER_SECURITY_H_

// What every wm gRPC server (`wm serve`, `wm ingest`) shares about who may
// call it: the bearer token, TLS credentials and the token check
// (docs/serving.md, "Security").

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/server.pb.h"

namespace grpc {
class ServerContextBase;
class ServerCredentials;
}  // namespace grpc

namespace wm::services {

// The bearer token from config.token_file, else from $WM_SERVE_TOKEN; empty
// when neither is set (authentication off). NOT_FOUND for a missing token
// file, INVALID_ARGUMENT for an empty one.
absl::StatusOr<std::string> BearerToken(const v1::ServerConfig& config);

// Insecure credentials, or TLS from config.tls_cert_file and tls_key_file.
// INVALID_ARGUMENT when only one of them is given; NOT_FOUND naming a
// missing file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const v1::ServerConfig& config);

// OK when `token` is empty (authentication off) or the call carries the
// metadata "authorization: Bearer <token>" (compared in constant time);
// UNAUTHENTICATED saying what is missing or wrong otherwise.
absl::Status CheckBearerToken(const grpc::ServerContextBase& context,
                              const std::string& token);

}  // namespace wm::services

#endif  // WM_SERVICES_SERVER_SECURITY_H_
