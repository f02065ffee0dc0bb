#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/net/tls_socket.hpp>
#include <mtasts/util/strings.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fmt/format.h>

namespace mtasts::net {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t k_header_limit = 16 * 1024;
constexpr std::size_t k_read_chunk = 4096;
constexpr std::string_view k_path = "/.well-known/mta-sts.txt";

enum class ReadUntil : std::uint8_t { header, body };

// Reads from `tls` into `buffer` and feeds `parser` until the response header (ReadUntil::header)
// or the whole message (ReadUntil::body) is parsed. The server's close ends a body that is
// delimited by it (RFC 9112 §6.3); a close before the message is complete is an error, and so
// is a TCP close without close_notify (asio::ssl::error::stream_truncated, a possible truncation).
Awaitable<boost::system::error_code> read_response(TlsSocket& tls, beast::flat_buffer& buffer,
                                                   http::response_parser<http::string_body>& parser,
                                                   ReadUntil until,
                                                   TlsSocket::Clock::time_point deadline)
{
  parser.eager(until == ReadUntil::body);
  const auto done = [&] {
    return until == ReadUntil::header ? parser.is_header_done() : parser.is_done();
  };
  while (!done()) {
    if (buffer.size() > 0) {
      boost::system::error_code error;
      const auto used = parser.put(buffer.data(), error);
      buffer.consume(used);
      if (!error && used > 0) {
        continue;
      }
      if (error && error != http::error::need_more) {
        co_return error;
      }
    }
    if (buffer.size() + k_read_chunk > buffer.max_size()) {
      co_return http::error::buffer_overflow;
    }
    const auto space = buffer.prepare(k_read_chunk);
    auto [error, received] = co_await tls.read_some(
        std::span<char>(static_cast<char*>(space.data()), space.size()), deadline);
    if (error == asio::error::eof) { // close_notify: the end of the message
      if (!parser.got_some()) {
        co_return http::error::end_of_stream; // closed without a response
      }
      parser.put_eof(error);
      if (error) {
        co_return error;
      }
      continue;
    }
    if (error) {
      co_return error;
    }
    buffer.commit(received);
  }
  co_return boost::system::error_code();
}

// RFC 8461 §3.2: type/subtype compared case-insensitively, every parameter ignored.
bool is_text_plain(std::string_view content_type)
{
  const auto semicolon = content_type.find(';');
  return util::iequals_ascii(util::trim_wsp(content_type.substr(0, semicolon)), "text/plain");
}

} // namespace

core::FetchAttempt to_attempt(const FetchEvidence& evidence)
{
  return core::FetchAttempt{evidence.url, evidence.address, evidence.failure, evidence.detail,
                            evidence.body};
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
  boost::system::error_code address_error;
  const auto ip = asio::ip::make_address(evidence.address, address_error);
  if (address_error) {
    co_return finish(FetchFailure::connect,
                     fmt::format("'{}' is not an IP address", evidence.address));
  }
  auto executor = co_await asio::this_coro::executor;
  TlsSocket tls(executor, context.native_handle());
  if (tls.native_handle() == nullptr) {
    co_return finish(FetchFailure::tls_handshake, "cannot create a TLS session");
  }
  const auto timed_out = [](const boost::system::error_code& error) {
    return error == asio::error::timed_out;
  };
  auto error = co_await tls.connect(tcp::endpoint(ip, options.port),
                                    std::min(deadline, started + options.connect_timeout));
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::connect,
                     fmt::format("cannot connect to {} port {}: {}", evidence.address, options.port,
                                 timed_out(error) ? "timed out" : error.message()));
  }

  // RFC 8461 §3.3 / RFC 6066: SNI is the policy host.
  if (!set_server_name(tls.native_handle(), evidence.host)) {
    co_return finish(FetchFailure::tls_handshake, "cannot set the TLS server name");
  }
  error = co_await tls.handshake(deadline);
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::tls_handshake,
                     fmt::format("TLS handshake with {} failed: {}", evidence.address,
                                 timed_out(error) ? "timed out" : error.message()));
  }
  evidence.tls = collect_tls_evidence(tls.native_handle(), evidence.host);
  if (const auto result_type = result_type_for(*evidence.tls)) {
    std::string why = evidence.tls->identity_matched || evidence.tls->chain != ChainVerdict::trusted
                          ? evidence.tls->verify_error
                          : fmt::format("no subjectAltName matches {}", evidence.host);
    co_return finish(FetchFailure::certificate,
                     fmt::format("the certificate of {} is not valid for {}: {} ({})",
                                 evidence.address, evidence.host, why,
                                 core::result_type_name(*result_type)));
  }

  // No Accept-Encoding (the body is never compressed), no cache validators (RFC 8461 §3.3).
  const auto request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mtasts/0.1\r\n"
                                   "Connection: close\r\n\r\n",
                                   k_path, evidence.host);
  error = co_await tls.write_all(request, deadline);
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::http_protocol,
                     fmt::format("sending the request failed: {}", error.message()));
  }

  beast::flat_buffer buffer(k_header_limit + options.max_body + k_read_chunk);
  http::response_parser<http::string_body> parser;
  parser.header_limit(k_header_limit);
  parser.body_limit(options.max_body);
  error = co_await read_response(tls, buffer, parser, ReadUntil::header, deadline);
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
  error = co_await read_response(tls, buffer, parser, ReadUntil::body, deadline);
  if (error == http::error::body_limit) {
    co_return finish(
        FetchFailure::too_large,
        fmt::format("the body exceeds {} bytes; senders stop there", options.max_body));
  }
  if (error) {
    co_return finish(timed_out(error) ? FetchFailure::timeout : FetchFailure::http_protocol,
                     timed_out(error)
                         ? fmt::format("the body did not arrive within {} s",
                                       options.total_timeout.count() / 1000)
                         : fmt::format("reading the body failed: {}", error.message()));
  }
  evidence.body = std::move(parser.get().body());
  tls.close(); // best effort close_notify; the server's reply is irrelevant
  co_return finish(FetchFailure::none, "");
}

} // namespace mtasts::net
