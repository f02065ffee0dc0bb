// The listeners every daemon opens: TCP ("IP:PORT", "[IPv6]:PORT") and UNIX ("unix:/path").
// A UNIX socket path is taken over only when nothing answers on it (a stale socket of a
// process that died); when a live process answers there, opening fails with "in use" and the
// path is left alone. A listener removes the socket file it created when it closes.
#pragma once

#include <mtasts/net/asio.hpp>
#include <mtasts/util/expected.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mtasts::server {

namespace asio = net::asio;
using tcp = asio::ip::tcp;
using local_stream = asio::local::stream_protocol;

struct ListenAddress
{
  std::string text; // as configured
  std::string path; // UNIX socket path; empty for TCP
  tcp::endpoint endpoint;

  bool is_unix() const { return !path.empty(); }
  // Only this host can connect: a UNIX socket, or a TCP address in 127.0.0.0/8 or ::1.
  bool local_only() const;
};

// "unix:/absolute/path", "IP:PORT" or "[IPv6]:PORT" (util::parse_host_port, the host an address
// literal). Errors quote the text.
util::Expected<ListenAddress, std::string> parse_listen_address(std::string_view text);

// Owner, group and mode of a UNIX socket file ("" = unchanged).
struct UnixSocketOptions
{
  std::string owner;
  std::string group;
  std::uint32_t mode = 0666;
};

class Listener
{
public:
  // Binds and listens. TCP sets SO_REUSEADDR. Errors name the address and the reason: a bad
  // owner or group, a path in use or not a socket, bind/listen failures.
  static util::Expected<std::unique_ptr<Listener>, std::string>
  open(asio::io_context& io, const ListenAddress& address, const UnixSocketOptions& unix_options);

  ~Listener(); // close()
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  const ListenAddress& address() const { return m_address; }

  // Accepts until close(): each connection goes to `on_socket`, called with a tcp::socket or a
  // local_stream::socket. Transient accept errors (EMFILE, ...) are skipped after a short pause.
  template <typename OnSocket>
  net::Awaitable<void> accept_loop(OnSocket on_socket);

  // Stops accepting and removes the socket file this listener created. Idempotent.
  void close();

private:
  explicit Listener(ListenAddress address) : m_address(std::move(address)) {}
  net::Awaitable<void> pause_after_error();

  ListenAddress m_address;
  std::unique_ptr<tcp::acceptor> m_tcp;
  std::unique_ptr<local_stream::acceptor> m_unix;
  bool m_created_path = false;
  bool m_closed = false;
};

// --- Inline implementations ---

template <typename OnSocket>
net::Awaitable<void> Listener::accept_loop(OnSocket on_socket)
{
  while (!m_closed) {
    boost::system::error_code ec;
    if (m_tcp) {
      auto socket = co_await m_tcp->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        on_socket(std::move(socket));
        continue;
      }
    } else {
      auto socket = co_await m_unix->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        on_socket(std::move(socket));
        continue;
      }
    }
    if (m_closed || ec == asio::error::operation_aborted) {
      break;
    }
    co_await pause_after_error(); // out of descriptors and the like: do not spin
  }
}

} // namespace mtasts::server
