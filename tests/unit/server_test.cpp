// The pure parts of the shared daemon layer (server/): listen addresses, access rules, limits,
// journald priorities. Listeners, sockets and signals run in tests/resolver (the real daemon).
#include <mtasts/cli/suggest.hpp>
#include <mtasts/server/admin.hpp>
#include <mtasts/server/listener.hpp>
#include <mtasts/server/logging.hpp>
#include <mtasts/server/process.hpp>

#include <gtest/gtest.h>

namespace {

using namespace mtasts;

TEST(ServerListenAddress, Errors)
{
  EXPECT_FALSE(server::parse_listen_address("unix:relative.sock"));
  EXPECT_FALSE(server::parse_listen_address("unix:/" + std::string(200, 'x')));
  EXPECT_FALSE(server::parse_listen_address("localhost:8461")) << "an address, not a name";
  EXPECT_FALSE(server::parse_listen_address("127.0.0.1"));
  EXPECT_FALSE(server::parse_listen_address("127.0.0.1:0"));
}

TEST(ServerListenAddress, WhoCanReachIt)
{
  EXPECT_TRUE(server::parse_listen_address("unix:/run/mtasts/admin.sock")->local_only());
  EXPECT_TRUE(server::parse_listen_address("127.0.0.1:9461")->local_only());
  EXPECT_TRUE(server::parse_listen_address("127.3.2.1:9461")->local_only());
  EXPECT_TRUE(server::parse_listen_address("[::1]:9461")->local_only());
  EXPECT_FALSE(server::parse_listen_address("0.0.0.0:9461")->local_only());
  EXPECT_FALSE(server::parse_listen_address("[::]:9461")->local_only());
  const auto wide = *server::parse_listen_address("0.0.0.0:9461");
  EXPECT_TRUE(server::admin_access_error(wide, false));
  EXPECT_FALSE(server::admin_access_error(wide, true));
  EXPECT_FALSE(server::admin_access_error(*server::parse_listen_address("127.0.0.1:1"), false));
}

TEST(ServerProcess, ConnectionLimitWarning)
{
  EXPECT_FALSE(server::connection_limit_warning(1000, {65536, 65536}));
  const auto warning = server::connection_limit_warning(20000, {1024, 4096});
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("max_connections 20000"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("LimitNOFILE"), std::string::npos) << *warning;
}

TEST(ServerLogging, JournaldPriorities)
{
  EXPECT_EQ(server::journald_priority("error"), 3);
  EXPECT_EQ(server::journald_priority("warn"), 4);
  EXPECT_EQ(server::journald_priority("info"), 6);
  EXPECT_EQ(server::journald_priority("debug"), 7);
  EXPECT_TRUE(server::is_log_level("trace"));
  EXPECT_FALSE(server::is_log_level("verbose"));
}

TEST(CliSuggest, ClosestMatch)
{
  const std::vector<std::string> commands{"policy", "record", "report", "check", "resolver"};
  EXPECT_EQ(cli::closest_match("polcy", commands), "policy");
  EXPECT_EQ(cli::closest_match("reprot", commands), "report");
  EXPECT_EQ(cli::closest_match("resolv", commands), "resolver");
  EXPECT_FALSE(cli::closest_match("frobnicate", commands));
  EXPECT_FALSE(cli::closest_match("x", commands));
  EXPECT_EQ(cli::parse_decimal_argument("010", 0, 100).value(), 10U);
  EXPECT_FALSE(cli::parse_decimal_argument("0x10", 0, 100));
  EXPECT_FALSE(cli::parse_decimal_argument("-1", 0, 100));
  EXPECT_FALSE(cli::parse_decimal_argument("101", 0, 100));
  EXPECT_DOUBLE_EQ(cli::parse_seconds_argument("2.5", 0.1, 600).value(), 2.5);
  EXPECT_FALSE(cli::parse_seconds_argument("1e3", 0.1, 600));
  EXPECT_FALSE(cli::parse_seconds_argument(".5", 0.1, 600));
}

} // namespace
