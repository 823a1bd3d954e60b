"""How the client reaches `wm serve`: one address, several replicas, or a
gRPC target URI, over one channel that balances calls round-robin across the
addresses and retries a call that failed UNAVAILABLE (a replica gone) or
that a shutting-down replica CANCELLED on another replica (every wm RPC is
an idempotent read, so a retry is safe; a call the client cancels is never
retried). The same rules as the C++ client's services/client/channel.h."""

import ipaddress
import json
from typing import List, Optional, Sequence, Tuple, Union

import grpc

# round_robin, and up to 5 attempts on UNAVAILABLE or CANCELLED (50 ms to
# 1 s backoff) for wm.v1.WorldModelService. No waitForReady: with no replica
# up a call fails UNAVAILABLE after its retries. Kept equal to
# services/client/channel.cc's ServiceConfigJson() (the pip-installed client
# cannot read a file of the C++ tree).
SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
        "name": [{"service": "wm.v1.WorldModelService"}],
        "retryPolicy": {
            "maxAttempts": 5,
            "initialBackoff": "0.05s",
            "maxBackoff": "1s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE", "CANCELLED"],
        },
    }],
}

_URI_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:",
                "vsock:", "xds:")


def _address(entry: str) -> Tuple[int, str]:
    """(IP version, host) of one "IP:PORT" or "[IPV6]:PORT" list entry;
    ValueError unless the host is an IP literal and the port 1 to 65535."""
    if entry.startswith("["):
        host, sep, port = entry[1:].partition("]:")
        if not sep:
            raise ValueError(f"'{entry}': expected [IPV6]:PORT")
    else:
        host, sep, port = entry.rpartition(":")
        if not sep:
            raise ValueError(f"'{entry}': expected HOST:PORT")
    if not port.isdigit() or not 0 < int(port) <= 65535:
        raise ValueError(f"'{entry}': the port must be 1 to 65535")
    try:
        return ipaddress.ip_address(host).version, host
    except ValueError:
        raise ValueError(
            f"'{entry}': several addresses must be IP literals; for a host "
            "name that resolves to the replicas use dns:///NAME:PORT") from None


def server_target(server: Union[str, Sequence[str]]) -> Tuple[str, str]:
    """(gRPC target, TLS server name) for `server`: "HOST:PORT" as is; a
    list, or a comma-separated string, of IP:PORT (IPv4 or bracketed IPv6,
    not mixed) as one ipv4:/ipv6: target whose TLS name is the first host;
    a URI of a resolver scheme (dns:///NAME:PORT, ipv4:, unix:, ...) as is.
    The TLS name is "" when the target's own authority is checked. Raises
    ValueError for an empty value or entry, a host name among several
    addresses, or IPv4 and IPv6 mixed."""
    if isinstance(server, str):
        server = server.strip()
        if server.startswith(_URI_SCHEMES):
            return server, ""
        entries = server.split(",")
    else:
        entries = list(server)
    entries = [entry.strip() for entry in entries]
    if not entries or not all(entries):
        raise ValueError(f"'{server}': an empty server address")
    if len(entries) == 1:
        return entries[0], ""
    addresses = [_address(entry) for entry in entries]
    versions = {version for version, _ in addresses}
    if len(versions) > 1:
        raise ValueError(f"'{server}': IPv4 and IPv6 addresses mixed")
    scheme = "ipv4:" if versions == {4} else "ipv6:"
    return scheme + ",".join(entries), addresses[0][1]


def make_channel(server: Union[str, Sequence[str]],
                 root_certificates: Optional[bytes] = None,
                 options: Optional[List[Tuple[str, object]]] = None
                 ) -> grpc.Channel:
    """A channel to `server` (as server_target reads it): TLS with
    `root_certificates` (PEM) when given, plaintext otherwise; the service
    config above and retries enabled, plus `options`."""
    target, tls_name = server_target(server)
    options = list(options or []) + [
        ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
        ("grpc.enable_retries", 1),
    ]
    if root_certificates is None:
        return grpc.insecure_channel(target, options)
    if tls_name:
        options.append(("grpc.ssl_target_name_override", tls_name))
    credentials = grpc.ssl_channel_credentials(root_certificates)
    return grpc.secure_channel(target, credentials, options)


class Connection:
    """One channel (make_channel) to wm's gRPC servers, the bearer token's
    metadata and a deadline per call: what WorldModelClient and IngestClient
    share. root_certificates: PEM bytes, or a path to a PEM file, of the CA
    that signed the server's certificate (TLS); None for plaintext. token:
    sent as "authorization: Bearer <token>" when set. timeout: seconds per
    call, None for none. Closes with close() or as a context manager."""

    def __init__(self, target: Union[str, Sequence[str]],
                 token: Optional[str],
                 root_certificates: Union[bytes, str, None],
                 options: List[Tuple[str, int]],
                 timeout: Optional[float]):
        if isinstance(root_certificates, str):
            with open(root_certificates, "rb") as pem:
                root_certificates = pem.read()
        self._channel = make_channel(target, root_certificates, options)
        self._metadata = (("authorization", f"Bearer {token}"),) if token \
            else ()
        self._timeout = timeout

    def close(self):
        """Closes the channel; later calls fail."""
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
