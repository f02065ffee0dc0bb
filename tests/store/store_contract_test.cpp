// The PolicyStore contract (src/mtasts/store/policy_store.hpp), run unchanged against every
// backend: memory, SQLite in a scratch directory, and a real redis-server.
#include <mtasts/store/policy_store.hpp>

#include <gtest/gtest.h>

#include "redis_server.hpp"
#include "temp_dir.hpp"
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>

namespace mtasts::store::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

struct MemoryBackend
{
  static constexpr std::string_view k_kind = "memory";
  static constexpr bool k_purge_removes = true;
  std::string skip_reason() const { return {}; }
  util::Expected<bool, std::string> prepare() { return true; }
  std::string url() const { return "memory:"; }
};

struct SqliteBackend
{
  static constexpr std::string_view k_kind = "sqlite";
  static constexpr bool k_purge_removes = true;
  std::string skip_reason() const { return {}; }
  util::Expected<bool, std::string> prepare()
  {
    if (m_dir.path().empty()) {
      return util::Unexpected(std::string("cannot create a scratch directory"));
    }
    return true;
  }
  std::string url() const { return "sqlite://" + m_dir.file("cache.db"); }
  TempDir m_dir;
};

struct RedisBackend
{
  static constexpr std::string_view k_kind = "redis";
  static constexpr bool k_purge_removes = false; // the server expires keys itself
  std::string skip_reason() const
  {
    return RedisServer::binary().empty() ? "redis-server is not installed" : "";
  }
  util::Expected<bool, std::string> prepare() { return m_server.start(); }
  std::string url() const { return m_server.tcp_url(5, "contract:"); }
  RedisServer m_server;
};

sys_seconds current_second()
{
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

PolicyRecord make_record(std::string domain, sys_seconds fetched_at,
                         std::chrono::seconds max_age = 3600s)
{
  return PolicyRecord{.domain = std::move(domain),
                      .id = "20240101T000000",
                      .policy_text = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.net\r\n"
                                     "max_age: 3600\r\n",
                      .fetched_at = fetched_at,
                      .expires_at = fetched_at + max_age,
                      .dane = "all"};
}

std::set<std::string> domains_of(const std::vector<PolicyRecord>& records)
{
  std::set<std::string> domains;
  for (const PolicyRecord& record : records) {
    domains.insert(record.domain);
  }
  return domains;
}

template <typename Backend>
class StoreContract : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (const std::string reason = m_backend.skip_reason(); !reason.empty()) {
      GTEST_SKIP() << reason;
    }
    auto prepared = m_backend.prepare();
    ASSERT_TRUE(prepared) << prepared.error();
    auto opened = open_policy_store(m_backend.url());
    ASSERT_TRUE(opened) << opened.error();
    m_store = std::move(opened).value();
    // Records fetched a minute ago, alive for an hour; times are parameters, never the clock
    // inside the store (Redis also expires keys at expires_at, so they lie in the future).
    m_now = current_second();
    m_fetched = m_now - 60s;
  }

  // The standard record of the suite for `domain`: fetched a minute ago, alive for an hour.
  PolicyRecord make_record_for(std::string domain) const
  {
    return make_record(std::move(domain), m_fetched);
  }

  // Saves and asserts success.
  void save(const PolicyRecord& record)
  {
    auto saved = m_store->save(record);
    ASSERT_TRUE(saved) << saved.error();
  }

  std::optional<PolicyRecord> load(std::string_view domain, sys_seconds now)
  {
    auto loaded = m_store->load(domain, now);
    EXPECT_TRUE(loaded) << loaded.error();
    return loaded ? *loaded : std::nullopt;
  }

  Backend m_backend;
  std::unique_ptr<PolicyStore> m_store;
  sys_seconds m_now{};
  sys_seconds m_fetched{};
};

using Backends = ::testing::Types<MemoryBackend, SqliteBackend, RedisBackend>;

class BackendNames
{
public:
  template <typename Backend>
  static std::string GetName(int /*index*/)
  {
    return std::string(Backend::k_kind);
  }
};

TYPED_TEST_SUITE(StoreContract, Backends, BackendNames);

TYPED_TEST(StoreContract, KindNamesTheBackend)
{
  EXPECT_EQ(this->m_store->kind(), TypeParam::k_kind);
}

TYPED_TEST(StoreContract, LoadOfAnUnknownDomainIsEmpty)
{
  EXPECT_EQ(this->load("unknown.example", this->m_now), std::nullopt);
}

TYPED_TEST(StoreContract, SaveThenLoadRoundTrips)
{
  PolicyRecord record = this->make_record_for("example.com");
  record.policy_text = "version: STSv1\nmode: testing\nmx: *.b\xC3\xBC"
                       "cher.example\n\nmax_age: 86400\n";
  this->save(record);
  EXPECT_EQ(this->load("example.com", this->m_now), record);
}

TYPED_TEST(StoreContract, SaveReplacesTheRecordOfTheSameDomain)
{
  this->save(this->make_record_for("example.com"));
  PolicyRecord newer = make_record("example.com", this->m_now, 7200s);
  newer.id = "20250202T000000";
  newer.policy_text = "version: STSv1\r\nmode: none\r\nmax_age: 7200\r\n";
  this->save(newer);
  EXPECT_EQ(this->load("example.com", this->m_now), newer);
  auto all = this->m_store->load_all(this->m_now, 10);
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front(), newer);
}

TYPED_TEST(StoreContract, ARecordIsNotReturnedFromItsExpiryOn)
{
  const PolicyRecord record = this->make_record_for("example.com");
  this->save(record);
  EXPECT_EQ(this->load("example.com", record.expires_at - 1s), record);
  EXPECT_EQ(this->load("example.com", record.expires_at), std::nullopt);
  EXPECT_EQ(this->load("example.com", record.expires_at + 24h), std::nullopt);
  auto all = this->m_store->load_all(record.expires_at, 10);
  ASSERT_TRUE(all) << all.error();
  EXPECT_TRUE(all->empty());
}

TYPED_TEST(StoreContract, EraseRemovesOneDomain)
{
  this->save(this->make_record_for("a.example"));
  this->save(this->make_record_for("b.example"));
  auto erased = this->m_store->erase("a.example");
  ASSERT_TRUE(erased) << erased.error();
  EXPECT_TRUE(*erased);
  EXPECT_EQ(this->load("a.example", this->m_now), std::nullopt);
  EXPECT_NE(this->load("b.example", this->m_now), std::nullopt);
  auto again = this->m_store->erase("a.example");
  ASSERT_TRUE(again) << again.error();
  EXPECT_FALSE(*again);
}

TYPED_TEST(StoreContract, EraseAllRemovesEverything)
{
  for (const char* domain : {"a.example", "b.example", "c.example"}) {
    this->save(this->make_record_for(domain));
  }
  auto removed = this->m_store->erase_all();
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_EQ(*removed, 3U);
  auto all = this->m_store->load_all(this->m_now, 10);
  ASSERT_TRUE(all) << all.error();
  EXPECT_TRUE(all->empty());
  auto nothing = this->m_store->erase_all();
  ASSERT_TRUE(nothing) << nothing.error();
  EXPECT_EQ(*nothing, 0U);
}

TYPED_TEST(StoreContract, LoadAllReturnsAtMostLimitRecords)
{
  std::set<std::string> saved;
  for (int i = 0; i < 5; ++i) {
    const std::string domain = "d" + std::to_string(i) + ".example";
    this->save(this->make_record_for(domain));
    saved.insert(domain);
  }
  auto three = this->m_store->load_all(this->m_now, 3);
  ASSERT_TRUE(three) << three.error();
  EXPECT_EQ(three->size(), 3U);
  const auto three_domains = domains_of(*three);
  EXPECT_EQ(three_domains.size(), 3U);
  EXPECT_TRUE(
      std::includes(saved.begin(), saved.end(), three_domains.begin(), three_domains.end()));

  auto all = this->m_store->load_all(this->m_now, 100);
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(domains_of(*all), saved);
  EXPECT_EQ(all->size(), 5U);
  for (const PolicyRecord& record : *all) {
    EXPECT_EQ(record, this->make_record_for(record.domain));
  }

  auto none = this->m_store->load_all(this->m_now, 0);
  ASSERT_TRUE(none) << none.error();
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(StoreContract, LoadAllLeavesOutExpiredRecords)
{
  this->save(make_record("short.example", this->m_fetched, 600s));
  this->save(make_record("long.example", this->m_fetched, 7200s));
  auto later = this->m_store->load_all(this->m_fetched + 1800s, 10);
  ASSERT_TRUE(later) << later.error();
  EXPECT_EQ(domains_of(*later), std::set<std::string>{"long.example"});
}

TYPED_TEST(StoreContract, PurgeExpiredRemovesOnlyExpiredRecords)
{
  this->save(make_record("short.example", this->m_fetched, 600s));
  this->save(make_record("long.example", this->m_fetched, 7200s));
  auto purged = this->m_store->purge_expired(this->m_fetched + 1800s);
  ASSERT_TRUE(purged) << purged.error();
  EXPECT_NE(this->load("long.example", this->m_fetched + 1800s), std::nullopt);
  if constexpr (TypeParam::k_purge_removes) {
    EXPECT_EQ(*purged, 1U);
    EXPECT_EQ(this->load("short.example", this->m_now), std::nullopt);
  } else {
    EXPECT_EQ(*purged, 0U);
    EXPECT_NE(this->load("short.example", this->m_now), std::nullopt);
  }
}

TYPED_TEST(StoreContract, DomainsAreExactKeys)
{
  this->save(this->make_record_for("example.com"));
  for (const char* other : {"Example.com", "example.com.", "example.co", "xexample.com",
                            "sub.example.com", "example.%", "example.*", "*", ""}) {
    EXPECT_EQ(this->load(other, this->m_now), std::nullopt) << other;
    auto erased = this->m_store->erase(other);
    ASSERT_TRUE(erased) << erased.error();
    EXPECT_FALSE(*erased) << other;
  }
  PolicyRecord upper = make_record("EXAMPLE.com", this->m_fetched);
  upper.id = "upper";
  this->save(upper);
  EXPECT_EQ(this->load("EXAMPLE.com", this->m_now), upper);
  EXPECT_EQ(this->load("example.com", this->m_now), this->make_record_for("example.com"));
}

// --- observations (what a testing-mode policy would have failed under enforce)

ObservationRecord make_observation(std::string domain, std::string mx_host, sys_seconds at,
                                   std::string outcome = "would-fail")
{
  const bool failed = outcome == "would-fail";
  return ObservationRecord{.domain = std::move(domain),
                           .mx_host = std::move(mx_host),
                           .policy_id = "20240101T000000",
                           .address = "192.0.2.25",
                           .outcome = std::move(outcome),
                           .result_type = failed ? "certificate-host-mismatch" : "",
                           .detail = failed ? "no SAN matches mx1.example.net: \xC3\xBC\r\n" : "",
                           .observed_at = at};
}

TYPED_TEST(StoreContract, ObservationsOfADomainWithoutAPolicyAreNotStored)
{
  auto stored = this->m_store->replace_observations(
      "example.com", {make_observation("example.com", "mx1.example.net", this->m_now)});
  ASSERT_TRUE(stored) << stored.error();
  EXPECT_FALSE(*stored);
  auto loaded = this->m_store->load_observations("example.com", this->m_now);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_TRUE(loaded->empty());
}

TYPED_TEST(StoreContract, ObservationsRoundTripInTheirOrderAndAreReplacedAsAWhole)
{
  this->save(this->make_record_for("example.com"));
  std::vector<ObservationRecord> first{
      make_observation("example.com", "mx2.example.net", this->m_now),
      make_observation("example.com", "mx1.example.net", this->m_now, "pass"),
      make_observation("example.com", "mx3.example.net", this->m_now, "transient")};
  first[2].address.clear();
  auto stored = this->m_store->replace_observations("example.com", first);
  ASSERT_TRUE(stored) << stored.error();
  EXPECT_TRUE(*stored);
  auto loaded = this->m_store->load_observations("example.com", this->m_now);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, first);

  const std::vector<ObservationRecord> second{
      make_observation("example.com", "mx9.example.net", this->m_now + 1s, "pass")};
  ASSERT_TRUE(this->m_store->replace_observations("example.com", second));
  loaded = this->m_store->load_observations("example.com", this->m_now);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, second);

  ASSERT_TRUE(this->m_store->replace_observations("example.com", {}));
  loaded = this->m_store->load_observations("example.com", this->m_now);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_TRUE(loaded->empty());
}

TYPED_TEST(StoreContract, AnInconsistentObservationSetIsAnErrorAndChangesNothing)
{
  this->save(this->make_record_for("example.com"));
  const std::vector<ObservationRecord> kept{
      make_observation("example.com", "mx1.example.net", this->m_now)};
  ASSERT_TRUE(this->m_store->replace_observations("example.com", kept));
  const std::vector<std::vector<ObservationRecord>> bad{
      {make_observation("other.example", "mx1.example.net", this->m_now)},
      {make_observation("example.com", "mx1.example.net", this->m_now),
       make_observation("example.com", "mx1.example.net", this->m_now, "pass")}};
  for (const auto& records : bad) {
    auto stored = this->m_store->replace_observations("example.com", records);
    EXPECT_FALSE(stored);
  }
  auto loaded = this->m_store->load_observations("example.com", this->m_now);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, kept);
}

TYPED_TEST(StoreContract, ObservationsLiveAndDieWithTheirPolicy)
{
  const PolicyRecord record = this->make_record_for("a.example");
  this->save(record);
  this->save(this->make_record_for("b.example"));
  this->save(this->make_record_for("c.example"));
  for (const char* domain : {"a.example", "b.example", "c.example"}) {
    ASSERT_TRUE(this->m_store->replace_observations(
        domain, {make_observation(domain, "mx1.example.net", this->m_now)}));
  }
  // Not returned from the policy's expiry on.
  auto expired = this->m_store->load_observations("a.example", record.expires_at);
  ASSERT_TRUE(expired) << expired.error();
  EXPECT_TRUE(expired->empty());
  auto none_live = this->m_store->load_all_observations(record.expires_at, 100);
  ASSERT_TRUE(none_live) << none_live.error();
  EXPECT_TRUE(none_live->empty());
  // A new save of the policy keeps them.
  this->save(this->make_record_for("a.example"));
  auto kept = this->m_store->load_observations("a.example", this->m_now);
  ASSERT_TRUE(kept) << kept.error();
  EXPECT_EQ(kept->size(), 1U);
  // erase() drops them with the policy; a policy saved again starts without them.
  ASSERT_TRUE(this->m_store->erase("a.example"));
  this->save(this->make_record_for("a.example"));
  auto after_erase = this->m_store->load_observations("a.example", this->m_now);
  ASSERT_TRUE(after_erase) << after_erase.error();
  EXPECT_TRUE(after_erase->empty());
  // erase_all() counts policies only and drops every observation.
  auto all = this->m_store->load_all_observations(this->m_now, 100);
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(all->size(), 2U);
  auto removed = this->m_store->erase_all();
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_EQ(*removed, 3U);
  this->save(this->make_record_for("b.example"));
  all = this->m_store->load_all_observations(this->m_now, 100);
  ASSERT_TRUE(all) << all.error();
  EXPECT_TRUE(all->empty());
}

TYPED_TEST(StoreContract, PurgeExpiredDropsTheObservationsOfExpiredPolicies)
{
  this->save(make_record("short.example", this->m_fetched, 600s));
  this->save(make_record("long.example", this->m_fetched, 7200s));
  for (const char* domain : {"short.example", "long.example"}) {
    ASSERT_TRUE(this->m_store->replace_observations(
        domain, {make_observation(domain, "mx1.example.net", this->m_now)}));
  }
  const auto later = this->m_fetched + 1800s;
  ASSERT_TRUE(this->m_store->purge_expired(later));
  auto all = this->m_store->load_all_observations(later, 100);
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front().domain, "long.example");
}

TYPED_TEST(StoreContract, LoadAllObservationsReturnsWholeDomainsUpToTheLimit)
{
  for (const char* domain : {"a.example", "b.example", "c.example"}) {
    this->save(this->make_record_for(domain));
    ASSERT_TRUE(this->m_store->replace_observations(
        domain, {make_observation(domain, "mx1.example.net", this->m_now),
                 make_observation(domain, "mx2.example.net", this->m_now, "pass")}));
  }
  auto all = this->m_store->load_all_observations(this->m_now, 100);
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 6U);
  std::map<std::string, std::vector<std::string>> hosts;
  for (const ObservationRecord& record : *all) {
    hosts[record.domain].push_back(record.mx_host);
    EXPECT_EQ(record, make_observation(record.domain, record.mx_host, this->m_now, record.outcome));
  }
  for (const auto& [domain, names] : hosts) {
    EXPECT_EQ(names, (std::vector<std::string>{"mx1.example.net", "mx2.example.net"})) << domain;
  }
  auto some = this->m_store->load_all_observations(this->m_now, 5);
  ASSERT_TRUE(some) << some.error();
  EXPECT_EQ(some->size(), 4U);
  auto none = this->m_store->load_all_observations(this->m_now, 1);
  ASSERT_TRUE(none) << none.error();
  EXPECT_TRUE(none->empty());
}

} // namespace
} // namespace mtasts::store::test
