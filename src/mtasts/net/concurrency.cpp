#include <mtasts/net/concurrency.hpp>

#include <exception>

namespace mtasts::net {

Awaitable<void> run_all(std::vector<Awaitable<void>> tasks)
{
  auto executor = co_await asio::this_coro::executor;
  std::size_t running = tasks.size();
  std::exception_ptr failure;
  // Parked until the last task finishes: the counter says when, the timer wakes us.
  asio::steady_timer finished(executor, asio::steady_timer::time_point::max());
  for (auto& task : tasks) {
    asio::co_spawn(executor, std::move(task), [&](std::exception_ptr error) {
      if (error && !failure) {
        failure = error;
      }
      if (--running == 0) {
        finished.cancel();
      }
    });
  }
  if (running != 0) {
    boost::system::error_code ignored;
    co_await finished.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

void start_detached(const asio::any_io_executor& executor, Awaitable<void> task)
{
  asio::co_spawn(executor, std::move(task), asio::detached);
}

} // namespace mtasts::net
