#include <mtasts/server/connections.hpp>

#include <vector>

namespace mtasts::server {

std::uint64_t Connections::add(std::function<void()> close)
{
  const auto id = m_next++;
  m_open.emplace(id, Open{std::move(close), false});
  return id;
}

void Connections::set_busy(std::uint64_t id, bool busy)
{
  if (const auto found = m_open.find(id); found != m_open.end()) {
    found->second.busy = busy;
  }
}

void Connections::remove(std::uint64_t id)
{
  m_open.erase(id);
  if (m_draining && m_open.empty()) {
    finish_drain();
  }
}

void Connections::drain(std::chrono::seconds grace, std::function<void()> drained)
{
  m_draining = true;
  m_drained = std::move(drained);
  // Closing calls back into remove() (later, from the connection's coroutine), so collect first.
  std::vector<std::function<void()>> idle;
  for (auto& [id, open] : m_open) {
    if (!open.busy) {
      idle.push_back(open.close);
    }
  }
  for (auto& close : idle) {
    close();
  }
  if (m_open.empty()) {
    finish_drain();
    return;
  }
  m_grace = std::make_shared<asio::steady_timer>(m_io, grace);
  m_grace->async_wait([this, grace_timer = m_grace](boost::system::error_code ec) {
    if (!ec) {
      finish_drain();
    }
  });
}

void Connections::finish_drain()
{
  if (m_grace) {
    m_grace->cancel();
  }
  if (auto drained = std::exchange(m_drained, nullptr)) {
    drained();
  }
}

std::shared_ptr<IdleWatch> IdleWatch::start(asio::io_context& io, std::chrono::milliseconds timeout,
                                            std::function<void()> close)
{
  auto watch = std::make_shared<IdleWatch>(io, timeout, std::move(close));
  watch->touch();
  asio::co_spawn(
      io, [watch]() { return watch->run(); }, asio::detached);
  return watch;
}

void IdleWatch::stop()
{
  m_done = true;
  m_timer.cancel();
}

net::Awaitable<void> IdleWatch::run()
{
  auto self = shared_from_this();
  while (!m_done) {
    m_timer.expires_at(m_deadline);
    boost::system::error_code ec;
    co_await m_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (m_done) {
      break;
    }
    if (std::chrono::steady_clock::now() >= m_deadline) {
      m_close(); // idle too long: the pending read fails and the connection ends
      break;
    }
  }
}

} // namespace mtasts::server
