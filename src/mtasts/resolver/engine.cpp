#include <mtasts/core/socketmap.hpp>
#include <mtasts/core/testing_observation.hpp>
#include <mtasts/resolver/engine.hpp>
#include <mtasts/util/rfc3339.hpp>

#include <boost/json/array.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <vector>

namespace mtasts::resolver {

namespace asio = net::asio;
namespace json = boost::json;
using net::Awaitable;

struct PolicyEngine::Resolution
{
  explicit Resolution(asio::io_context& io) : done(io, asio::steady_timer::time_point::max()) {}
  asio::steady_timer done; // cancelled when the resolution ends: waiters wake up
  bool finished = false;
  // What the resolution ended with; its waiters are answered from it (also after a flush).
  core::DomainState final_state;
  std::optional<core::CachedPolicy> applied_once; // a max_age 0 policy (never cached)
};

namespace {

std::optional<core::CachedPolicy> to_cached(const store::PolicyRecord& record)
{
  auto parsed = core::parse_policy(record.policy_text, core::Profile::compatible);
  if (!parsed.ok()) {
    return std::nullopt;
  }
  return core::CachedPolicy{record.id, std::move(*parsed.value), record.policy_text,
                            record.fetched_at, record.expires_at};
}

int settings_fingerprint(const core::AnswerSettings& s)
{
  return (s.strict_testing ? 1 : 0) | (s.on_failure == core::FailureAnswer::temp ? 2 : 0) |
         (s.dane == core::DaneAnswer::notfound ? 4 : 0) | (s.postfix.servername ? 8 : 0) |
         (s.postfix.tlsrpt_attributes ? 16 : 0);
}

// When a testing policy observed at `observed_at` is due again: after observe_interval, or
// sooner (observe_retry) when some MX host could not be reached.
core::TimePoint next_observation(core::TimePoint observed_at, bool some_transient,
                                 const EngineOptions& options)
{
  return observed_at + (some_transient ? std::min(options.observe_interval, options.observe_retry)
                                       : options.observe_interval);
}

std::string time_text(core::TimePoint t)
{
  return util::format_rfc3339_utc(t.time_since_epoch().count());
}

} // namespace

core::TimePoint system_now()
{
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

PolicyEngine::PolicyEngine(asio::io_context& io, std::shared_ptr<SenderNetwork> network,
                           std::unique_ptr<StoreWorker> store, Metrics& metrics,
                           EngineOptions options, Clock clock)
    : m_io(io), m_network(std::move(network)), m_store(std::move(store)), m_metrics(metrics),
      m_options(options), m_clock(std::move(clock))
{}

PolicyEngine::~PolicyEngine() = default;

std::size_t PolicyEngine::policies() const
{
  const auto t = now();
  return static_cast<std::size_t>(
      std::count_if(m_domains.begin(), m_domains.end(), [&](const auto& e) {
        return e.second.state.cached && e.second.state.cached->valid_at(t);
      }));
}

const core::Answer* PolicyEngine::try_answer(const std::string& domain,
                                             const core::AnswerSettings& settings)
{
  const auto found = m_domains.find(domain);
  if (found == m_domains.end()) {
    return nullptr;
  }
  Entry& entry = found->second;
  if (!entry.checked_store && entry.resolution == nullptr) {
    return nullptr;
  }
  const auto t = now();
  const bool valid_policy = entry.state.cached && entry.state.cached->valid_at(t);
  if (entry.resolution && !valid_policy) {
    // A resolution is under way and there is no valid policy to answer with: wait for it
    // rather than answer "no policy" from the state it is about to replace.
    return nullptr;
  }
  switch (core::plan_request(entry.state, t)) {
  case core::RequestPlan::resolve:
    return nullptr;
  case core::RequestPlan::answer_and_refresh:
    start_background_refresh(found->first, false);
    break;
  case core::RequestPlan::answer:
    break;
  }
  m_metrics.count_cache(valid_policy ? Metrics::Cache::hit : Metrics::Cache::negative);
  // The answer depends on the state, the settings and, through expiry, the time: memoise it
  // only while the policy is valid (or there is none at all).
  const bool memoisable = valid_policy || !entry.state.cached;
  const int fingerprint = settings_fingerprint(settings);
  if (!memoisable || entry.memo_settings != fingerprint) {
    entry.memo = core::decide_answer(domain, entry.state, t, settings);
    entry.memo_settings = memoisable ? fingerprint : -1;
  }
  return &entry.memo;
}

Awaitable<core::Answer> PolicyEngine::answer(std::string domain, core::AnswerSettings settings)
{
  const auto resolution = co_await resolve(domain, false);
  m_metrics.count_cache(Metrics::Cache::miss);
  const core::CachedPolicy* once = resolution->applied_once ? &*resolution->applied_once : nullptr;
  co_return core::decide_answer(domain, resolution->final_state, now(), settings, once);
}

Awaitable<std::shared_ptr<PolicyEngine::Resolution>> PolicyEngine::resolve(std::string domain,
                                                                           bool force_fetch)
{
  auto& entry = m_domains[domain];
  if (auto existing = entry.resolution) {
    if (!existing->finished) {
      boost::system::error_code ignored;
      co_await existing->done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return existing;
  }
  auto resolution = std::make_shared<Resolution>(m_io);
  resolution->final_state = entry.state; // answers the waiters if the resolution throws
  entry.resolution = resolution;
  ++m_in_flight;
  try {
    co_await run_resolution(domain, force_fetch, resolution);
  } catch (const std::exception& e) {
    spdlog::error("resolution of {} failed: {}", domain, e.what());
  }
  --m_in_flight;
  resolution->finished = true;
  resolution->done.cancel();
  if (Entry* current = entry_of(domain, resolution)) {
    current->resolution.reset();
    current->memo_settings = -1; // the state may have changed
  }
  start_observation_if_due(domain);
  co_return resolution;
}

PolicyEngine::Entry* PolicyEngine::entry_of(const std::string& domain,
                                            const std::shared_ptr<Resolution>& resolution)
{
  const auto found = m_domains.find(domain);
  return found != m_domains.end() && found->second.resolution == resolution ? &found->second
                                                                            : nullptr;
}

Awaitable<void> PolicyEngine::run_resolution(std::string domain, bool force_fetch,
                                             std::shared_ptr<Resolution> resolution)
{
  auto network = m_network; // kept alive across a reload
  const auto options = m_options;
  Entry* entry = entry_of(domain, resolution);
  if (!entry->checked_store) {
    auto loaded = co_await m_store->load(domain, now());
    entry = entry_of(domain, resolution);
    if (entry == nullptr) {
      co_return; // flushed meanwhile
    }
    entry->checked_store = true;
    if (!loaded) {
      spdlog::warn("cache {}: {}", m_store->kind(), loaded.error());
    } else if (*loaded && !entry->state.cached) {
      entry->state.cached = to_cached(**loaded);
      if (entry->state.dane == core::DaneCoverage::unknown) {
        entry->state.dane = core::parse_dane_coverage((*loaded)->dane);
      }
    }
  }

  core::SenderResolution sender(entry->state, options.engine, force_fetch, options.dane_lookups);
  const bool cold = !(entry->state.cached && entry->state.cached->valid_at(now()));
  sender.discovered(co_await network->discover(domain, cold), now());
  if (sender.step() == core::SenderStep::fetch) {
    const auto outcome = co_await network->fetch(domain);
    m_metrics.count_fetch(outcome.policy        ? std::string_view("ok")
                          : outcome.result_type ? core::result_type_name(*outcome.result_type)
                                                : std::string_view("sts-policy-fetch-error"));
    sender.fetched(outcome, now());
    log_fetch(domain, sender);
  } else if (sender.discovery().kind == core::DiscoveryKind::dns_failure) {
    spdlog::debug("{}: {}", domain, sender.discovery().detail);
  }
  if (sender.step() == core::SenderStep::dane) {
    sender.dane_known(co_await network->dane(domain));
  }
  resolution->final_state = sender.state();
  resolution->applied_once = sender.applied_once();

  entry = entry_of(domain, resolution);
  if (entry == nullptr) {
    co_return; // flushed meanwhile: the waiters get the answer, nothing is kept
  }
  entry->state = sender.state();
  const auto& state = entry->state;
  if (sender.had_policy() && !state.cached) {
    auto erased = co_await m_store->erase(domain);
    if (!erased) {
      spdlog::warn("cache {}: {}", m_store->kind(), erased.error());
    }
  } else if (state.cached && (sender.policy_changed() || state.dane != sender.dane_before())) {
    const auto& c = *state.cached;
    store::PolicyRecord record{domain,        c.id,
                               c.policy_text, c.fetched_at,
                               c.expires_at,  std::string(core::dane_coverage_name(state.dane))};
    auto saved = co_await m_store->save(std::move(record));
    if (!saved) {
      spdlog::warn("cache {}: {}", m_store->kind(), saved.error());
    }
  }
  // Observations describe a testing policy: a fetched policy in another mode ends them.
  entry = entry_of(domain, resolution);
  if (entry != nullptr && sender.policy_changed() && entry->state.cached &&
      entry->state.cached->policy.mode != core::PolicyMode::testing &&
      !entry->observations.empty()) {
    entry->observations.clear();
    entry->observed_id.clear();
    auto cleared = co_await m_store->replace_observations(domain, {});
    if (!cleared) {
      spdlog::warn("cache {}: {}", m_store->kind(), cleared.error());
    }
  }
}

void PolicyEngine::log_fetch(const std::string& domain, const core::SenderResolution& sender) const
{
  const auto& outcome = *sender.fetch();
  const auto& id = sender.fetch_id();
  if (outcome.policy) {
    spdlog::info("{}: policy id {} mode {} max_age {} fetched", domain, id,
                 core::mode_name(outcome.policy->mode), outcome.policy->max_age);
    return;
  }
  const auto type = outcome.result_type ? core::result_type_name(*outcome.result_type)
                                        : std::string_view("sts-policy-fetch-error");
  if (const auto& applied = sender.applied()) {
    spdlog::warn("{}: policy fetch for id {} failed ({}: {}); the cached policy id {} applies "
                 "until {}",
                 domain, id, type, outcome.detail, applied->id, time_text(applied->expires_at));
  } else {
    spdlog::warn("{}: policy fetch for id {} failed ({}: {}); no valid cached policy", domain, id,
                 type, outcome.detail);
  }
}

void PolicyEngine::start_background_refresh(const std::string& domain, bool force_fetch)
{
  const auto found = m_domains.find(domain);
  if (m_stopped || (found != m_domains.end() && found->second.resolution)) {
    return;
  }
  ++m_refreshing;
  asio::co_spawn(
      m_io,
      [this, domain, force_fetch]() -> Awaitable<void> {
        const auto resolution = co_await resolve(domain, force_fetch);
        --m_refreshing;
        const auto& state = resolution->final_state;
        m_metrics.count_refresh(state.cached && state.backoff_id.empty() ? "ok" : "failed");
      },
      asio::detached);
}

void PolicyEngine::start_observation_if_due(const std::string& domain)
{
  if (m_stopped || !m_options.observe_testing || m_observing >= m_options.observe_concurrency) {
    return;
  }
  const auto found = m_domains.find(domain);
  if (found == m_domains.end()) {
    return;
  }
  Entry& entry = found->second;
  if (entry.observing != 0 ||
      !core::observation_due(entry.state, entry.observed_id, entry.observe_after, now())) {
    return;
  }
  entry.observing = ++m_last_observation_token;
  ++m_observing;
  asio::co_spawn(m_io, run_observation(domain, *entry.state.cached, entry.observing),
                 asio::detached);
}

Awaitable<void> PolicyEngine::run_observation(std::string domain, core::CachedPolicy policy,
                                              std::uint64_t token)
{
  auto network = m_network; // kept alive across a reload
  const auto options = m_options;
  if (const auto found = m_domains.find(domain);
      found != m_domains.end() && found->second.observed_id != policy.id) {
    // Observations of this policy stored by an earlier run (before a restart, or by a fleet
    // member sharing Redis) are adopted instead of probing again while they are current. Read
    // here, in the background: never in the lookup path.
    auto stored = co_await m_store->load_observations(domain, now());
    const auto again = m_domains.find(domain);
    if (again == m_domains.end() || again->second.observing != token) {
      --m_observing;
      co_return; // flushed meanwhile
    }
    if (!stored) {
      spdlog::warn("cache {}: {}", m_store->kind(), stored.error());
    } else if (!stored->empty() && stored->front().policy_id == policy.id) {
      adopt_observations(again->second, std::move(stored).value());
      if (now() < again->second.observe_after) {
        again->second.observing = 0;
        --m_observing;
        co_return;
      }
    }
  }
  TestingObservation result;
  try {
    result = co_await network->observe(domain, policy.policy);
  } catch (const std::exception& e) {
    result.failure = e.what();
  }
  --m_observing;
  const auto t = now();
  const auto found = m_domains.find(domain);
  if (found == m_domains.end() || found->second.observing != token) {
    co_return; // flushed meanwhile (and perhaps observed again since)
  }
  Entry& entry = found->second;
  entry.observing = 0;
  if (!entry.state.cached || entry.state.cached->id != policy.id) {
    co_return; // another policy arrived meanwhile: it is due for its own observation
  }
  if (!result.failure.empty()) {
    spdlog::debug("{}: mode testing: not observed: {}", domain, result.failure);
    entry.observed_id = policy.id; // so that observe_after, not the new id, decides the retry
    entry.observe_after = next_observation(t, true, options);
    co_return;
  }
  std::vector<store::ObservationRecord> records;
  std::map<core::ObservationOutcome, std::size_t> counts;
  for (const auto& mx : result.mx) {
    m_metrics.count_observation(core::outcome_name(mx.outcome));
    ++counts[mx.outcome];
    if (mx.outcome == core::ObservationOutcome::would_fail) {
      spdlog::warn("{}", core::would_fail_message(domain, mx));
    } else if (mx.outcome == core::ObservationOutcome::transient) {
      spdlog::debug("{}: mode testing: MX {} not observed: {}", domain, mx.mx_host, mx.detail);
    }
    records.push_back(store::ObservationRecord{
        domain, mx.mx_host, policy.id, mx.address, std::string(core::outcome_name(mx.outcome)),
        mx.result_type ? std::string(core::result_type_name(*mx.result_type)) : std::string(),
        mx.detail, t});
  }
  spdlog::info("{}: mode testing: policy id {} observed as under enforce: {} MX host(s) pass, "
               "{} would fail, {} not observed{}",
               domain, policy.id, counts[core::ObservationOutcome::pass],
               counts[core::ObservationOutcome::would_fail],
               counts[core::ObservationOutcome::transient],
               result.omitted == 0 ? std::string()
                                   : fmt::format(" ({} more MX hosts skipped)", result.omitted));
  entry.observations = records;
  entry.observed_id = policy.id;
  entry.observe_after =
      next_observation(t, counts[core::ObservationOutcome::transient] > 0, options);
  auto stored = co_await m_store->replace_observations(domain, std::move(records));
  if (!stored) {
    spdlog::warn("cache {}: {}", m_store->kind(), stored.error());
  }
}

void PolicyEngine::adopt_observations(Entry& entry,
                                      std::vector<store::ObservationRecord> records) const
{
  if (records.empty()) {
    return;
  }
  auto latest = records.front().observed_at;
  for (const auto& record : records) {
    latest = std::max(latest, record.observed_at);
  }
  const bool transient = std::any_of(records.begin(), records.end(), [](const auto& record) {
    return record.outcome == core::outcome_name(core::ObservationOutcome::transient);
  });
  entry.observed_id = records.front().policy_id;
  entry.observe_after = next_observation(latest, transient, m_options);
  entry.observations = std::move(records);
}

Awaitable<std::size_t> PolicyEngine::warm_from_store()
{
  auto rows = co_await m_store->load_all(now(), m_options.max_domains);
  if (!rows) {
    spdlog::warn("cache {}: {}", m_store->kind(), rows.error());
    co_return 0;
  }
  std::size_t loaded = 0;
  for (const auto& record : *rows) {
    auto& entry = m_domains[record.domain];
    entry.checked_store = true;
    if (!entry.state.cached) {
      entry.state.cached = to_cached(record);
      entry.state.dane = core::parse_dane_coverage(record.dane);
      loaded += entry.state.cached ? 1U : 0U;
    }
  }
  if (m_options.observe_testing) {
    auto observations = co_await m_store->load_all_observations(
        now(), m_options.max_domains * m_options.observe_max_mx_hosts);
    if (!observations) {
      spdlog::warn("cache {}: {}", m_store->kind(), observations.error());
      co_return loaded;
    }
    std::map<std::string, std::vector<store::ObservationRecord>> by_domain;
    for (auto& record : *observations) {
      by_domain[record.domain].push_back(std::move(record));
    }
    for (auto& [domain, records] : by_domain) {
      const auto found = m_domains.find(domain);
      if (found != m_domains.end() && found->second.state.cached) {
        adopt_observations(found->second, std::move(records));
      }
    }
  }
  co_return loaded;
}

void PolicyEngine::maintain()
{
  const auto t = now();
  std::vector<std::string> due;
  std::vector<std::string> stale;
  for (const auto& [domain, entry] : m_domains) {
    if (entry.resolution) {
      continue;
    }
    if (core::refresh_due(entry.state, t, m_options.engine)) {
      due.push_back(domain);
    } else if (!(entry.state.cached && entry.state.cached->valid_at(t)) &&
               t >= entry.state.discovery_valid_until + std::chrono::minutes(10)) {
      stale.push_back(domain);
    }
  }
  for (const auto& domain : stale) {
    m_domains.erase(domain);
  }
  for (const auto& domain : due) {
    if (m_refreshing >= m_options.refresh_concurrency) {
      break; // the rest next round
    }
    start_background_refresh(domain, true);
  }
  if (m_options.observe_testing) {
    std::vector<std::string> to_observe;
    for (const auto& [domain, entry] : m_domains) {
      if (!entry.resolution && entry.observing == 0 &&
          core::observation_due(entry.state, entry.observed_id, entry.observe_after, t)) {
        to_observe.push_back(domain);
      }
    }
    for (const auto& domain : to_observe) {
      if (m_observing >= m_options.observe_concurrency) {
        break; // the rest next round
      }
      start_observation_if_due(domain);
    }
  }
  if (m_domains.size() > m_options.max_domains) {
    spdlog::warn("{} domains in memory, over max_domains {}; negative entries are dropped first",
                 m_domains.size(), m_options.max_domains);
    for (auto it = m_domains.begin();
         it != m_domains.end() && m_domains.size() > m_options.max_domains;) {
      const bool keep = it->second.resolution ||
                        (it->second.state.cached && it->second.state.cached->valid_at(t));
      it = keep ? std::next(it) : m_domains.erase(it);
    }
  }
}

Awaitable<void> PolicyEngine::maintenance_loop()
{
  m_maintenance_timer = std::make_unique<asio::steady_timer>(m_io);
  auto last_purge = now();
  while (!m_stopped) {
    m_maintenance_timer->expires_after(std::chrono::seconds(30));
    boost::system::error_code ec;
    co_await m_maintenance_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (m_stopped) {
      break;
    }
    maintain();
    const auto t = now();
    if (t - last_purge >= std::chrono::hours(1)) {
      last_purge = t;
      auto purged = co_await m_store->purge_expired(t);
      if (!purged) {
        spdlog::warn("cache {}: {}", m_store->kind(), purged.error());
      }
    }
  }
}

void PolicyEngine::stop()
{
  m_stopped = true;
  if (m_maintenance_timer) {
    m_maintenance_timer->cancel();
  }
}

Awaitable<bool> PolicyEngine::flush(std::string domain)
{
  const bool present = m_domains.erase(domain) > 0;
  auto erased = co_await m_store->erase(domain);
  if (!erased) {
    spdlog::warn("cache {}: {}", m_store->kind(), erased.error());
  }
  spdlog::info("{}: flushed", domain);
  co_return present || (erased && *erased);
}

Awaitable<std::size_t> PolicyEngine::flush_all()
{
  const auto in_memory = m_domains.size();
  m_domains.clear();
  auto erased = co_await m_store->erase_all();
  if (!erased) {
    spdlog::warn("cache {}: {}", m_store->kind(), erased.error());
  }
  spdlog::info("all {} domains flushed", in_memory);
  co_return std::max(in_memory, erased ? *erased : 0);
}

json::object PolicyEngine::explain(std::string_view domain, const core::AnswerSettings& settings)
{
  json::object out;
  out["domain"] = domain;
  const auto found = m_domains.find(std::string(domain));
  const core::DomainState empty;
  const auto& state = found == m_domains.end() ? empty : found->second.state;
  const auto t = now();
  const auto answer = core::decide_answer(domain, state, t, settings);
  out["answer"] = core::socketmap_reply(answer);
  out["reason"] = answer.reason;
  if (state.cached) {
    const auto& c = *state.cached;
    json::object policy;
    policy["id"] = c.id;
    policy["mode"] = core::mode_name(c.policy.mode);
    json::array mx;
    for (const auto& pattern : c.policy.mx) {
      mx.emplace_back(pattern.text);
    }
    policy["mx"] = std::move(mx);
    policy["max_age"] = c.policy.max_age;
    policy["fetched_at"] = time_text(c.fetched_at);
    policy["expires_at"] = time_text(c.expires_at);
    policy["valid"] = c.valid_at(t);
    policy["refresh_due"] = core::refresh_due(state, t, m_options.engine);
    out["cached_policy"] = std::move(policy);
  } else {
    out["cached_policy"] = nullptr;
  }
  out["dane"] = core::dane_coverage_name(state.dane);
  out["discovery_valid_until"] = time_text(state.discovery_valid_until);
  if (!state.backoff_id.empty() && t < state.backoff_until) {
    out["fetch_backoff"] =
        json::object{{"id", state.backoff_id}, {"until", time_text(state.backoff_until)}};
  }
  if (state.failure) {
    out["failure"] = core::result_type_name(*state.failure);
  }
  if (!state.failure_detail.empty()) {
    out["detail"] = state.failure_detail;
  }
  json::array observations;
  if (found != m_domains.end()) {
    for (const auto& record : found->second.observations) {
      observations.emplace_back(json::object{{"mx_host", record.mx_host},
                                             {"address", record.address},
                                             {"outcome", record.outcome},
                                             {"result_type", record.result_type},
                                             {"detail", record.detail},
                                             {"policy_id", record.policy_id},
                                             {"observed_at", time_text(record.observed_at)}});
    }
    if (state.cached && state.cached->policy.mode == core::PolicyMode::testing &&
        m_options.observe_testing) {
      const auto& entry = found->second;
      out["observation"] = json::object{{"running", entry.observing != 0},
                                        {"next", entry.observed_id == state.cached->id
                                                     ? time_text(entry.observe_after)
                                                     : std::string("now")}};
    }
  }
  out["observations"] = std::move(observations);
  out["cache"] = m_store->kind();
  return out;
}

void PolicyEngine::reconfigure(std::shared_ptr<SenderNetwork> network, EngineOptions options)
{
  m_network = std::move(network);
  m_options = options;
}

} // namespace mtasts::resolver
