// The resolver's PolicyEngine on a virtual clock against a fake SenderNetwork: which network
// questions it asks and when, what it answers, what it keeps, and what a flush during a
// resolution leaves behind. The real network paths run in tests/resolver (the daemon in the
// test world).
#include <mtasts/core/socketmap.hpp>
#include <mtasts/resolver/engine.hpp>
#include <mtasts/store/policy_store.hpp>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace {

using namespace mtasts;
using namespace std::chrono_literals;
namespace asio = net::asio;
using net::Awaitable;

constexpr core::TimePoint t0{std::chrono::seconds(1'800'000'000)};

core::Policy enforce_policy(std::string mx = "mx1.example.test")
{
  auto parsed = core::parse_policy(
      "version: STSv1\nmode: enforce\nmx: " + mx + "\nmax_age: 604800\n", core::Profile::strict);
  return *parsed.value;
}

class FakeNetwork final : public resolver::SenderNetwork
{
public:
  explicit FakeNetwork(asio::io_context& io) : m_io(io) {}

  std::map<std::string, std::string> ids; // `_mta-sts` id per domain; absent = no record
  std::map<std::string, core::FetchOutcome> policies;
  std::map<std::string, core::DaneCoverage> dane_coverage;
  std::map<std::string, resolver::TestingObservation> observations;
  core::Seconds ttl{300}; // of every TXT answer
  int discovers = 0;
  int fetches = 0;
  int dane_looks = 0;
  int observes = 0;

  // fetch() waits until release() while held.
  void hold()
  {
    m_gate = std::make_unique<asio::steady_timer>(m_io, asio::steady_timer::time_point::max());
  }
  void release()
  {
    if (m_gate) {
      m_gate->cancel();
      m_open = true;
    }
  }

  Awaitable<core::Discovery> discover(std::string domain, bool /*cold*/) override
  {
    ++discovers;
    core::Discovery discovery;
    discovery.ttl = ttl;
    if (const auto id = ids.find(domain); id != ids.end()) {
      discovery.kind = core::DiscoveryKind::record;
      discovery.id = id->second;
    }
    co_return discovery;
  }

  Awaitable<core::FetchOutcome> fetch(std::string domain) override
  {
    ++fetches;
    if (m_gate && !m_open) {
      boost::system::error_code ignored;
      co_await m_gate->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return policies[domain];
  }

  Awaitable<core::DaneCoverage> dane(std::string domain) override
  {
    ++dane_looks;
    const auto found = dane_coverage.find(domain);
    co_return found == dane_coverage.end() ? core::DaneCoverage::none : found->second;
  }

  Awaitable<resolver::TestingObservation> observe(std::string domain,
                                                  core::Policy /*policy*/) override
  {
    ++observes;
    co_return observations[domain];
  }

private:
  asio::io_context& m_io;
  std::unique_ptr<asio::steady_timer> m_gate;
  bool m_open = false;
};

core::FetchOutcome fetched(core::Policy policy)
{
  auto text = core::serialize_policy(policy);
  return core::FetchOutcome{std::move(policy), std::move(text), std::nullopt, {}};
}

core::FetchOutcome failed()
{
  return core::FetchOutcome{
      std::nullopt, {}, core::ResultType::sts_policy_fetch_error, "connection refused"};
}

class Engine : public ::testing::Test
{
protected:
  Engine() : network(std::make_shared<FakeNetwork>(io)) { network->ids["example.test"] = "1"; }

  std::unique_ptr<resolver::PolicyEngine> make(std::unique_ptr<store::PolicyStore> store = nullptr)
  {
    if (!store) {
      store = std::move(store::open_policy_store("memory:")).value();
    }
    return std::make_unique<resolver::PolicyEngine>(
        io, network, std::make_unique<resolver::StoreWorker>(std::move(store)), metrics, options,
        [this] { return now; });
  }

  // The answer to a lookup as the daemon gives it: memoised when the state has one, else after a
  // resolution. Runs the loop until everything started is done.
  std::string lookup(resolver::PolicyEngine& engine, const std::string& domain)
  {
    if (const auto* fast = engine.try_answer(domain, settings)) {
      const auto reply = core::socketmap_reply(*fast);
      drain();
      return reply;
    }
    std::string reply;
    asio::co_spawn(
        io,
        [&]() -> Awaitable<void> {
          reply = core::socketmap_reply(co_await engine.answer(domain, settings));
        },
        asio::detached);
    drain();
    return reply;
  }

  void drain()
  {
    io.restart();
    io.run();
  }

  asio::io_context io;
  std::shared_ptr<FakeNetwork> network;
  resolver::Metrics metrics;
  resolver::EngineOptions options;
  core::AnswerSettings settings;
  core::TimePoint now = t0;
};

const std::string k_secure = "OK secure match=mx1.example.test servername=hostname";

// --- failures and outages first

TEST_F(Engine, AFailedFetchWithoutACachedPolicyIsNoPolicyAndBacksOff)
{
  network->policies["example.test"] = failed();
  network->ttl = core::Seconds(60);
  auto engine = make();
  EXPECT_EQ(lookup(*engine, "example.test"), "NOTFOUND ");
  now += 30s; // the answer is reused for the TXT TTL
  EXPECT_EQ(lookup(*engine, "example.test"), "NOTFOUND ");
  EXPECT_EQ(network->discovers, 1);
  now += 60s; // rediscovered, but the same id is not fetched again during the backoff (5 min)
  EXPECT_EQ(lookup(*engine, "example.test"), "NOTFOUND ");
  EXPECT_EQ(network->discovers, 2);
  EXPECT_EQ(network->fetches, 1);
  now += 5min;
  EXPECT_EQ(lookup(*engine, "example.test"), "NOTFOUND ");
  EXPECT_EQ(network->fetches, 2);
}

TEST_F(Engine, AFailedFetchNeverWeakensAValidCachedPolicy)
{
  network->policies["example.test"] = fetched(enforce_policy());
  auto engine = make();
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure);
  network->ids["example.test"] = "2";
  network->policies["example.test"] = failed();
  now += 1h;
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure); // answered now, refreshed behind
  EXPECT_EQ(network->fetches, 2);
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure);
}

TEST_F(Engine, DaneIsNeverTurnedIntoStsByAnOutage)
{
  network->policies["example.test"] = fetched(enforce_policy());
  network->dane_coverage["example.test"] = core::DaneCoverage::all;
  auto engine = make();
  EXPECT_EQ(lookup(*engine, "example.test"), "OK dane-only");
  network->dane_coverage["example.test"] = core::DaneCoverage::unknown; // DNS trouble
  now += 1h;
  EXPECT_EQ(lookup(*engine, "example.test"), "OK dane-only");
  EXPECT_EQ(network->dane_looks, 2);
  EXPECT_EQ(lookup(*engine, "example.test"), "OK dane-only");
}

TEST_F(Engine, DaneCoverageSurvivesARestartDuringAnOutage)
{
  const auto file = std::filesystem::temp_directory_path() /
                    ("mtasts-engine-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(file);
  const auto url = "sqlite://" + file.string();
  network->policies["example.test"] = fetched(enforce_policy());
  network->dane_coverage["example.test"] = core::DaneCoverage::all;
  {
    auto engine = make(std::move(store::open_policy_store(url)).value());
    EXPECT_EQ(lookup(*engine, "example.test"), "OK dane-only");
  }
  network->dane_coverage["example.test"] = core::DaneCoverage::unknown;
  network->ids.clear(); // the TXT lookup fails to find anything now
  auto restarted = make(std::move(store::open_policy_store(url)).value());
  EXPECT_EQ(lookup(*restarted, "example.test"), "OK dane-only")
      << boost::json::serialize(restarted->explain("example.test", settings));
  std::filesystem::remove(file);
}

TEST_F(Engine, AFlushDuringAResolutionKeepsNothing)
{
  network->policies["example.test"] = fetched(enforce_policy());
  network->hold();
  auto engine = make();
  std::string reply;
  asio::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        reply = core::socketmap_reply(co_await engine->answer("example.test", settings));
      },
      asio::detached);
  while (network->fetches == 0) {
    ASSERT_GT(io.run_one_for(1s), 0U) << "the resolution never reached its fetch";
  }
  bool flushed = false;
  asio::co_spawn(
      io, [&]() -> Awaitable<void> { flushed = co_await engine->flush("example.test"); },
      asio::detached);
  while (!flushed) {
    ASSERT_GT(io.run_one_for(1s), 0U) << "the flush never finished";
  }
  EXPECT_EQ(engine->domains(), 0U);
  network->release();
  drain();
  // The lookup that was waiting gets the answer the resolution reached ...
  EXPECT_EQ(reply, k_secure);
  // ... but the domain is gone: not brought back in memory, not written to the store.
  EXPECT_EQ(engine->domains(), 0U);
  EXPECT_TRUE(engine->explain("example.test", settings).at("cached_policy").is_null());
  const int discovers = network->discovers;
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure);
  EXPECT_EQ(network->discovers, discovers + 1) << "rediscovered after the flush";
}

// --- the normal course

TEST_F(Engine, AColdDomainIsResolvedOnceThenAnsweredFromMemory)
{
  network->policies["example.test"] = fetched(enforce_policy());
  auto engine = make();
  EXPECT_EQ(engine->try_answer("example.test", settings), nullptr);
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure);
  EXPECT_EQ(network->discovers, 1);
  EXPECT_EQ(network->fetches, 1);
  EXPECT_EQ(network->dane_looks, 1);
  ASSERT_NE(engine->try_answer("example.test", settings), nullptr);
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure);
  EXPECT_EQ(network->discovers, 1) << "no network question while the discovery is fresh";
}

TEST_F(Engine, ConcurrentLookupsOfAColdDomainShareOneResolution)
{
  network->policies["example.test"] = fetched(enforce_policy());
  network->hold();
  auto engine = make();
  std::vector<std::string> replies(5);
  for (auto& reply : replies) {
    asio::co_spawn(
        io,
        [&]() -> Awaitable<void> {
          reply = core::socketmap_reply(co_await engine->answer("example.test", settings));
        },
        asio::detached);
  }
  while (network->fetches == 0) {
    ASSERT_GT(io.run_one_for(1s), 0U) << "the resolution never reached its fetch";
  }
  network->release();
  drain();
  for (const auto& reply : replies) {
    EXPECT_EQ(reply, k_secure);
  }
  EXPECT_EQ(network->fetches, 1);
  EXPECT_EQ(network->discovers, 1);
}

TEST_F(Engine, AnUnchangedIdIsNotFetchedAgainAndANewOneIs)
{
  network->policies["example.test"] = fetched(enforce_policy());
  auto engine = make();
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure);
  now += 10min;
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure); // the TXT TTL passed: rediscovered
  EXPECT_EQ(network->discovers, 2);
  EXPECT_EQ(network->fetches, 1);
  network->ids["example.test"] = "2";
  network->policies["example.test"] = fetched(enforce_policy("mx2.example.test"));
  now += 10min;
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure); // answered, refetched behind
  EXPECT_EQ(network->fetches, 2);
  EXPECT_EQ(lookup(*engine, "example.test"),
            "OK secure match=mx2.example.test servername=hostname");
}

TEST_F(Engine, MaintenanceRefreshesAPolicyAboutDaily)
{
  network->policies["example.test"] = fetched(enforce_policy());
  auto engine = make();
  EXPECT_EQ(lookup(*engine, "example.test"), k_secure);
  now += 23h;
  engine->maintain();
  drain();
  EXPECT_EQ(network->fetches, 1);
  now += 1h;
  engine->maintain();
  drain();
  EXPECT_EQ(network->fetches, 2) << "refresh_interval: fetched with the id unchanged";
}

TEST_F(Engine, ATestingPolicyIsObservedAfterItsResolution)
{
  auto policy = enforce_policy();
  policy.mode = core::PolicyMode::testing;
  network->policies["example.test"] = fetched(policy);
  network->observations["example.test"].mx.push_back(
      core::MxObservation{"mx1.example.test", "192.0.2.1", core::ObservationOutcome::would_fail,
                          core::ResultType::certificate_expired, "expired"});
  auto engine = make();
  EXPECT_EQ(lookup(*engine, "example.test"), "NOTFOUND ");
  EXPECT_EQ(network->observes, 1);
  const auto explained = engine->explain("example.test", settings);
  const auto& observations = explained.at("observations").as_array();
  ASSERT_EQ(observations.size(), 1U);
  EXPECT_EQ(observations[0].at("result_type"), "certificate-expired");
  EXPECT_EQ(observations[0].at("outcome"), "would-fail");
}

} // namespace
