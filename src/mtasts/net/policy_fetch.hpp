// Fetching an MTA-STS policy exactly as an RFC 8461 sender must (§3.3): HTTPS GET of
// https://mta-sts.<domain>/.well-known/mta-sts.txt from one given address, SNI = the policy host,
// TLS >= 1.2, PKIX chain + SAN-only DNS-ID match (net/tls, core/cert_identity), redirects never
// followed (the Location is reported), only 200 accepted, media type text/plain (parameters
// ignored), body capped, a connect deadline and an overall deadline, no HTTP cache, no
// Accept-Encoding. The result is evidence; the caller decides the verdict.
#pragma once

#include <mtasts/core/sender.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/net/tls.hpp>

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mtasts::net {

inline constexpr std::size_t k_policy_body_limit = 65536; // RFC 8461 §3.3 suggestion

struct FetchOptions
{
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(60)}; // RFC 8461 §3.3: 1 minute
  std::size_t max_body = k_policy_body_limit;
  std::uint16_t port = 443;
};

// Why a fetch produced no policy body, and its RFC 8460 result type: core::FetchFailure,
// core::fetch_result_type() (core/sender.hpp: the sender engine owns the mapping).
using core::FetchFailure;

struct FetchEvidence
{
  std::string url;
  std::string host;    // the policy host, used for SNI and the Host header
  std::string address; // the IP address connected to
  std::optional<TlsEvidence> tls;
  int status = 0;
  std::string content_type; // as sent
  std::string location;     // Location of a 3xx
  std::string body;         // the policy text when failure == none
  std::chrono::milliseconds elapsed{0};
  FetchFailure failure = FetchFailure::none;
  std::string detail; // plain-English explanation of the failure

  bool ok() const { return failure == FetchFailure::none; }
};

// `context` must come from make_client_context() (it decides the trust store). Never throws for
// network outcomes.
Awaitable<FetchEvidence> fetch_policy(boost::asio::ssl::context& context, std::string policy_host,
                                      std::string address, FetchOptions options = {});

// The attempt as the sender engine sees it (core::fetch_outcome()).
core::FetchAttempt to_attempt(const FetchEvidence& evidence);

// "https://mta-sts.<domain>/.well-known/mta-sts.txt"
std::string policy_url(std::string_view policy_domain);

} // namespace mtasts::net
