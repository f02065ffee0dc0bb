#include <mtasts/net/https_probe.hpp>
#include <mtasts/net/tls_socket.hpp>
#include <mtasts/util/host_port.hpp>

#include <fmt/format.h>

namespace mtasts::net {

Awaitable<HttpsProbe> probe_https(boost::asio::ssl::context& context, std::string host,
                                  std::string address, HttpsProbeOptions options)
{
  HttpsProbe probe;
  probe.host = std::move(host);
  probe.address = std::move(address);
  probe.port = options.port;
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + options.total_timeout;
  const auto finish = [&](std::string failure, std::string detail) {
    probe.failure = std::move(failure);
    probe.detail = std::move(detail);
    probe.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return probe;
  };
  const auto timed_out = [](const boost::system::error_code& error) {
    return error == asio::error::timed_out;
  };
  boost::system::error_code address_error;
  const auto ip = asio::ip::make_address(probe.address, address_error);
  if (address_error) {
    co_return finish("connect", fmt::format("'{}' is not an IP address", probe.address));
  }
  TlsSocket tls(co_await asio::this_coro::executor, context.native_handle());
  if (tls.native_handle() == nullptr) {
    co_return finish("tls-handshake", "cannot create a TLS session");
  }
  auto error = co_await tls.connect(asio::ip::tcp::endpoint(ip, options.port),
                                    std::min(deadline, started + options.connect_timeout));
  if (error) {
    co_return finish(timed_out(error) ? "timeout" : "connect",
                     fmt::format("cannot connect to {} port {}: {}", probe.address, options.port,
                                 timed_out(error) ? "timed out" : error.message()));
  }
  // RFC 6066 §3: no SNI for an address literal.
  if (!util::is_ip_literal(probe.host) && !set_server_name(tls.native_handle(), probe.host)) {
    co_return finish("tls-handshake", "cannot set the TLS server name");
  }
  error = co_await tls.handshake(deadline);
  if (error) {
    co_return finish(timed_out(error) ? "timeout" : "tls-handshake",
                     fmt::format("TLS handshake with {} failed: {}", probe.address,
                                 timed_out(error) ? "timed out" : error.message()));
  }
  probe.tls = collect_tls_evidence(tls.native_handle(), probe.host);
  tls.close(); // sends close_notify when it can without waiting
  co_return finish("none", "");
}

} // namespace mtasts::net
