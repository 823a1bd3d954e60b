#include "services/client/channel.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "util/status_macros.h"

namespace wm::services {
namespace {

enum class Family { kIpv4, kIpv6 };

// One "IP:PORT" entry of a list: its family and host, checked.
absl::StatusOr<std::pair<Family, std::string>> ParseAddress(
    absl::string_view entry) {
  std::string host;
  absl::string_view port;
  if (absl::StartsWith(entry, "[")) {
    const size_t close = entry.find("]:");
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", entry, "': expected [IPV6]:PORT"));
    }
    host = std::string(entry.substr(1, close - 1));
    port = entry.substr(close + 2);
  } else {
    const size_t colon = entry.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", entry, "': expected HOST:PORT"));
    }
    host = std::string(entry.substr(0, colon));
    port = entry.substr(colon + 1);
  }
  int number = 0;
  if (!absl::SimpleAtoi(port, &number) || number <= 0 || number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", entry, "': the port must be 1 to 65535"));
  }
  const bool ipv6 = absl::StrContains(host, ':');
  if (!ipv6) {
    std::vector<absl::string_view> octets = absl::StrSplit(host, '.');
    bool literal = octets.size() == 4;
    for (absl::string_view octet : octets) {
      int value = 0;
      literal = literal && absl::SimpleAtoi(octet, &value) && value >= 0 &&
                value <= 255;
    }
    if (!literal) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", entry,
          "': several addresses must be IP literals; for a host name that "
          "resolves to the replicas use dns:///NAME:PORT"));
    }
  }
  return std::make_pair(ipv6 ? Family::kIpv6 : Family::kIpv4, host);
}

}  // namespace

absl::StatusOr<ChannelTarget> ParseServerTarget(const std::string& server) {
  const absl::string_view value = absl::StripAsciiWhitespace(server);
  if (value.empty()) {
    return absl::InvalidArgumentError("the server address is empty");
  }
  // A URI ("dns:///...", "ipv4:...", "unix:..."): gRPC resolves it.
  for (const char* scheme : {"dns:", "ipv4:", "ipv6:", "unix:",
                             "unix-abstract:", "vsock:", "xds:"}) {
    if (absl::StartsWith(value, scheme)) {
      return ChannelTarget{std::string(value), ""};
    }
  }
  std::vector<absl::string_view> entries = absl::StrSplit(value, ',');
  if (entries.size() == 1) return ChannelTarget{std::string(value), ""};
  Family family = Family::kIpv4;
  std::string first_host;
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i] = absl::StripAsciiWhitespace(entries[i]);
    if (entries[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", value, "': an empty address in the list"));
    }
    WM_ASSIGN_OR_RETURN(auto address, ParseAddress(entries[i]));
    if (i == 0) {
      family = address.first;
      first_host = address.second;
    } else if (address.first != family) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", value, "': IPv4 and IPv6 addresses mixed"));
    }
  }
  return ChannelTarget{absl::StrCat(family == Family::kIpv4 ? "ipv4:" : "ipv6:",
                                    absl::StrJoin(entries, ",")),
                       first_host};
}

const std::string& ServiceConfigJson() {
  static const std::string* const json = new std::string(R"json({
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{"service": "wm.v1.WorldModelService"}],
    "retryPolicy": {
      "maxAttempts": 5,
      "initialBackoff": "0.05s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE", "CANCELLED"]
    }
  }]
})json");
  return *json;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& server, const ClientOptions& options) {
  WM_ASSIGN_OR_RETURN(const ChannelTarget target, ParseServerTarget(server));
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments arguments;
  if (options.root_certificates.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.root_certificates;
    credentials = grpc::SslCredentials(ssl);
    if (!target.tls_server_name.empty()) {
      arguments.SetSslTargetNameOverride(target.tls_server_name);
    }
  }
  arguments.SetMaxReceiveMessageSize(options.max_message_bytes);
  arguments.SetMaxSendMessageSize(options.max_message_bytes);
  arguments.SetServiceConfigJSON(ServiceConfigJson());
  arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  if (options.max_reconnect_backoff > absl::ZeroDuration()) {
    const int ms = static_cast<int>(
        absl::ToInt64Milliseconds(options.max_reconnect_backoff));
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, ms);
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(ms, 100));
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, std::min(ms, 100));
  }
  return grpc::CreateCustomChannel(target.uri, credentials, arguments);
}

void PrepareCall(const ClientOptions& options, grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  if (!options.bearer_token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options.bearer_token));
  }
}

}  // namespace wm::services
