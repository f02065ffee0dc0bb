#include <mtasts/resolver/store_worker.hpp>

namespace mtasts::resolver {

StoreWorker::StoreWorker(std::unique_ptr<store::PolicyStore> store)
    : m_store(std::move(store)), m_thread([this] { loop(); })
{}

StoreWorker::~StoreWorker()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_one();
  m_thread.join();
}

void StoreWorker::submit(std::unique_ptr<JobBase> job)
{
  {
    const std::lock_guard lock(m_mutex);
    m_jobs.push_back(std::move(job));
  }
  m_wake.notify_one();
}

void StoreWorker::loop()
{
  while (true) {
    std::unique_ptr<JobBase> job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
      if (m_jobs.empty()) {
        return; // stopping and drained
      }
      job = std::move(m_jobs.front());
      m_jobs.pop_front();
    }
    job->execute(*m_store);
  }
}

} // namespace mtasts::resolver
