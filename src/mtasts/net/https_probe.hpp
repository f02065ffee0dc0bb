// One TCP connect and TLS handshake with an address of an HTTPS endpoint, as a TLSRPT report
// submitter makes it before it POSTs (RFC 8460 §5.4): SNI = the host (none for an IP-literal
// host), TLS >= 1.2, the client context's trust anchors, and the certificate identity checked by
// the one rule of net/tls (a DNS-ID for a name, an iPAddress SAN for an IP literal). Nothing is
// sent over the session. Runs on a TlsSocket; never throws for network outcomes.
#pragma once

#include <mtasts/net/asio.hpp>
#include <mtasts/net/tls.hpp>

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mtasts::net {

struct HttpsProbe
{
  std::string host;    // the reference identity (a host name, or an IP literal)
  std::string address; // the IP address connected to
  std::uint16_t port = 443;
  std::string failure = "none"; // "none", "connect", "timeout", "tls-handshake"
  std::string detail;
  std::optional<TlsEvidence> tls; // set when the handshake completed
  std::chrono::milliseconds elapsed{0};

  bool ok() const { return failure == "none"; }
};

struct HttpsProbeOptions
{
  std::uint16_t port = 443;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(30)};
};

Awaitable<HttpsProbe> probe_https(boost::asio::ssl::context& context, std::string host,
                                  std::string address, HttpsProbeOptions options);

} // namespace mtasts::net
