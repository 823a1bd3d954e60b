#ifndef WM_TOOLS_WM_CLIENT_FLAGS_H_
#define WM_TOOLS_WM_CLIENT_FLAGS_H_

#include "absl/status/statusor.h"
#include "services/client/channel.h"

namespace wm::tools {

// The client options of the subcommands that call a server (`wm query`,
// `wm upload`): --timeout, the bearer token of --token_file (else
// $WM_SERVE_TOKEN) and the root certificates of --tls_ca (TLS when given).
// Errors: reading either file (NOT_FOUND, PERMISSION_DENIED).
absl::StatusOr<services::ClientOptions> ClientOptionsFromFlags();

}  // namespace wm::tools

#endif  // WM_TOOLS_WM_CLIENT_FLAGS_H_
