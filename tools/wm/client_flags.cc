#include "tools/wm/client_flags.h"

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/strip.h"
#include "tools/wm/flags.h"
#include "util/file_util.h"
#include "util/status_macros.h"

namespace wm::tools {

absl::StatusOr<services::ClientOptions> ClientOptionsFromFlags() {
  services::ClientOptions options;
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout));
  if (!absl::GetFlag(FLAGS_token_file).empty()) {
    WM_ASSIGN_OR_RETURN(std::string token,
                        ReadFileToString(absl::GetFlag(FLAGS_token_file)));
    options.bearer_token = std::string(absl::StripAsciiWhitespace(token));
  } else if (const char* token = std::getenv("WM_SERVE_TOKEN")) {
    options.bearer_token = token;
  }
  if (!absl::GetFlag(FLAGS_tls_ca).empty()) {
    WM_ASSIGN_OR_RETURN(options.root_certificates,
                        ReadFileToString(absl::GetFlag(FLAGS_tls_ca)));
  }
  return options;
}

}  // namespace wm::tools
