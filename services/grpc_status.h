#ifndef WM_SERVICES_GRPC_STATUS_H_
#define WM_SERVICES_GRPC_STATUS_H_

// The one place where absl::Status and grpc::Status meet (docs/design.md
// section 6). Codes map one to one; messages pass through unchanged.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace wm::services {

// The gRPC status a handler returns for `status`. Thread-safe.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The absl::Status a client reports for a failed call, its message prefixed
// with `context` (e.g. "Predict to 127.0.0.1:50051"). Thread-safe.
absl::Status FromGrpcStatus(const grpc::Status& status,
                            const std::string& context);

}  // namespace wm::services

#endif  // WM_SERVICES_GRPC_STATUS_H_
