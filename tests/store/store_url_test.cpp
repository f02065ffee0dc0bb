// parse_store_url(): malformed URLs first, each with its exact message; then the accepted forms.
#include <mtasts/store/store_url.hpp>

#include <gtest/gtest.h>

#include <variant>

namespace mtasts::store {
namespace {

std::string error_of(std::string_view url)
{
  auto parsed = parse_store_url(url);
  EXPECT_FALSE(parsed) << url;
  return parsed ? std::string("(parsed)") : parsed.error();
}

RedisLocation redis_of(std::string_view url)
{
  auto parsed = parse_store_url(url);
  EXPECT_TRUE(parsed) << url << ": " << (parsed ? "" : parsed.error());
  if (!parsed || !std::holds_alternative<RedisLocation>(*parsed)) {
    ADD_FAILURE() << url << " is not a redis location";
    return {};
  }
  return std::get<RedisLocation>(*parsed);
}

std::string sqlite_path_of(std::string_view url)
{
  auto parsed = parse_store_url(url);
  EXPECT_TRUE(parsed) << url << ": " << (parsed ? "" : parsed.error());
  if (!parsed || !std::holds_alternative<SqliteLocation>(*parsed)) {
    ADD_FAILURE() << url << " is not a sqlite location";
    return {};
  }
  return std::get<SqliteLocation>(*parsed).path;
}

TEST(StoreUrl, RejectsMissingAndUnknownSchemes)
{
  EXPECT_EQ(error_of(""), "store URL: empty");
  EXPECT_EQ(error_of("/var/lib/cache.db"),
            "store URL: missing scheme (memory:, sqlite://, redis:// or redis+unix://)");
  EXPECT_EQ(error_of(":memory:"),
            "store URL: missing scheme (memory:, sqlite://, redis:// or redis+unix://)");
  EXPECT_EQ(error_of("1sqlite:///x"),
            "store URL: missing scheme (memory:, sqlite://, redis:// or redis+unix://)");
  EXPECT_EQ(error_of("postgres://db/x"),
            "store URL: unknown scheme 'postgres' (memory:, sqlite://, redis:// or redis+unix://)");
  EXPECT_EQ(error_of("rediss://h"),
            "store URL: unknown scheme 'rediss' (memory:, sqlite://, redis:// or redis+unix://)");
}

TEST(StoreUrl, RejectsMalformedMemoryAndSqliteUrls)
{
  EXPECT_EQ(error_of("memory://"), "store URL: memory: takes nothing after the colon");
  EXPECT_EQ(error_of("memory:x"), "store URL: memory: takes nothing after the colon");
  EXPECT_EQ(error_of("sqlite:/var/cache.db"),
            "store URL: sqlite needs '//' after the scheme (sqlite:///absolute/path or "
            "sqlite://relative/path)");
  EXPECT_EQ(error_of("sqlite://"), "store URL: sqlite path is empty");
  EXPECT_EQ(error_of("sqlite:///a.db?mode=ro"),
            "store URL: sqlite path must not contain '?' or '#' (percent-encode them)");
  EXPECT_EQ(error_of("sqlite:///a#b"),
            "store URL: sqlite path must not contain '?' or '#' (percent-encode them)");
  EXPECT_EQ(error_of("sqlite:///a%2"), "store URL: bad percent-encoding in sqlite path");
  EXPECT_EQ(error_of("sqlite:///a%zz"), "store URL: bad percent-encoding in sqlite path");
  EXPECT_EQ(error_of("sqlite:///a%00b"), "store URL: sqlite path contains a NUL byte");
}

TEST(StoreUrl, RejectsMalformedRedisUrls)
{
  EXPECT_EQ(error_of("redis:host"),
            "store URL: redis needs '//' after the scheme (redis://HOST[:PORT][/DB])");
  EXPECT_EQ(error_of("redis://"), "store URL: redis host is empty");
  EXPECT_EQ(error_of("redis://:6379"), "store URL: redis host is empty");
  EXPECT_EQ(error_of("redis://user:secret@host"),
            "store URL: redis user information (user:password@) is not supported");
  EXPECT_EQ(error_of("redis://ho st"), "store URL: redis host 'ho st' has characters other than "
                                       "letters, digits, '-', '.' and '_'");
  EXPECT_EQ(error_of("redis://[::1"), "store URL: redis host has '[' without ']'");
  EXPECT_EQ(error_of("redis://[]"), "store URL: redis host '[]' is not an IPv6 address");
  EXPECT_EQ(error_of("redis://[::g]"), "store URL: redis host '[::g]' is not an IPv6 address");
  EXPECT_EQ(error_of("redis://[::1]6379"), "store URL: unexpected '6379' after the redis host");
  EXPECT_EQ(error_of("redis://host:"), "store URL: redis port '' is not a number in 1..65535");
  EXPECT_EQ(error_of("redis://host:0"), "store URL: redis port '0' is not a number in 1..65535");
  EXPECT_EQ(error_of("redis://host:65536"),
            "store URL: redis port '65536' is not a number in 1..65535");
  EXPECT_EQ(error_of("redis://host:-1"), "store URL: redis port '-1' is not a number in 1..65535");
  EXPECT_EQ(error_of("redis://host:6379:1"),
            "store URL: redis port '6379:1' is not a number in 1..65535");
  EXPECT_EQ(error_of("redis://host/x"),
            "store URL: redis database 'x' is not a number in 0..2147483647");
  EXPECT_EQ(error_of("redis://host/1/2"),
            "store URL: redis database '1/2' is not a number in 0..2147483647");
  EXPECT_EQ(error_of("redis://host/2147483648"),
            "store URL: redis database '2147483648' is not a number in 0..2147483647");
  EXPECT_EQ(error_of("redis://host#frag"), "store URL: fragments ('#') are not supported");
  EXPECT_EQ(error_of("redis://host?db=1"),
            "store URL: unknown parameter 'db' (redis takes prefix; the database is the path)");
  EXPECT_EQ(error_of("redis://host?prefix"), "store URL: parameter 'prefix' has no value");
  EXPECT_EQ(error_of("redis://host?prefix=a&prefix=b"),
            "store URL: parameter 'prefix' given twice");
  EXPECT_EQ(error_of("redis://host?prefix=%G1"),
            "store URL: bad percent-encoding in parameter 'prefix'");
  EXPECT_EQ(error_of("redis://host?prefix=a&"), "store URL: parameter '' has no value");
}

TEST(StoreUrl, RejectsMalformedRedisUnixUrls)
{
  EXPECT_EQ(error_of("redis+unix:/run/redis.sock"),
            "store URL: redis+unix needs '//' after the scheme (redis+unix:///path/redis.sock)");
  EXPECT_EQ(error_of("redis+unix://host/run/redis.sock"),
            "store URL: redis+unix takes no host, only an absolute socket path "
            "(redis+unix:///path/redis.sock)");
  EXPECT_EQ(error_of("redis+unix://"),
            "store URL: redis+unix takes no host, only an absolute socket path "
            "(redis+unix:///path/redis.sock)");
  EXPECT_EQ(error_of("redis+unix:///s.sock?db=x"),
            "store URL: redis database 'x' is not a number in 0..2147483647");
  EXPECT_EQ(error_of("redis+unix:///s.sock?db="),
            "store URL: redis database '' is not a number in 0..2147483647");
  EXPECT_EQ(error_of("redis+unix:///s.sock?timeout=1"),
            "store URL: unknown parameter 'timeout' (redis+unix takes db and prefix)");
  EXPECT_EQ(error_of("redis+unix:///s%.sock"),
            "store URL: bad percent-encoding in redis+unix socket path");
  EXPECT_EQ(error_of("redis+unix:///s.sock#x"), "store URL: fragments ('#') are not supported");
}

TEST(StoreUrl, AcceptsMemory)
{
  auto parsed = parse_store_url("memory:");
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_TRUE(std::holds_alternative<MemoryLocation>(*parsed));
  auto upper = parse_store_url("MEMORY:");
  ASSERT_TRUE(upper) << upper.error();
  EXPECT_TRUE(std::holds_alternative<MemoryLocation>(*upper));
}

TEST(StoreUrl, AcceptsSqlitePaths)
{
  EXPECT_EQ(sqlite_path_of("sqlite:///var/lib/mtasts/cache.db"), "/var/lib/mtasts/cache.db");
  EXPECT_EQ(sqlite_path_of("sqlite://relative/cache.db"), "relative/cache.db");
  EXPECT_EQ(sqlite_path_of("sqlite://cache.db"), "cache.db");
  EXPECT_EQ(sqlite_path_of("SQLite:///a%20b%3Fc.db"), "/a b?c.db");
}

TEST(StoreUrl, AcceptsRedisOverTcp)
{
  const RedisLocation defaults = redis_of("redis://localhost");
  EXPECT_EQ(defaults.host, "localhost");
  EXPECT_EQ(defaults.port, 6379);
  EXPECT_EQ(defaults.db, 0);
  EXPECT_EQ(defaults.prefix, "mtasts:");
  EXPECT_FALSE(defaults.is_unix());
  EXPECT_EQ(defaults.endpoint(), "localhost:6379");

  const RedisLocation full = redis_of("redis://cache-1.example.net:6380/3?prefix=mx%3Asts:");
  EXPECT_EQ(full.host, "cache-1.example.net");
  EXPECT_EQ(full.port, 6380);
  EXPECT_EQ(full.db, 3);
  EXPECT_EQ(full.prefix, "mx:sts:");

  EXPECT_EQ(redis_of("redis://h/").db, 0);
  EXPECT_EQ(redis_of("redis://h/2147483647").db, 2147483647);
  EXPECT_EQ(redis_of("redis://h?prefix=").prefix, "");
  EXPECT_EQ(redis_of("redis://h:65535").port, 65535);

  const RedisLocation ipv6 = redis_of("redis://[::1]:7000/1");
  EXPECT_EQ(ipv6.host, "::1");
  EXPECT_EQ(ipv6.port, 7000);
  EXPECT_EQ(ipv6.endpoint(), "[::1]:7000");
  EXPECT_EQ(redis_of("redis://127.0.0.1").endpoint(), "127.0.0.1:6379");
}

TEST(StoreUrl, AcceptsRedisOverAUnixSocket)
{
  const RedisLocation plain = redis_of("redis+unix:///run/redis/redis.sock");
  EXPECT_TRUE(plain.is_unix());
  EXPECT_EQ(plain.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(plain.host, "");
  EXPECT_EQ(plain.db, 0);
  EXPECT_EQ(plain.prefix, "mtasts:");
  EXPECT_EQ(plain.endpoint(), "/run/redis/redis.sock");

  const RedisLocation full = redis_of("redis+unix:///run/redis.sock?db=4&prefix=p%2F");
  EXPECT_EQ(full.db, 4);
  EXPECT_EQ(full.prefix, "p/");
}

} // namespace
} // namespace mtasts::store
