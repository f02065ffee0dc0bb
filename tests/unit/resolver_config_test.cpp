// The resolver's TOML configuration: defaults, every section, errors with file:line: key.
#include <mtasts/resolver/config.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace mtasts;

namespace {

class ConfigFile
{
public:
  explicit ConfigFile(const std::string& text)
      : m_path(std::filesystem::temp_directory_path() /
               ("mtasts-config-" + std::to_string(::getpid()) + ".toml"))
  {
    std::ofstream(m_path) << text;
  }
  ~ConfigFile() { std::filesystem::remove(m_path); }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
  std::string path() const { return m_path.string(); }

private:
  std::filesystem::path m_path;
};

std::string error_of(const std::string& text)
{
  ConfigFile file(text);
  auto config = resolver::load_resolver_config(file.path(), true);
  EXPECT_FALSE(config) << text;
  if (config) {
    return {};
  }
  // Strip the temporary path so the expectations read well.
  const auto& message = config.error();
  return message.substr(message.find(".toml") + 5);
}

} // namespace

TEST(ResolverConfig, RejectsWhatAnOperatorCouldGetWrongWithThePlace)
{
  EXPECT_EQ(error_of("[resolver]\nlisten = \"127.0.0.1:8461\"\n"),
            ":2: listen: expected an array of strings");
  EXPECT_EQ(error_of("[resolver]\nfetch_timeout = \"soon\"\n"),
            ":2: fetch_timeout: expected a duration (seconds, or a number with ms, s, m, h or d)");
  EXPECT_EQ(error_of("[resolver]\nlog_level = \"loud\"\n"),
            ":2: log_level: expected one of error, warn, info, debug, trace, off");
  EXPECT_EQ(error_of("[resolver]\nsocket_mode = \"rw\"\n"),
            ":2: socket_mode: expected an octal mode such as \"0660\"");
  EXPECT_EQ(error_of("[resolver]\nmax_connections = 0\n"),
            ":2: max_connections: expected an integer from 1 to 1000000");
  EXPECT_EQ(error_of("[resolver.answer]\ndane = \"maybe\"\n"),
            ":2: dane: expected \"dane-only\" or \"notfound\"");
  EXPECT_EQ(error_of("[resolver]\ncahce = \"memory:\"\n"),
            ":2: unknown key \"cahce\" in [resolver]");
  EXPECT_EQ(error_of("[dns]\nservers = [\"1.2.3.4\", 5]\n"),
            ":2: servers: expected an array of strings");
  EXPECT_EQ(error_of("[resolver\n").substr(0, 5), ":1:10");
  EXPECT_EQ(error_of("[resolver]\nobserve_testing = \"yes\"\n"),
            ":2: observe_testing: expected true or false");
  EXPECT_EQ(error_of("[resolver]\nobserve_interval = \"30s\"\n"),
            ":2: observe_interval: expected at least 1 minute");
  EXPECT_EQ(error_of("[resolver]\nobserve_helo = \"not a name\"\n"),
            ":2: observe_helo: expected a host name");
  EXPECT_EQ(error_of("[resolver]\nobserve_interval = \"daily\"\n"),
            ":2: observe_interval: expected a duration (seconds, or a number with ms, s, m, h or "
            "d)");
}

TEST(ResolverConfig, MissingDefaultFileMeansDefaultsButAMissingGivenFileIsAnError)
{
  auto defaults = resolver::load_resolver_config("/nonexistent/mtasts.toml", false);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->listen, std::vector<std::string>{"127.0.0.1:8461"});
  EXPECT_EQ(defaults->cache, "sqlite:///var/lib/mtasts/resolver.db");
  EXPECT_TRUE(defaults->observe_testing);
  EXPECT_EQ(defaults->observe_interval, std::chrono::hours(24));
  EXPECT_EQ(defaults->observe_helo, ""); // this host's name, filled in by the daemon
  EXPECT_FALSE(resolver::load_resolver_config("/nonexistent/mtasts.toml", true));
}

TEST(ResolverConfig, ReadsEverySectionAndZonesInheritTheDefaultAnswer)
{
  ConfigFile file(R"([dns]
servers = ["127.0.0.53:53"]
timeout = 2
[tls]
ca_file = "/etc/ca.pem"
[resolver]
listen = ["127.0.0.1:1", "unix:/run/x.sock"]
socket_mode = "0660"
cache = "memory:"
fetch_timeout = "1500ms"
refresh_interval = "12h"
negative_ttl_max = "10m"
observe_testing = false
observe_interval = "6h"
observe_helo = "mx-out.example.net"
[resolver.answer]
on_fetch_failure = "temp"
[resolver.zones.strict]
strict_testing = true
)");
  auto config = resolver::load_resolver_config(file.path(), true);
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->dns_servers, std::vector<std::string>{"127.0.0.53:53"});
  EXPECT_EQ(config->dns_timeout, std::chrono::seconds(2));
  EXPECT_EQ(config->ca_file, "/etc/ca.pem");
  EXPECT_EQ(config->socket_mode, 0660U);
  EXPECT_EQ(config->fetch_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(config->engine.refresh_interval, std::chrono::hours(12));
  EXPECT_EQ(config->engine.max_discovery_ttl, std::chrono::minutes(10));
  EXPECT_FALSE(config->observe_testing);
  EXPECT_EQ(config->observe_interval, std::chrono::hours(6));
  EXPECT_EQ(config->observe_helo, "mx-out.example.net");
  const auto& strict = config->answer_settings("strict");
  EXPECT_TRUE(strict.strict_testing);
  EXPECT_EQ(strict.on_failure, core::FailureAnswer::temp); // inherited from [resolver.answer]
  EXPECT_FALSE(config->answer_settings("postfix").strict_testing);
}

TEST(ResolverConfig, Durations)
{
  EXPECT_EQ(resolver::parse_duration("30"), std::chrono::seconds(30));
  EXPECT_EQ(resolver::parse_duration("1d"), std::chrono::hours(24));
  EXPECT_FALSE(resolver::parse_duration("-1s"));
  EXPECT_FALSE(resolver::parse_duration("5 s"));
  EXPECT_FALSE(resolver::parse_duration("1w"));
  EXPECT_FALSE(resolver::parse_duration(""));
}
