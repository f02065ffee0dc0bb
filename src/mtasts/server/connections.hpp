// The open connections of a daemon: counted against its limit, closed when idle too long, and
// drained on stop (idle ones closed at once, busy ones after their current request, the rest
// when the grace period ends). Single-threaded: used from the daemon's io_context only.
#pragma once

#include <mtasts/net/asio.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

namespace mtasts::server {

namespace asio = net::asio;

class Connections
{
public:
  explicit Connections(asio::io_context& io) : m_io(io) {}

  // Registers a connection; `close` closes its socket (the pending read then fails and the
  // connection's coroutine ends, calling remove()). The id is for the other calls.
  std::uint64_t add(std::function<void()> close);
  // A connection is busy while it answers a request: draining lets it finish.
  void set_busy(std::uint64_t id, bool busy);
  void remove(std::uint64_t id);
  std::size_t size() const { return m_open.size(); }
  bool draining() const { return m_draining; }

  // Stop: closes idle connections now; `drained` runs once no connection is left, or when
  // `grace` has passed (whatever is still open is closed then).
  void drain(std::chrono::seconds grace, std::function<void()> drained);

private:
  struct Open
  {
    std::function<void()> close;
    bool busy = false;
  };
  void finish_drain();

  asio::io_context& m_io;
  std::unordered_map<std::uint64_t, Open> m_open;
  std::uint64_t m_next = 0;
  bool m_draining = false;
  std::function<void()> m_drained;
  std::shared_ptr<asio::steady_timer> m_grace;
};

// Closes a connection that stays idle longer than its timeout: the owner moves the deadline
// forward on every read (touch()) and calls stop() when the connection ends. Shared with its
// timer coroutine, which may outlive the connection's frame.
class IdleWatch : public std::enable_shared_from_this<IdleWatch>
{
public:
  static std::shared_ptr<IdleWatch> start(asio::io_context& io, std::chrono::milliseconds timeout,
                                          std::function<void()> close);
  void touch() { m_deadline = std::chrono::steady_clock::now() + m_timeout; }
  void stop();

  IdleWatch(asio::io_context& io, std::chrono::milliseconds timeout, std::function<void()> close)
      : m_timer(io), m_timeout(timeout), m_close(std::move(close))
  {}

private:
  net::Awaitable<void> run();

  asio::steady_timer m_timer;
  std::chrono::milliseconds m_timeout;
  std::chrono::steady_clock::time_point m_deadline;
  std::function<void()> m_close;
  bool m_done = false;
};

} // namespace mtasts::server
