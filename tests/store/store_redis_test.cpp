// The Redis backend beyond the shared contract, against a real redis-server: the key layout and
// its TTL, prefixes and databases, corrupt hashes, a dead or silent server, and reconnecting
// after a restart.
#include <mtasts/store/policy_store.hpp>
#include <mtasts/store/redis_handles.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "redis_server.hpp"
#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

namespace mtasts::store::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

sys_seconds current_second()
{
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

PolicyRecord make_record(std::string domain, sys_seconds fetched_at,
                         std::chrono::seconds max_age = 3600s)
{
  return PolicyRecord{.domain = std::move(domain),
                      .id = "20240301",
                      .policy_text = "version: STSv1\r\nmode: enforce\r\nmx: *.example.net\r\n"
                                     "max_age: 3600\r\n",
                      .fetched_at = fetched_at,
                      .expires_at = fetched_at + max_age,
                      .dane = "none"};
}

class RedisStore : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (RedisServer::binary().empty()) {
      GTEST_SKIP() << "redis-server is not installed (/usr/bin/redis-server or "
                      "$MTASTS_REDIS_SERVER)";
    }
    auto started = m_server.start();
    ASSERT_TRUE(started) << started.error();
    const timeval limit{2, 0};
    m_raw.reset(redisConnectUnixWithTimeout(m_server.socket_path().c_str(), limit));
    ASSERT_TRUE(m_raw && m_raw->err == 0);
    m_now = current_second();
  }

  std::unique_ptr<PolicyStore> open_store(const std::string& url)
  {
    auto opened = open_policy_store(url, 1000ms);
    EXPECT_TRUE(opened) << opened.error();
    return opened ? std::move(opened).value() : nullptr;
  }

  // A raw command on db 0 (or the db selected before) through hiredis, bypassing the store.
  RedisReplyPtr raw(std::initializer_list<std::string> arguments)
  {
    std::vector<const char*> pointers;
    std::vector<std::size_t> lengths;
    for (const std::string& argument : arguments) {
      pointers.push_back(argument.c_str());
      lengths.push_back(argument.size());
    }
    return RedisReplyPtr(static_cast<redisReply*>(redisCommandArgv(
        m_raw.get(), static_cast<int>(pointers.size()), pointers.data(), lengths.data())));
  }

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(m_server.port()); }

  RedisServer m_server;
  RedisContextPtr m_raw;
  sys_seconds m_now{};
};

TEST_F(RedisStore, OpeningFailsWhenNothingListens)
{
  const std::uint16_t port = free_local_port();
  ASSERT_NE(port, 0);
  auto opened = open_policy_store("redis://127.0.0.1:" + std::to_string(port), 500ms);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(),
            "redis 127.0.0.1:" + std::to_string(port) + ": open: connect: Connection refused");
}

TEST_F(RedisStore, OpeningFailsOnADatabaseTheServerDoesNotHave)
{
  auto opened = open_policy_store("redis://127.0.0.1:" + std::to_string(m_server.port()) + "/99");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "redis " + endpoint() +
                                ": open: connect: SELECT 99: ERR DB index is "
                                "out of range");
}

TEST_F(RedisStore, OpeningTimesOutOnAServerThatNeverAnswers)
{
  // A socket that listens but never accepts: the TCP handshake completes in the kernel, the
  // first command (SELECT) gets no answer.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));

  const auto started = std::chrono::steady_clock::now();
  auto opened = open_policy_store("redis://127.0.0.1:" + port, 300ms);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  close(listener);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "redis 127.0.0.1:" + port +
                                ": open: connect: SELECT 0: timed out (Resource temporarily "
                                "unavailable)");
  EXPECT_LT(elapsed, 3s);
}

TEST_F(RedisStore, ARecordIsAHashUnderThePrefixThatExpiresAtExpiresAt)
{
  auto store = open_store("redis://127.0.0.1:" + std::to_string(m_server.port()));
  ASSERT_NE(store, nullptr);
  const PolicyRecord record = make_record("example.com", m_now - 60s, 3660s);
  ASSERT_TRUE(store->save(record));

  const RedisReplyPtr ttl = raw({"TTL", "mtasts:policy:example.com"});
  ASSERT_TRUE(ttl);
  ASSERT_EQ(ttl->type, REDIS_REPLY_INTEGER);
  const auto expected = (record.expires_at - current_second()).count();
  EXPECT_NEAR(static_cast<double>(ttl->integer), static_cast<double>(expected), 2.0);

  const RedisReplyPtr fields =
      raw({"HMGET", "mtasts:policy:example.com", "id", "policy_text", "fetched_at", "expires_at"});
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(fields->elements, 4U);
  EXPECT_EQ(std::string(fields->element[0]->str), record.id);
  EXPECT_EQ(std::string(fields->element[1]->str), record.policy_text);
  EXPECT_EQ(std::string(fields->element[2]->str),
            std::to_string(record.fetched_at.time_since_epoch().count()));
  EXPECT_EQ(std::string(fields->element[3]->str),
            std::to_string(record.expires_at.time_since_epoch().count()));
}

TEST_F(RedisStore, ARecordSavedAfterItsExpiryIsDroppedByTheServer)
{
  auto store = open_store(m_server.tcp_url(0, "t:"));
  ASSERT_NE(store, nullptr);
  const PolicyRecord stale = make_record("stale.example", m_now - 7200s);
  ASSERT_TRUE(store->save(stale));
  // Even a caller's clock that lags behind does not bring it back: the key is gone.
  auto loaded = store->load("stale.example", stale.fetched_at);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, std::nullopt);
  const RedisReplyPtr exists = raw({"EXISTS", "t:policy:stale.example"});
  ASSERT_TRUE(exists);
  EXPECT_EQ(exists->integer, 0);
}

TEST_F(RedisStore, PrefixesAndDatabasesSeparateStores)
{
  auto first = open_store(m_server.tcp_url(0, "one:"));
  auto glob = open_store(m_server.tcp_url(0, "g*[?]\\:"));
  auto other_db = open_store(m_server.tcp_url(1, "one:"));
  auto over_unix = open_store("redis+unix://" + m_server.socket_path() + "?db=0&prefix=one:");
  ASSERT_TRUE(first && glob && other_db && over_unix);
  ASSERT_TRUE(first->save(make_record("a.example", m_now)));
  ASSERT_TRUE(glob->save(make_record("b.example", m_now)));
  ASSERT_TRUE(other_db->save(make_record("c.example", m_now)));
  // Keys that only look similar stay untouched.
  ASSERT_TRUE(raw({"SET", "one:policyx", "1"}));
  ASSERT_TRUE(raw({"SET", "two:policy:a.example", "1"}));
  ASSERT_TRUE(raw({"SET", "gx[?]\\:policy:z", "1"}));

  auto via_unix = over_unix->load("a.example", m_now);
  ASSERT_TRUE(via_unix) << via_unix.error();
  EXPECT_EQ(*via_unix, make_record("a.example", m_now));
  auto not_in_db1 = other_db->load("a.example", m_now);
  ASSERT_TRUE(not_in_db1) << not_in_db1.error();
  EXPECT_EQ(*not_in_db1, std::nullopt);

  auto glob_all = glob->load_all(m_now, 10);
  ASSERT_TRUE(glob_all) << glob_all.error();
  ASSERT_EQ(glob_all->size(), 1U);
  EXPECT_EQ(glob_all->front().domain, "b.example");

  auto removed = first->erase_all();
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_EQ(*removed, 1U);
  auto glob_removed = glob->erase_all();
  ASSERT_TRUE(glob_removed) << glob_removed.error();
  EXPECT_EQ(*glob_removed, 1U);
  const RedisReplyPtr size = raw({"DBSIZE"});
  ASSERT_TRUE(size);
  EXPECT_EQ(size->integer, 3); // the three look-alikes
  auto still_there = other_db->load("c.example", m_now);
  ASSERT_TRUE(still_there) << still_there.error();
  EXPECT_NE(*still_there, std::nullopt);
}

TEST_F(RedisStore, LoadAllWalksManyScanPages)
{
  auto store = open_store(m_server.tcp_url(2, "many:"));
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 2500; ++i) {
    ASSERT_TRUE(store->save(make_record("d" + std::to_string(i) + ".example", m_now)));
  }
  auto all = store->load_all(m_now, 10'000);
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(all->size(), 2500U);
  auto some = store->load_all(m_now, 1234);
  ASSERT_TRUE(some) << some.error();
  EXPECT_EQ(some->size(), 1234U);
  auto removed = store->erase_all();
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_EQ(*removed, 2500U);
}

TEST_F(RedisStore, CorruptHashesAreErrorsForLoadAndSkippedByLoadAll)
{
  auto store = open_store(m_server.tcp_url(0, "c:"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->save(make_record("good.example", m_now)));
  ASSERT_TRUE(raw({"HSET", "c:policy:partial.example", "id", "x", "policy_text", "y"}));
  ASSERT_TRUE(raw({"HSET", "c:policy:text-time.example", "id", "x", "policy_text", "y",
                   "fetched_at", "yesterday", "expires_at", "4000000000"}));
  ASSERT_TRUE(raw({"SET", "c:policy:string.example", "not a hash"}));
  const std::string head = "redis " + endpoint() + ": load ";

  auto partial = store->load("partial.example", m_now);
  ASSERT_FALSE(partial);
  EXPECT_EQ(partial.error(),
            head + "partial.example: corrupt record: field 'fetched_at' is missing");
  auto text_time = store->load("text-time.example", m_now);
  ASSERT_FALSE(text_time);
  EXPECT_EQ(text_time.error(), head + "text-time.example: corrupt record: field 'fetched_at' is "
                                      "not an integer ('yesterday')");
  auto wrong_type = store->load("string.example", m_now);
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error(), head + "string.example: WRONGTYPE Operation against a key "
                                       "holding the wrong kind of value");

  auto all = store->load_all(m_now, 10);
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front().domain, "good.example");
  // The store still works after error replies: the connection stayed in step.
  auto good = store->load("good.example", m_now);
  ASSERT_TRUE(good) << good.error();
  EXPECT_EQ(*good, make_record("good.example", m_now));
}

TEST_F(RedisStore, ADeadServerGivesErrorsAndARestartedOneWorksAgain)
{
  auto store = open_store(m_server.tcp_url(0, "r:"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->save(make_record("before.example", m_now)));
  m_server.stop();

  const std::string head = "redis " + endpoint() + ": ";
  auto loaded = store->load("before.example", m_now);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().rfind(head + "load before.example: ", 0), 0U) << loaded.error();
  auto saved = store->save(make_record("during.example", m_now));
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error(), head + "save during.example: connect: Connection refused");
  auto erased = store->erase_all();
  ASSERT_FALSE(erased);
  EXPECT_EQ(erased.error(), head + "erase all: connect: Connection refused");
  auto all = store->load_all(m_now, 10);
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error(), head + "load all: connect: Connection refused");

  auto restarted = m_server.start();
  ASSERT_TRUE(restarted) << restarted.error();
  auto after = store->load("before.example", m_now); // the data went with the old server
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(*after, std::nullopt);
  ASSERT_TRUE(store->save(make_record("after.example", m_now)));
  auto reloaded = store->load("after.example", m_now);
  ASSERT_TRUE(reloaded) << reloaded.error();
  EXPECT_EQ(*reloaded, make_record("after.example", m_now));
}

TEST_F(RedisStore, AConnectionBrokenBetweenOperationsIsReplacedTransparently)
{
  auto store = open_store(m_server.tcp_url(0, "q:"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->save(make_record("one.example", m_now)));
  m_server.stop();
  auto restarted = m_server.start();
  ASSERT_TRUE(restarted) << restarted.error();
  // The store's connection is dead but it has not noticed yet: the first command fails on it,
  // the store reconnects once and the operation succeeds.
  auto saved = store->save(make_record("two.example", m_now));
  ASSERT_TRUE(saved) << saved.error();
  m_server.stop();
  restarted = m_server.start();
  ASSERT_TRUE(restarted) << restarted.error();
  for (int i = 0; i < 3; ++i) {
    auto loaded = store->load("two.example", m_now);
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_EQ(*loaded, std::nullopt);
  }
}

} // namespace
} // namespace mtasts::store::test
