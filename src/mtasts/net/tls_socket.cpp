#include <mtasts/net/tls_socket.hpp>

#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>

#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>

namespace mtasts::net {

namespace {

using tcp = asio::ip::tcp;

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the peer has gone away and
// would kill a process that does not ignore it. This BIO sends with MSG_NOSIGNAL instead; the
// file descriptor stays owned by the asio socket.
int socket_fd(BIO* bio)
{
  return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

bool would_block(int error)
{
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

int nosignal_write(BIO* bio, const char* data, int size)
{
  BIO_clear_retry_flags(bio);
  const auto sent = ::send(socket_fd(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (sent < 0 && would_block(errno)) {
    BIO_set_retry_write(bio);
  }
  return static_cast<int>(sent);
}

int nosignal_read(BIO* bio, char* data, int size)
{
  BIO_clear_retry_flags(bio);
  const auto received = ::recv(socket_fd(bio), data, static_cast<std::size_t>(size), 0);
  if (received < 0 && would_block(errno)) {
    BIO_set_retry_read(bio);
  } else if (received == 0) {
    errno = 0; // EOF: a stale errno (e.g. from a CA lookup) must not be taken for the cause
  }
  return static_cast<int>(received);
}

long nosignal_ctrl(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/)
{
  return command == BIO_CTRL_FLUSH ? 1 : 0; // writes are never buffered here
}

int nosignal_create(BIO* bio)
{
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* nosignal_socket_method()
{
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mtasts socket");
    if (m != nullptr) {
      BIO_meth_set_write(m, nosignal_write);
      BIO_meth_set_read(m, nosignal_read);
      BIO_meth_set_ctrl(m, nosignal_ctrl);
      BIO_meth_set_create(m, nosignal_create);
    }
    return m;
  }();
  return method;
}

} // namespace

struct TlsSocket::Shared
{
  explicit Shared(const asio::any_io_executor& executor) : socket(executor) {}

  tcp::socket socket;
  // Each wait() arms the timer anew; a timer handler only acts for the wait that armed it (a
  // handler already queued when its wait finished must not cancel the next one).
  unsigned generation = 0;
  bool expired = false;
};

TlsSocket::TlsSocket(const asio::any_io_executor& executor, SSL_CTX* context)
    : m_shared(std::make_shared<Shared>(executor)), m_timer(executor), m_ssl(SSL_new(context))
{
  if (m_ssl) {
    // Record buffers are allocated while a record is in transit and freed when empty.
    SSL_set_mode(m_ssl.get(), SSL_MODE_RELEASE_BUFFERS);
    // Without auto-retry, every non-application record (e.g. a flood of TLS 1.3 session
    // tickets) hands control back through wait(): the deadline is checked and the event loop
    // runs other work, instead of SSL_read consuming such records for as long as they come.
    SSL_clear_mode(m_ssl.get(), SSL_MODE_AUTO_RETRY);
  }
}

TlsSocket::~TlsSocket() = default;

Awaitable<TlsSocket::ErrorCode> TlsSocket::wait(asio::socket_base::wait_type type,
                                                Clock::time_point deadline)
{
  if (Clock::now() >= deadline) {
    co_return asio::error::timed_out;
  }
  const unsigned generation = ++m_shared->generation;
  m_shared->expired = false;
  m_timer.expires_at(deadline);
  m_timer.async_wait([shared = m_shared, generation](const ErrorCode& error) {
    if (error || shared->generation != generation) {
      return; // cancelled, or a later wait owns the deadline now
    }
    shared->expired = true;
    ErrorCode ignored;
    shared->socket.cancel(ignored);
  });
  ErrorCode error;
  co_await m_shared->socket.async_wait(type, asio::redirect_error(asio::use_awaitable, error));
  m_timer.cancel();
  if (m_shared->expired && m_shared->generation == generation) {
    co_return asio::error::timed_out;
  }
  co_return error;
}

Awaitable<TlsSocket::ErrorCode> TlsSocket::connect(tcp::endpoint endpoint,
                                                   Clock::time_point deadline)
{
  auto& socket = m_shared->socket;
  ErrorCode error;
  socket.open(endpoint.protocol(), error);
  if (!error) {
    socket.non_blocking(true, error);
  }
  if (!error) {
    // No Nagle: the client's TLS Finished and its first request leave in two writes; with Nagle
    // the second waits for the ACK of the first, one round trip per exchange for nothing.
    socket.set_option(tcp::no_delay(true), error);
  }
  if (error) {
    co_return error;
  }
  // Not asio's socket.connect(): it polls until the connect completes, blocking the loop.
  if (::connect(socket.native_handle(), endpoint.data(), static_cast<socklen_t>(endpoint.size())) !=
      0) {
    error = ErrorCode(errno, boost::system::system_category());
  }
  if (error == asio::error::in_progress || error == asio::error::would_block) {
    error = co_await wait(asio::socket_base::wait_write, deadline);
    if (!error) {
      int connect_error = 0; // SO_ERROR: the outcome of the connect
      socklen_t length = sizeof(connect_error);
      if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &connect_error, &length) !=
          0) {
        connect_error = errno;
      }
      if (connect_error != 0) {
        error = ErrorCode(connect_error, boost::system::system_category());
      }
    }
  }
  if (!error && m_ssl) {
    const auto* method = nosignal_socket_method();
    BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
    if (bio == nullptr) {
      co_return ErrorCode(asio::error::no_memory);
    }
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(socket.native_handle())));
    SSL_set_bio(m_ssl.get(), bio, bio); // the session owns the BIO (one reference for both)
  }
  co_return error;
}

Awaitable<std::pair<TlsSocket::ErrorCode, int>>
TlsSocket::drive(Operation operation, void* data, int size, Clock::time_point deadline)
{
  if (!m_ssl) {
    co_return std::pair{ErrorCode(asio::error::no_memory), 0};
  }
  SSL* ssl = m_ssl.get();
  while (true) {
    ERR_clear_error();
    errno = 0;
    const int rc = operation == Operation::handshake ? SSL_connect(ssl)
                   : operation == Operation::read    ? SSL_read(ssl, data, size)
                                                     : SSL_write(ssl, data, size);
    const int saved_errno = errno;
    if (rc > 0) {
      co_return std::pair{ErrorCode(), rc};
    }
    ErrorCode error;
    switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
      error = co_await wait(asio::socket_base::wait_read, deadline);
      break;
    case SSL_ERROR_WANT_WRITE:
      error = co_await wait(asio::socket_base::wait_write, deadline);
      break;
    case SSL_ERROR_ZERO_RETURN: // the peer's close_notify
      error = asio::error::eof;
      break;
    case SSL_ERROR_SYSCALL:
      if (const auto code = ERR_get_error(); code != 0) {
        error = ErrorCode(static_cast<int>(code), asio::error::get_ssl_category());
      } else if (saved_errno != 0) {
        error = ErrorCode(saved_errno, boost::system::system_category());
      } else {
        error = asio::ssl::error::stream_truncated; // EOF without close_notify
      }
      break;
    default: {
      // SSL_ERROR_SSL (the reason is on the error queue). Anything else (WANT_X509_LOOKUP,
      // WANT_ASYNC, ...: callbacks this session does not install) or an empty queue must still
      // end the operation, never loop.
      const auto code = ERR_get_error();
      error = code != 0 ? ErrorCode(static_cast<int>(code), asio::error::get_ssl_category())
                        : boost::system::errc::make_error_code(boost::system::errc::protocol_error);
      break;
    }
    }
    if (error) {
      co_return std::pair{error, 0};
    }
  }
}

Awaitable<TlsSocket::ErrorCode> TlsSocket::handshake(Clock::time_point deadline)
{
  const auto [error, ignored] = co_await drive(Operation::handshake, nullptr, 0, deadline);
  co_return error;
}

Awaitable<TlsSocket::ErrorCode> TlsSocket::write_all(std::string_view data,
                                                     Clock::time_point deadline)
{
  while (!data.empty()) {
    const int size = static_cast<int>(std::min<std::size_t>(data.size(), INT_MAX));
    // SSL_write only reads the buffer; OpenSSL's signature is not const.
    const auto [error, written] =
        co_await drive(Operation::write, const_cast<char*>(data.data()), size, deadline); // NOLINT
    if (error) {
      co_return error;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  co_return ErrorCode();
}

Awaitable<std::pair<TlsSocket::ErrorCode, std::size_t>>
TlsSocket::read_some(std::span<char> into, Clock::time_point deadline)
{
  const int size = static_cast<int>(std::min<std::size_t>(into.size(), INT_MAX));
  const auto [error, read] = co_await drive(Operation::read, into.data(), size, deadline);
  co_return std::pair{error, static_cast<std::size_t>(read)};
}

void TlsSocket::close()
{
  if (m_ssl && SSL_is_init_finished(m_ssl.get()) == 1) {
    ERR_clear_error();
    SSL_shutdown(m_ssl.get()); // queues close_notify; a full socket buffer just drops it
    ERR_clear_error();
  }
  ErrorCode ignored;
  m_shared->socket.close(ignored);
}

} // namespace mtasts::net
