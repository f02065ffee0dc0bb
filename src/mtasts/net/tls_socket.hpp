// A TLS client session run by OpenSSL directly on a connected TCP socket (through a BIO that
// sends with MSG_NOSIGNAL, so a vanished peer never raises SIGPIPE), waiting for readiness on the
// caller's io_context. asio::ssl::stream copies every byte through a BIO
// pair and two stream-side buffers, about 70 KB per connection before OpenSSL's own record
// buffers; a TlsSocket holds only OpenSSL's record buffers, and only while a record is in transit
// (SSL_MODE_RELEASE_BUFFERS). Many policy fetches can then run at once in little memory.
//
// Contract: every operation ends by its `deadline` (steady clock) and reports a passed deadline
// as asio::error::timed_out. Errors are values, never exceptions:
//   - a TLS failure is an error_code in asio::error::get_ssl_category() (OpenSSL's reason text);
//   - the peer's close_notify is asio::error::eof; a TCP close without it (a possible truncation
//     attack) is asio::ssl::error::stream_truncated;
//   - socket failures are system errors.
// One operation at a time (no concurrent read and write). The caller sets SNI and any other
// session option on native_handle() before handshake().
#pragma once

#include <mtasts/net/asio.hpp>
#include <mtasts/net/openssl_handles.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

namespace mtasts::net {

class TlsSocket
{
public:
  using Clock = std::chrono::steady_clock;
  using ErrorCode = boost::system::error_code;

  // A session of `context` (a client context, e.g. from make_client_context()), not connected.
  // native_handle() is null when OpenSSL cannot create the session (out of memory).
  TlsSocket(const asio::any_io_executor& executor, SSL_CTX* context);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  SSL* native_handle() const { return m_ssl.get(); }

  // TCP connect to `endpoint`; the session then runs on that socket.
  Awaitable<ErrorCode> connect(asio::ip::tcp::endpoint endpoint, Clock::time_point deadline);
  // The client side of the TLS handshake (SSL_connect).
  Awaitable<ErrorCode> handshake(Clock::time_point deadline);
  // Sends all of `data` as application data.
  Awaitable<ErrorCode> write_all(std::string_view data, Clock::time_point deadline);
  // Receives at least one byte of application data into `into` (not empty); the byte count.
  Awaitable<std::pair<ErrorCode, std::size_t>> read_some(std::span<char> into,
                                                         Clock::time_point deadline);
  // Sends close_notify if that is possible without waiting, then closes the socket. Never waits:
  // the peer's close_notify is not read (RFC 8446 §6.1 allows closing after sending ours).
  void close();

private:
  enum class Operation : std::uint8_t { handshake, read, write };
  struct Shared; // the socket and the deadline watchdog's state, shared with its timer handler

  // Runs one SSL operation to completion, waiting for the socket as OpenSSL asks.
  Awaitable<std::pair<ErrorCode, int>> drive(Operation operation, void* data, int size,
                                             Clock::time_point deadline);
  // Waits until the socket is ready for `type`, or the deadline.
  Awaitable<ErrorCode> wait(asio::socket_base::wait_type type, Clock::time_point deadline);

  std::shared_ptr<Shared> m_shared;
  asio::steady_timer m_timer;
  SslPtr m_ssl;
};

} // namespace mtasts::net
