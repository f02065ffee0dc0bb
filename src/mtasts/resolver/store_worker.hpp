// Runs PolicyStore calls on one dedicated thread so that SQLite commits and Redis round trips
// never block the resolver's event loop. Callers co_await run(); the result is delivered back on
// the awaiting coroutine's executor. Calls execute one at a time, in submission order.
#pragma once

#include <mtasts/net/asio.hpp>
#include <mtasts/store/policy_store.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace mtasts::resolver {

class StoreWorker
{
public:
  explicit StoreWorker(std::unique_ptr<store::PolicyStore> store);
  ~StoreWorker(); // finishes queued calls, then joins
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  std::string_view kind() const { return m_store->kind(); }

  // Runs `call(store)` on the worker thread; completes with its result. Not a coroutine itself:
  // `call` travels as an initiation argument (g++ 12 mis-moves lambda temporaries passed by value
  // into coroutine parameters, leaving their std::string members pointing into a dead frame).
  template <typename Call>
  auto run(Call call)
  {
    using Result = std::invoke_result_t<Call&, store::PolicyStore&>;
    return net::asio::async_initiate<const net::asio::use_awaitable_t<>&, void(Result)>(
        [this](auto handler, Call owned) {
          auto work = net::asio::make_work_guard(handler);
          submit(std::make_unique<Job<decltype(handler), decltype(work), Call, Result>>(
              std::move(handler), std::move(work), std::move(owned)));
        },
        net::asio::use_awaitable, std::move(call));
  }

  // The PolicyStore operations. Callers co_await these, never run() with a lambda temporary in
  // the co_await expression (see run()).
  auto load(std::string domain, std::chrono::sys_seconds now)
  {
    return run(
        [domain = std::move(domain), now](store::PolicyStore& s) { return s.load(domain, now); });
  }
  auto save(store::PolicyRecord record)
  {
    return run([record = std::move(record)](store::PolicyStore& s) { return s.save(record); });
  }
  auto erase(std::string domain)
  {
    return run([domain = std::move(domain)](store::PolicyStore& s) { return s.erase(domain); });
  }
  auto erase_all()
  {
    return run([](store::PolicyStore& s) { return s.erase_all(); });
  }
  auto load_all(std::chrono::sys_seconds now, std::size_t limit)
  {
    return run([now, limit](store::PolicyStore& s) { return s.load_all(now, limit); });
  }
  auto purge_expired(std::chrono::sys_seconds now)
  {
    return run([now](store::PolicyStore& s) { return s.purge_expired(now); });
  }
  auto replace_observations(std::string domain, std::vector<store::ObservationRecord> records)
  {
    return run([domain = std::move(domain), records = std::move(records)](store::PolicyStore& s) {
      return s.replace_observations(domain, records);
    });
  }
  auto load_observations(std::string domain, std::chrono::sys_seconds now)
  {
    return run([domain = std::move(domain), now](store::PolicyStore& s) {
      return s.load_observations(domain, now);
    });
  }
  auto load_all_observations(std::chrono::sys_seconds now, std::size_t limit)
  {
    return run([now, limit](store::PolicyStore& s) { return s.load_all_observations(now, limit); });
  }

private:
  struct JobBase
  {
    virtual ~JobBase() = default;
    virtual void execute(store::PolicyStore& store) = 0;
  };
  template <typename Handler, typename Work, typename Call, typename Result>
  struct Job final : JobBase
  {
    Job(Handler h, Work w, Call c) : handler(std::move(h)), work(std::move(w)), call(std::move(c))
    {}
    void execute(store::PolicyStore& store) override
    {
      auto executor = net::asio::get_associated_executor(handler, work.get_executor());
      net::asio::post(executor, [handler = std::move(handler), result = call(store)]() mutable {
        std::move(handler)(std::move(result));
      });
      work.reset();
    }
    Handler handler;
    Work work;
    Call call;
  };

  void submit(std::unique_ptr<JobBase> job);
  void loop();

  std::unique_ptr<store::PolicyStore> m_store;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::unique_ptr<JobBase>> m_jobs;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace mtasts::resolver
