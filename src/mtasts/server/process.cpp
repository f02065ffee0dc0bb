#include <mtasts/server/process.hpp>

#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

namespace mtasts::server {

namespace asio = net::asio;

void notify_systemd(std::string_view state)
{
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || (path[0] != '/' && path[0] != '@')) {
    return;
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string_view name(path);
  const auto length = std::min(name.size(), sizeof(address.sun_path) - 1);
  std::copy_n(name.data(), length, address.sun_path);
  if (address.sun_path[0] == '@') {
    address.sun_path[0] = '\0'; // abstract namespace
  }
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&address), size);
  ::close(fd);
}

FileLimit raise_file_limit()
{
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return {};
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  return FileLimit{static_cast<std::uint64_t>(limit.rlim_cur),
                   static_cast<std::uint64_t>(limit.rlim_max)};
}

std::optional<std::string> connection_limit_warning(std::size_t max_connections, FileLimit limit,
                                                    std::size_t reserve)
{
  if (limit.soft == 0 || max_connections + reserve <= limit.soft) {
    return std::nullopt;
  }
  return fmt::format("max_connections {} exceeds what the open-file limit {} allows (hard limit "
                     "{}, {} kept for the daemon itself): connections beyond about {} fail in "
                     "accept(2); raise LimitNOFILE= or lower max_connections",
                     max_connections, limit.soft, limit.hard, reserve,
                     limit.soft > reserve ? limit.soft - reserve : 0);
}

net::Awaitable<void> handle_signals(std::function<void()> reload, std::function<void()> stop)
{
  asio::signal_set signals(co_await asio::this_coro::executor, SIGTERM, SIGINT, SIGHUP);
  while (true) {
    boost::system::error_code ec;
    const int signal = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    if (signal == SIGHUP) {
      reload();
      continue;
    }
    stop();
    co_return;
  }
}

} // namespace mtasts::server
