#include "smtp_receiver.hpp"

#include <mtasts/net/openssl_handles.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

namespace mtasts::testworld {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t k_huge = 10 * 1024 * 1024; // huge_line and huge_chain padding
constexpr std::size_t k_max_command = 4096;      // longest command line accepted
constexpr std::size_t k_io_chunk = 16 * 1024;    // one read or TLS write
constexpr auto k_drip_interval = std::chrono::seconds(1);
constexpr auto k_linger = std::chrono::seconds(1); // waiting for the client to close after QUIT

struct FileDeleter
{
  void operator()(FILE* file) const { std::fclose(file); }
};
using net::SslCtxPtr;
using net::SslPtr;
using net::X509Ptr;

// An owned file descriptor.
class UniqueFd
{
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept
  {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return m_fd; }
  explicit operator bool() const { return m_fd >= 0; }
  void reset()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }

private:
  int m_fd = -1;
};

// A value that lives inside its lock: with() is the only way in.
template <typename T>
class Guarded
{
public:
  template <typename F>
  auto with(F&& function)
  {
    const std::lock_guard lock(m_mutex);
    return function(m_value);
  }
  template <typename F>
  auto with(F&& function) const
  {
    const std::lock_guard lock(m_mutex);
    return function(m_value);
  }

private:
  mutable std::mutex m_mutex;
  T m_value{};
};

// What the tests may ask the receiver about.
struct Observed
{
  std::string sni;
  std::vector<std::string> commands;
  std::size_t connections = 0;
};

std::string openssl_errors()
{
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    text += text.empty() ? "" : "; ";
    text += buffer.data();
  }
  return text.empty() ? std::string("unknown OpenSSL error") : text;
}

bool reaches_tls(SmtpBehaviour behaviour)
{
  return behaviour == SmtpBehaviour::good || behaviour == SmtpBehaviour::tls11_only ||
         behaviour == SmtpBehaviour::huge_chain;
}

// Repeats the leaf as extra chain certificates until the chain carries about k_huge bytes.
// SSL_CTX_add1_chain_cert() without its C-style cast: each call takes its own reference.
std::optional<std::string> pad_chain(SSL_CTX* ctx, const std::filesystem::path& certificate)
{
  const std::unique_ptr<FILE, FileDeleter> file(std::fopen(certificate.c_str(), "r"));
  if (!file) {
    return fmt::format("cannot read {}", certificate.string());
  }
  const X509Ptr leaf(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  const int size = leaf ? i2d_X509(leaf.get(), nullptr) : -1;
  if (size <= 0) {
    return fmt::format("cannot decode {}: {}", certificate.string(), openssl_errors());
  }
  const std::size_t copies = k_huge / static_cast<std::size_t>(size) + 1;
  for (std::size_t i = 0; i < copies; ++i) {
    if (SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 1, leaf.get()) != 1) {
      return fmt::format("cannot add chain certificate {}: {}", i, openssl_errors());
    }
  }
  return std::nullopt;
}

util::Expected<SslCtxPtr, std::string> make_server_context(const SmtpReceiverOptions& options)
{
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    return util::Unexpected("SSL_CTX_new: " + openssl_errors());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), options.certificate.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), options.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return util::Unexpected(fmt::format("cannot use {} / {}: {}", options.certificate.string(),
                                        options.key.string(), openssl_errors()));
  }
  if (options.behaviour == SmtpBehaviour::tls11_only) {
    // TLS 1.0/1.1 sign handshakes with SHA-1, refused at security level 1 and above.
    SSL_CTX_set_security_level(ctx.get(), 0);
    if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx.get(), TLS1_1_VERSION) != 1) {
      return util::Unexpected("cannot limit TLS to 1.0-1.1: " + openssl_errors());
    }
  }
  if (options.behaviour == SmtpBehaviour::huge_chain) {
    if (auto error = pad_chain(ctx.get(), options.certificate)) {
      return util::Unexpected(std::move(*error));
    }
  }
  return ctx;
}

util::Expected<UniqueFd, std::string> make_listener(const std::string& address, std::uint16_t port)
{
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* target = nullptr;
  socklen_t target_size = 0;
  int family = AF_INET;
  if (inet_pton(AF_INET, address.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    target = reinterpret_cast<const sockaddr*>(&v4);
    target_size = sizeof v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6.sin6_addr) == 1) {
    family = AF_INET6;
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    target = reinterpret_cast<const sockaddr*>(&v6);
    target_size = sizeof v6;
  } else {
    return util::Unexpected(fmt::format("'{}' is not an IP address", address));
  }
  UniqueFd fd(socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int one = 1;
  if (!fd || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd.get(), target, target_size) != 0 || listen(fd.get(), SOMAXCONN) != 0) {
    return util::Unexpected(
        fmt::format("cannot listen on {} port {}: {}", address, port, std::strerror(errno)));
  }
  return fd;
}

std::string ehlo_reply(const std::string& host_name, const std::string& client, bool starttls)
{
  std::vector<std::string> lines{fmt::format("{} greets {}", host_name, client), "PIPELINING",
                                 "SIZE 10240000", "8BITMIME"};
  if (starttls) {
    lines.emplace_back("STARTTLS");
  }
  lines.emplace_back("SMTPUTF8");
  std::string reply;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    reply += fmt::format("250{}{}\r\n", i + 1 == lines.size() ? ' ' : '-', lines[i]);
  }
  return reply;
}

// Everything the receiver's threads share. Lives on the heap until every thread is joined.
struct Shared
{
  SmtpReceiverOptions options;
  SslCtxPtr tls; // null when the behaviour never reaches TLS
  UniqueFd listener;
  UniqueFd stop_event; // an eventfd that becomes readable when the receiver stops
  std::atomic<bool> stopping{false};
  Guarded<Observed> observed;
  std::thread acceptor;
  std::vector<std::thread> connection_threads; // touched by the acceptor only, until it is joined
};

// One accepted connection, served on its own thread. Every wait also watches the stop event and
// the connection deadline; any failure ends the connection.
class Connection
{
public:
  Connection(UniqueFd fd, Shared& state)
      : m_fd(std::move(fd)), m_state(state),
        m_deadline(Clock::now() + state.options.connection_deadline)
  {}

  bool tls() const { return m_ssl != nullptr; }

  // Reads one line (LF-terminated, CR stripped), at most k_max_command bytes.
  std::optional<std::string> read_line()
  {
    for (;;) {
      if (const auto end = m_input.find('\n'); end != std::string::npos) {
        std::string line = m_input.substr(0, end);
        m_input.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        return line;
      }
      if (m_input.size() > k_max_command || !fill()) {
        return std::nullopt;
      }
    }
  }

  // Sends all of `data` (through TLS once started); false when the peer is gone or the
  // connection must end.
  bool write(std::string_view data)
  {
    while (!data.empty()) {
      if (ending()) {
        return false;
      }
      short want = POLLOUT;
      if (m_ssl) {
        ERR_clear_error();
        const int length = static_cast<int>(std::min(data.size(), k_io_chunk));
        const int sent = SSL_write(m_ssl.get(), data.data(), length);
        if (sent > 0) {
          data.remove_prefix(static_cast<std::size_t>(sent));
          continue;
        }
        const int error = SSL_get_error(m_ssl.get(), sent);
        if (error == SSL_ERROR_WANT_READ) {
          want = POLLIN;
        } else if (error != SSL_ERROR_WANT_WRITE) {
          return false;
        }
      } else {
        const ssize_t sent = send(m_fd.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
          data.remove_prefix(static_cast<std::size_t>(sent));
          continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          return false;
        }
      }
      if (wait(want, Clock::time_point::max()) != Wait::ready) {
        return false;
      }
    }
    return true;
  }

  // The server side of the TLS handshake; records the SNI the client sent.
  bool start_tls()
  {
    m_ssl.reset(SSL_new(m_state.tls.get()));
    if (!m_ssl || SSL_set_fd(m_ssl.get(), m_fd.get()) != 1) {
      m_ssl.reset();
      return false;
    }
    bool done = false;
    for (;;) {
      ERR_clear_error();
      const int result = SSL_accept(m_ssl.get());
      if (result == 1) {
        done = true;
        break;
      }
      const int error = SSL_get_error(m_ssl.get(), result);
      const short want = error == SSL_ERROR_WANT_READ    ? POLLIN
                         : error == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                         : 0;
      if (want == 0 || wait(want, Clock::time_point::max()) != Wait::ready) {
        break;
      }
    }
    const char* name = SSL_get_servername(m_ssl.get(), TLSEXT_NAMETYPE_host_name);
    m_state.observed.with([&](Observed& observed) { observed.sni = name ? name : ""; });
    if (!done) {
      ERR_clear_error();
      m_ssl.reset();
    }
    return done;
  }

  // Waits `duration`, discarding anything the client sends; false when the client closed the
  // connection or it must end.
  bool pause(std::chrono::milliseconds duration)
  {
    const auto until = Clock::now() + duration;
    for (;;) {
      switch (wait(POLLIN, until)) {
      case Wait::timed_out:
        return true;
      case Wait::ended:
        return false;
      case Wait::ready:
        if (!discard()) {
          return false;
        }
      }
    }
  }

  // Reads and discards until the client closes the connection or it must end.
  void drain()
  {
    while (wait(POLLIN, Clock::time_point::max()) == Wait::ready && discard()) {
    }
  }

  // After QUIT: TLS close_notify, then up to k_linger for the client to close first.
  void finish()
  {
    if (m_ssl) {
      ERR_clear_error();
      SSL_shutdown(m_ssl.get());
      ERR_clear_error();
    }
    const auto until = Clock::now() + k_linger;
    while (wait(POLLIN, until) == Wait::ready && discard()) {
    }
  }

private:
  enum class Wait : std::uint8_t { ready, timed_out, ended };

  bool ending() const { return m_state.stopping.load() || Clock::now() >= m_deadline; }

  // Waits for `events` on the socket until `until` (never past the connection deadline).
  // `ended` when the receiver stops or the connection deadline passes.
  Wait wait(short events, Clock::time_point until)
  {
    for (;;) {
      if (ending()) {
        return Wait::ended;
      }
      const auto now = Clock::now();
      const auto limit = std::min(until, m_deadline);
      if (now >= limit) {
        return Wait::timed_out;
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(limit - now).count();
      std::array<pollfd, 2> fds{pollfd{m_fd.get(), events, 0},
                                pollfd{m_state.stop_event.get(), POLLIN, 0}};
      const int ready = poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left, 1000)));
      if (ready < 0 && errno != EINTR) {
        return Wait::ended;
      }
      if (ready > 0 && fds[1].revents != 0) {
        return Wait::ended;
      }
      if (ready > 0 && fds[0].revents != 0) {
        return Wait::ready;
      }
    }
  }

  // Appends whatever is readable (through TLS once started) to m_input; false on EOF, errors
  // or when the connection must end.
  bool fill()
  {
    std::array<char, k_io_chunk> buffer{};
    for (;;) {
      short want = POLLIN;
      if (m_ssl) {
        ERR_clear_error();
        const int got = SSL_read(m_ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
        if (got > 0) {
          m_input.append(buffer.data(), static_cast<std::size_t>(got));
          return true;
        }
        const int error = SSL_get_error(m_ssl.get(), got);
        if (error == SSL_ERROR_WANT_WRITE) {
          want = POLLOUT;
        } else if (error != SSL_ERROR_WANT_READ) {
          return false;
        }
      } else {
        const ssize_t got = recv(m_fd.get(), buffer.data(), buffer.size(), 0);
        if (got > 0) {
          m_input.append(buffer.data(), static_cast<std::size_t>(got));
          return true;
        }
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          return false;
        }
      }
      if (wait(want, Clock::time_point::max()) != Wait::ready) {
        return false;
      }
    }
  }

  // Reads and drops the raw bytes available now; false at EOF or on an error.
  bool discard()
  {
    std::array<char, k_io_chunk> buffer{};
    const ssize_t got = recv(m_fd.get(), buffer.data(), buffer.size(), 0);
    return got > 0 || (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
  }

  UniqueFd m_fd;
  Shared& m_state;
  Clock::time_point m_deadline;
  SslPtr m_ssl; // declared after m_fd: freed before the descriptor is closed
  std::string m_input;
};

// The SMTP dialogue of every behaviour that answers commands.
void converse(Connection& connection, Shared& state)
{
  const auto behaviour = state.options.behaviour;
  const auto& host = state.options.host_name;
  const std::string greeting =
      behaviour == SmtpBehaviour::greeting_554
          ? fmt::format("554 5.3.2 {} has no SMTP service for you\r\n", host)
          : fmt::format("220 {} ESMTP mtasts test receiver\r\n", host);
  if (!connection.write(greeting)) {
    return;
  }
  for (;;) {
    const auto line = connection.read_line();
    if (!line) {
      return;
    }
    state.observed.with([&](Observed& observed) { observed.commands.push_back(*line); });
    const auto space = line->find(' ');
    const std::string verb = util::to_ascii_lower(line->substr(0, space));
    const std::string argument = space == std::string::npos ? "" : line->substr(space + 1);
    std::string reply;
    if (verb == "quit") {
      if (connection.write("221 2.0.0 Bye\r\n")) {
        connection.finish();
      }
      return;
    }
    if (behaviour == SmtpBehaviour::greeting_554) {
      reply = "503 5.5.1 No SMTP service here\r\n";
    } else if ((verb == "ehlo" || verb == "helo") && behaviour == SmtpBehaviour::ehlo_refused) {
      reply = "502 5.5.1 Command not implemented\r\n";
    } else if (verb == "ehlo") {
      reply =
          ehlo_reply(host, argument, !connection.tls() && behaviour != SmtpBehaviour::no_starttls);
    } else if (verb == "helo") {
      reply = fmt::format("250 {}\r\n", host);
    } else if (verb == "starttls") {
      if (connection.tls()) {
        reply = "503 5.5.1 TLS already active\r\n";
      } else if (behaviour == SmtpBehaviour::no_starttls) {
        reply = "502 5.5.1 Command not implemented\r\n";
      } else if (behaviour == SmtpBehaviour::starttls_refused) {
        reply = "454 4.7.0 TLS not available due to temporary reason\r\n";
      } else if (behaviour == SmtpBehaviour::starttls_injection) {
        if (connection.write("220 2.0.0 Ready to start TLS\r\n250 injected\r\n")) {
          connection.drain();
        }
        return;
      } else {
        if (!connection.write("220 2.0.0 Ready to start TLS\r\n") || !connection.start_tls()) {
          return;
        }
        continue;
      }
    } else if (verb == "mail") {
      reply = "250 2.1.0 Ok\r\n";
    } else if (verb == "rcpt") {
      reply = "250 2.1.5 Ok\r\n";
    } else if (verb == "data") {
      if (!connection.write("354 End data with <CR><LF>.<CR><LF>\r\n")) {
        return;
      }
      for (;;) {
        const auto data = connection.read_line();
        if (!data) {
          return;
        }
        if (*data == ".") {
          break;
        }
      }
      reply = "250 2.0.0 Ok: queued\r\n";
    } else if (verb == "rset" || verb == "noop") {
      reply = "250 2.0.0 Ok\r\n";
    } else {
      reply = "502 5.5.2 Command not recognized\r\n";
    }
    if (!connection.write(reply)) {
      return;
    }
  }
}

void serve(Connection& connection, Shared& state)
{
  const auto& host = state.options.host_name;
  switch (state.options.behaviour) {
  case SmtpBehaviour::silent:
    connection.drain();
    return;
  case SmtpBehaviour::drip: {
    const std::string greeting = fmt::format("220 {} ESMTP drip\r\n", host);
    for (const char byte : greeting) {
      if (!connection.write(std::string_view(&byte, 1)) || !connection.pause(k_drip_interval)) {
        return;
      }
    }
    connection.drain();
    return;
  }
  case SmtpBehaviour::endless_banner: {
    std::string lines;
    for (int i = 0; i < 64; ++i) {
      lines += fmt::format("220-{} greeting line that never ends\r\n", host);
    }
    while (connection.write(lines)) {
    }
    return;
  }
  case SmtpBehaviour::huge_line: {
    std::string line = "220 ";
    line.append(k_huge, 'x');
    if (connection.write(line)) {
      connection.drain();
    }
    return;
  }
  case SmtpBehaviour::good:
  case SmtpBehaviour::no_starttls:
  case SmtpBehaviour::starttls_refused:
  case SmtpBehaviour::starttls_injection:
  case SmtpBehaviour::greeting_554:
  case SmtpBehaviour::ehlo_refused:
  case SmtpBehaviour::tls11_only:
  case SmtpBehaviour::huge_chain:
    converse(connection, state);
    return;
  }
}

void accept_loop(Shared& state)
{
  // OpenSSL's socket BIO writes without MSG_NOSIGNAL: a client that hangs up mid-handshake
  // must give EPIPE, not kill the test process. Connection threads inherit this mask.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  for (;;) {
    std::array<pollfd, 2> fds{pollfd{state.listener.get(), POLLIN, 0},
                              pollfd{state.stop_event.get(), POLLIN, 0}};
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if (fds[1].revents != 0 || state.stopping.load()) {
      return;
    }
    UniqueFd client(accept4(state.listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      return;
    }
    // Replies go out at once, as from a real MTA (no Nagle delay between 221 and close_notify).
    const int one = 1;
    setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    state.observed.with([](Observed& observed) {
      ++observed.connections;
      observed.commands.clear();
    });
    try {
      state.connection_threads.emplace_back(
          [&state](UniqueFd fd) {
            Connection connection(std::move(fd), state);
            serve(connection, state);
          },
          std::move(client));
    } catch (const std::system_error&) {
      // No thread for this client; its descriptor is closed by whichever object owns it now.
    }
  }
}

} // namespace

struct SmtpReceiver::State : Shared
{};

SmtpReceiver::SmtpReceiver(std::unique_ptr<State> state) : m_state(std::move(state)) {}

SmtpReceiver::SmtpReceiver(SmtpReceiver&& other) noexcept = default;

SmtpReceiver& SmtpReceiver::operator=(SmtpReceiver&& other) noexcept
{
  if (this != &other) {
    stop();
    m_state = std::move(other.m_state);
  }
  return *this;
}

SmtpReceiver::~SmtpReceiver()
{
  stop();
}

void SmtpReceiver::stop()
{
  if (!m_state) {
    return;
  }
  m_state->stopping.store(true);
  const std::uint64_t one = 1;
  const ssize_t written = ::write(m_state->stop_event.get(), &one, sizeof one);
  static_cast<void>(written); // a failed write still leaves `stopping` set; waits poll it
  if (m_state->acceptor.joinable()) {
    m_state->acceptor.join();
  }
  for (auto& thread : m_state->connection_threads) {
    thread.join();
  }
  m_state.reset();
}

util::Expected<SmtpReceiver, std::string> SmtpReceiver::start(SmtpReceiverOptions options)
{
  auto state = std::make_unique<State>();
  if (reaches_tls(options.behaviour)) {
    auto tls = make_server_context(options);
    if (!tls) {
      return util::Unexpected(std::move(tls).error());
    }
    state->tls = std::move(*tls);
  }
  auto listener = make_listener(options.address, options.port);
  if (!listener) {
    return util::Unexpected(std::move(listener).error());
  }
  state->listener = std::move(*listener);
  state->stop_event = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!state->stop_event) {
    return util::Unexpected(fmt::format("eventfd: {}", std::strerror(errno)));
  }
  state->options = std::move(options);
  Shared& running = *state;
  try {
    state->acceptor = std::thread([&running] { accept_loop(running); });
  } catch (const std::system_error& error) {
    return util::Unexpected(fmt::format("cannot start the receiver thread: {}", error.what()));
  }
  return SmtpReceiver(std::move(state));
}

std::string SmtpReceiver::last_sni() const
{
  return m_state->observed.with([](const Observed& observed) { return observed.sni; });
}

std::vector<std::string> SmtpReceiver::last_commands() const
{
  return m_state->observed.with([](const Observed& observed) { return observed.commands; });
}

std::size_t SmtpReceiver::connections() const
{
  return m_state->observed.with([](const Observed& observed) { return observed.connections; });
}

} // namespace mtasts::testworld
