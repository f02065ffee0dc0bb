#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/util/strings.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

namespace mtasts::net {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t k_header_limit = 16 * 1024;
constexpr std::string_view k_path = "/.well-known/mta-sts.txt";

// RFC 8461 §3.2: type/subtype compared case-insensitively, every parameter ignored.
bool is_text_plain(std::string_view content_type)
{
  const auto semicolon = content_type.find(';');
  return util::iequals_ascii(util::trim_wsp(content_type.substr(0, semicolon)), "text/plain");
}

} // namespace

std::string_view fetch_failure_name(FetchFailure failure)
{
  switch (failure) {
  case FetchFailure::none:
    return "none";
  case FetchFailure::connect:
    return "connect";
  case FetchFailure::timeout:
    return "timeout";
  case FetchFailure::tls_handshake:
    return "tls-handshake";
  case FetchFailure::certificate:
    return "certificate";
  case FetchFailure::http_protocol:
    return "http-protocol";
  case FetchFailure::redirect:
    return "redirect";
  case FetchFailure::http_status:
    return "http-status";
  case FetchFailure::content_type:
    return "content-type";
  case FetchFailure::too_large:
    return "too-large";
  }
  return "none";
}

std::string_view fetch_result_type(FetchFailure failure)
{
  switch (failure) {
  case FetchFailure::none:
    return "";
  case FetchFailure::certificate:
    return "sts-webpki-invalid";
  case FetchFailure::content_type:
    return "sts-policy-invalid";
  default:
    return "sts-policy-fetch-error";
  }
}

std::string policy_url(std::string_view policy_domain)
{
  return fmt::format("https://mta-sts.{}{}", policy_domain, k_path);
}

Awaitable<FetchEvidence> fetch_policy(boost::asio::ssl::context& context, std::string policy_host,
                                      std::string address, FetchOptions options)
{
  FetchEvidence evidence;
  evidence.host = std::move(policy_host);
  evidence.address = std::move(address);
  evidence.url = fmt::format("https://{}{}", evidence.host, k_path);
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + options.total_timeout;
  const auto finish = [&](FetchFailure failure, std::string detail) {
    evidence.failure = failure;
    evidence.detail = std::move(detail);
    evidence.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return evidence;
  };
  const auto timed_out = [](const boost::system::error_code& error) {
    return error == beast::error::timeout;
  };

  boost::system::error_code error;
  const auto ip = asio::ip::make_address(evidence.address, error);
  if (error) {
    co_return finish(FetchFailure::connect,
                     fmt::format("'{}' is not an IP address", evidence.address));
  }
  auto executor = co_await asio::this_coro::executor;
  beast::ssl_stream<beast::tcp_stream> stream(executor, context);

  auto& tcp_stream = beast::get_lowest_layer(stream);
  tcp_stream.expires_at(std::min(deadline, started + options.connect_timeout));
  co_await tcp_stream.async_connect(tcp::endpoint(ip, options.port),
                                    asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::connect,
                     fmt::format("cannot connect to {} port {}: {}", evidence.address, options.port,
                                 timed_out(error) ? "timed out" : error.message()));
  }

  // RFC 8461 §3.3 / RFC 6066: SNI is the policy host.
  if (!set_server_name(stream.native_handle(), evidence.host)) {
    co_return finish(FetchFailure::tls_handshake, "cannot set the TLS server name");
  }
  tcp_stream.expires_at(deadline);
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::tls_handshake,
                     fmt::format("TLS handshake with {} failed: {}", evidence.address,
                                 timed_out(error) ? "timed out" : error.message()));
  }
  evidence.tls = collect_tls_evidence(stream.native_handle(), evidence.host);
  if (const auto result_type = result_type_for(*evidence.tls); !result_type.empty()) {
    std::string why = evidence.tls->identity_matched || evidence.tls->chain != ChainVerdict::trusted
                          ? evidence.tls->verify_error
                          : fmt::format("no subjectAltName matches {}", evidence.host);
    co_return finish(FetchFailure::certificate,
                     fmt::format("the certificate of {} is not valid for {}: {} ({})",
                                 evidence.address, evidence.host, why, result_type));
  }

  http::request<http::empty_body> request{http::verb::get, k_path, 11};
  request.set(http::field::host, evidence.host);
  request.set(http::field::user_agent, "mtasts/0.1");
  request.set(http::field::connection, "close");
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::http_protocol,
                     fmt::format("sending the request failed: {}", error.message()));
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(k_header_limit);
  parser.body_limit(options.max_body);
  co_await http::async_read_header(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, error));
  if (error == http::error::body_limit) { // a Content-Length over the cap
    co_return finish(
        FetchFailure::too_large,
        fmt::format("the body exceeds {} bytes; senders stop there", options.max_body));
  }
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::http_protocol,
                     timed_out(error) ? std::string("no response headers before the deadline")
                                      : fmt::format("invalid HTTP response: {}", error.message()));
  }
  const auto& header = parser.get();
  evidence.status = static_cast<int>(header.result_int());
  evidence.content_type = std::string(header[http::field::content_type]);
  if (evidence.status >= 300 && evidence.status < 400) {
    evidence.location = std::string(header[http::field::location]);
    co_return finish(FetchFailure::redirect,
                     fmt::format("HTTP {} redirect to '{}'; senders never follow redirects (RFC "
                                 "8461 §3.3): serve the policy at {} itself",
                                 evidence.status, evidence.location, evidence.url));
  }
  if (evidence.status != 200) {
    co_return finish(FetchFailure::http_status,
                     fmt::format("HTTP status {}; only 200 yields a policy", evidence.status));
  }
  if (!is_text_plain(evidence.content_type)) {
    co_return finish(FetchFailure::content_type,
                     evidence.content_type.empty()
                         ? std::string("no Content-Type; the policy must be served as text/plain")
                         : fmt::format("Content-Type '{}'; the policy must be served as text/plain",
                                       evidence.content_type));
  }
  co_await http::async_read(stream, buffer, parser,
                            asio::redirect_error(asio::use_awaitable, error));
  if (error == http::error::body_limit) {
    co_return finish(
        FetchFailure::too_large,
        fmt::format("the body exceeds {} bytes; senders stop there", options.max_body));
  }
  if (error && error != http::error::end_of_stream) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::http_protocol,
                     timed_out(error)
                         ? fmt::format("the body did not arrive within {} s",
                                       options.total_timeout.count() / 1000)
                         : fmt::format("reading the body failed: {}", error.message()));
  }
  evidence.body = std::move(parser.get().body());
  // Best effort: tell the server we are done; its answer is irrelevant.
  tcp_stream.expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, error));
  co_return finish(FetchFailure::none, "");
}

} // namespace mtasts::net
