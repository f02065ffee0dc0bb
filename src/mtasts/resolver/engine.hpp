// The resolver's policy engine: one core::DomainState per domain in memory (the authority for
// answers), persisted through the StoreWorker, moved by the sender engine's rules
// (core::SenderResolution) over a SenderNetwork. Single-threaded: everything runs on the
// daemon's io_context. Time comes from the clock given at construction (the unit tests run on a
// virtual clock, tests/unit/resolver_engine_test.cpp).
//
//   try_answer()  hot path: a domain whose state can answer now is answered without allocation
//                 beyond the reply, without I/O, without a log line; a due refresh is started in
//                 the background (never in the request path once a policy is cached).
//   answer()      slow path: one shared in-flight resolution per domain (concurrent lookups of a
//                 cold domain wait for the same TXT query and HTTPS fetch), then the answer.
//   resolution    runs on a copy of the domain's state and writes it back at the end, unless the
//                 domain was flushed meanwhile: then its waiters get the answer it reached and
//                 nothing is kept (memory or store).
//   observation   a valid `mode: testing` policy is observed in the background as if it said
//                 `enforce` (core/testing_observation, SenderNetwork::observe): right after a new
//                 policy id is fetched, then every `observe_interval`; at most
//                 `observe_concurrency` at once, never in the request path. The result replaces
//                 the domain's observations in memory (explain()) and in the store (the TLSRPT
//                 reporter's input); each would-fail MX host is logged at warn level.
#pragma once

#include <mtasts/core/sender.hpp>
#include <mtasts/core/sts_cache.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/resolver/metrics.hpp>
#include <mtasts/resolver/network.hpp>
#include <mtasts/resolver/store_worker.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mtasts::resolver {

struct EngineOptions
{
  core::EngineSettings engine;
  std::size_t max_domains = 200000;
  bool dane_lookups = true;
  std::size_t refresh_concurrency = 16;
  // Observation of testing policies (see above). A failed MX lookup, or an MX host that could
  // not be reached, is retried after min(observe_interval, observe_retry).
  bool observe_testing = true;
  core::Seconds observe_interval{86400};
  core::Seconds observe_retry{3600};
  std::size_t observe_concurrency = 4;
  std::size_t observe_max_mx_hosts = 10; // for the store's bound when loading observations
};

// The system clock, whole seconds.
core::TimePoint system_now();

class PolicyEngine
{
public:
  using Clock = std::function<core::TimePoint()>;

  PolicyEngine(net::asio::io_context& io, std::shared_ptr<SenderNetwork> network,
               std::unique_ptr<StoreWorker> store, Metrics& metrics, EngineOptions options,
               Clock clock = system_now);
  ~PolicyEngine();
  PolicyEngine(const PolicyEngine&) = delete;
  PolicyEngine& operator=(const PolicyEngine&) = delete;

  // Hot path: the answer when the in-memory state has it now, else nullptr (call answer()).
  // The answer is memoised per domain and socketmap zone settings until the domain's state
  // changes; the pointer stays valid until the next call into the engine.
  const core::Answer* try_answer(const std::string& domain, const core::AnswerSettings& settings);
  // Resolves `domain` if needed (shared with concurrent callers), then answers.
  net::Awaitable<core::Answer> answer(std::string domain, core::AnswerSettings settings);

  // Loads the persisted policies into memory (at start). Returns how many.
  net::Awaitable<std::size_t> warm_from_store();
  // Runs until stop(): maintain() every 30 s, and the store's purge of expired rows hourly.
  net::Awaitable<void> maintenance_loop();
  // One round of maintenance at the clock's now: proactive refresh of cached policies (§9.6),
  // eviction of stale negative entries and of entries over max_domains, due observations.
  void maintain();
  void stop();

  // Forgets `domain` in memory and in the store; the next lookup rediscovers it. A resolution
  // under way for it finishes for its waiters and keeps nothing.
  net::Awaitable<bool> flush(std::string domain);
  net::Awaitable<std::size_t> flush_all();

  // What the engine knows about `domain` and would answer (for `resolver query`).
  boost::json::object explain(std::string_view domain, const core::AnswerSettings& settings);

  // Replaces the network and options (SIGHUP). Resolutions in flight finish with the old network.
  void reconfigure(std::shared_ptr<SenderNetwork> network, EngineOptions options);

  std::size_t domains() const { return m_domains.size(); }
  std::size_t policies() const;
  std::size_t in_flight() const { return m_in_flight; }
  std::string_view store_kind() const { return m_store->kind(); }

private:
  struct Resolution;
  struct Entry
  {
    core::DomainState state;
    std::shared_ptr<Resolution> resolution; // set while a resolution runs
    bool checked_store = false;             // the store was asked for this domain
    // The last answer computed from `state` for settings with fingerprint `memo_settings`.
    core::Answer memo;
    int memo_settings = -1;
    // The last observation of a testing policy: its records (policy id inside), the id it was
    // made under, when the next one is due, and the token of the one running (0 = none).
    std::vector<store::ObservationRecord> observations;
    std::string observed_id;
    core::TimePoint observe_after{};
    std::uint64_t observing = 0;
  };

  // Runs the domain's resolution, or waits for the one under way; returns it once finished.
  net::Awaitable<std::shared_ptr<Resolution>> resolve(std::string domain, bool force_fetch);
  net::Awaitable<void> run_resolution(std::string domain, bool force_fetch,
                                      std::shared_ptr<Resolution> resolution);
  // The entry of `domain` while `resolution` is still the one running for it (nullptr after a
  // flush, or when a newer resolution took over).
  Entry* entry_of(const std::string& domain, const std::shared_ptr<Resolution>& resolution);
  void log_fetch(const std::string& domain, const core::SenderResolution& resolution) const;
  void start_background_refresh(const std::string& domain, bool force_fetch);
  // Starts the observation of `domain`'s testing policy when it is due and a slot is free.
  void start_observation_if_due(const std::string& domain);
  net::Awaitable<void> run_observation(std::string domain, core::CachedPolicy policy,
                                       std::uint64_t token);
  // Takes observation records loaded from the store into `entry` (one domain's set).
  void adopt_observations(Entry& entry, std::vector<store::ObservationRecord> records) const;
  core::TimePoint now() const { return m_clock(); }

  net::asio::io_context& m_io;
  std::shared_ptr<SenderNetwork> m_network;
  std::unique_ptr<StoreWorker> m_store;
  Metrics& m_metrics;
  EngineOptions m_options;
  Clock m_clock;
  std::unordered_map<std::string, Entry> m_domains;
  std::size_t m_in_flight = 0;
  std::size_t m_refreshing = 0;
  std::size_t m_observing = 0;
  std::uint64_t m_last_observation_token = 0;
  std::unique_ptr<net::asio::steady_timer> m_maintenance_timer;
  bool m_stopped = false;
};

} // namespace mtasts::resolver
