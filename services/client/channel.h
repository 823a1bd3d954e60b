#ifndef WM_SERVICES_CLIENT_CHANNEL_H_
#define WM_SERVICES_CLIENT_CHANNEL_H_

// How every wm client reaches `wm serve`: one address, several replicas'
// addresses, or a gRPC target URI (dns:///NAME:PORT), over one channel that
// balances calls round-robin across the resolved addresses and retries a
// call that failed UNAVAILABLE (a replica gone) or that a replica
// CANCELLED (shutting down: calls not yet begun, or still running at the
// end of its grace period) on another replica. Every wm RPC is an
// idempotent read (models are immutable versions), so a retry is safe; a
// call the client itself cancels is never retried.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace wm::services {

struct ClientOptions {
  // Sent as "authorization: Bearer <token>" when non-empty.
  std::string bearer_token;
  // PEM root certificates: TLS when non-empty, plaintext otherwise.
  std::string root_certificates;
  int max_message_bytes = 64 << 20;
  absl::Duration timeout = absl::Seconds(30);  // per call
  // The longest wait before reconnecting to a server that went away (0:
  // gRPC's default, up to 120 s). IngestClient uses 1 s, so that uploads
  // resume soon after an ingest server restarts.
  absl::Duration max_reconnect_backoff = absl::ZeroDuration();
};

// The channel target for a --server value.
struct ChannelTarget {
  // What grpc::CreateCustomChannel takes.
  std::string uri;
  // The host name TLS checks the server certificates against when the URI
  // names several addresses (the first address's host: the replicas share
  // one certificate naming it); empty for one address or a URI, whose own
  // authority is checked.
  std::string tls_server_name;
};

// Parses `server`: "HOST:PORT" (as is, one server); "IP:PORT,IP:PORT,..."
// (IPv4 or bracketed IPv6 literals, not mixed) as one ipv4: or ipv6:
// target; or a gRPC target URI of a resolver scheme (dns:, ipv4:, ipv6:,
// unix:, unix-abstract:, vsock:, xds:; e.g. "dns:///wm:50051"), as is. Errors:
// INVALID_ARGUMENT for an empty value or entry, an entry without a port, a host
// name among several addresses (use dns:///NAME:PORT), or IPv4 and IPv6 mixed.
absl::StatusOr<ChannelTarget> ParseServerTarget(const std::string& server);

// The service config every wm channel carries: round_robin load balancing
// and, for wm.v1.WorldModelService, up to 5 attempts on UNAVAILABLE or
// CANCELLED with exponential backoff from 50 ms to 1 s. Calls do not wait for a
// ready replica: with none listening they fail UNAVAILABLE after the retries.
const std::string& ServiceConfigJson();

// A channel to `server` (as ParseServerTarget reads it) with the options'
// credentials and message limits, the service config above and retries
// enabled. Thread-safe. Errors: ParseServerTarget's.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& server, const ClientOptions& options);

// A grpc::ClientContext-ready call setup: deadline and bearer token.
void PrepareCall(const ClientOptions& options, grpc::ClientContext* context);

}  // namespace wm::services

#endif  // WM_SERVICES_CLIENT_CHANNEL_H_
