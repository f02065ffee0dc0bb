#include <mtasts/server/listener.hpp>
#include <mtasts/util/host_port.hpp>

#include <fmt/format.h>

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mtasts::server {

namespace {

// What is at a UNIX socket path: nothing, a socket nobody answers on, a live socket, or
// something else (a file, a directory). Connecting is the only way to tell live from stale.
enum class PathState : std::uint8_t { absent, stale_socket, live_socket, not_a_socket };

PathState inspect_path(const std::string& path)
{
  struct stat info
  {};
  if (::lstat(path.c_str(), &info) != 0) {
    return PathState::absent;
  }
  if (!S_ISSOCK(info.st_mode)) {
    return PathState::not_a_socket;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return PathState::live_socket; // cannot tell: leave it alone
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int error = errno;
  ::close(fd);
  if (rc == 0) {
    return PathState::live_socket;
  }
  return error == ECONNREFUSED ? PathState::stale_socket : PathState::live_socket;
}

template <typename Acceptor, typename Endpoint>
boost::system::error_code listen_on(Acceptor& acceptor, const Endpoint& endpoint)
{
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
    if (!ec) {
      acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  return ec;
}

} // namespace

bool ListenAddress::local_only() const
{
  return is_unix() || endpoint.address().is_loopback();
}

util::Expected<ListenAddress, std::string> parse_listen_address(std::string_view text)
{
  ListenAddress address;
  address.text = std::string(text);
  if (text.starts_with("unix:")) {
    address.path = std::string(text.substr(5));
    if (!address.path.starts_with('/')) {
      return util::Unexpected(fmt::format("\"{}\": a UNIX socket path must be absolute", text));
    }
    if (address.path.size() >= sizeof(sockaddr_un::sun_path)) {
      return util::Unexpected(fmt::format("\"{}\": the socket path is too long", text));
    }
    return address;
  }
  auto parsed = util::parse_host_port(text, util::PortRule::required);
  if (!parsed) {
    return util::Unexpected(parsed.error() + " (or unix:/path)");
  }
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(parsed->host, ec);
  if (ec) {
    return util::Unexpected(fmt::format("\"{}\": listen on an IP address, not a name", text));
  }
  address.endpoint = tcp::endpoint(ip, *parsed->port);
  return address;
}

util::Expected<std::unique_ptr<Listener>, std::string>
Listener::open(asio::io_context& io, const ListenAddress& address,
               const UnixSocketOptions& unix_options)
{
  std::unique_ptr<Listener> listener(new Listener(address));
  if (!address.is_unix()) {
    listener->m_tcp = std::make_unique<tcp::acceptor>(io);
    if (const auto ec = listen_on(*listener->m_tcp, address.endpoint)) {
      return util::Unexpected(fmt::format("listen {}: {}", address.text, ec.message()));
    }
    return listener;
  }
  const auto& path = address.path;
  switch (inspect_path(path)) {
  case PathState::live_socket:
    return util::Unexpected(fmt::format(
        "listen {}: in use: another process answers on {} (stop it first)", address.text, path));
  case PathState::not_a_socket:
    return util::Unexpected(
        fmt::format("listen {}: {} exists and is not a socket", address.text, path));
  case PathState::stale_socket:
    ::unlink(path.c_str()); // left behind by a process that died
    break;
  case PathState::absent:
    break;
  }
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (!unix_options.owner.empty()) {
    const passwd* user = ::getpwnam(unix_options.owner.c_str());
    if (user == nullptr) {
      return util::Unexpected(fmt::format("socket_owner: no user \"{}\"", unix_options.owner));
    }
    uid = user->pw_uid;
  }
  if (!unix_options.group.empty()) {
    const group* g = ::getgrnam(unix_options.group.c_str());
    if (g == nullptr) {
      return util::Unexpected(fmt::format("socket_group: no group \"{}\"", unix_options.group));
    }
    gid = g->gr_gid;
  }
  listener->m_unix = std::make_unique<local_stream::acceptor>(io);
  if (const auto ec = listen_on(*listener->m_unix, local_stream::endpoint(path))) {
    return util::Unexpected(fmt::format("listen {}: {}", address.text, ec.message()));
  }
  listener->m_created_path = true;
  if (::chmod(path.c_str(), static_cast<mode_t>(unix_options.mode)) != 0) {
    return util::Unexpected(
        fmt::format("listen {}: chmod: {}", address.text, std::strerror(errno)));
  }
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
      ::chown(path.c_str(), uid, gid) != 0) {
    return util::Unexpected(
        fmt::format("listen {}: chown: {}", address.text, std::strerror(errno)));
  }
  return listener;
}

Listener::~Listener()
{
  close();
}

void Listener::close()
{
  if (m_closed) {
    return;
  }
  m_closed = true;
  boost::system::error_code ignored;
  if (m_tcp) {
    m_tcp->close(ignored);
  }
  if (m_unix) {
    m_unix->close(ignored);
  }
  if (m_created_path) {
    ::unlink(m_address.path.c_str());
  }
}

net::Awaitable<void> Listener::pause_after_error()
{
  asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
  boost::system::error_code ignored;
  co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

} // namespace mtasts::server
