// `mtasts resolver` configuration: defaults, the TOML file (DESIGN.md: one file, a section per
// job plus shared [dns] and [tls]), then command-line flags, in that order of precedence.
//
//   [dns]      servers = ["127.0.0.1:53"]  trust_anchor = ""  timeout = "5s"
//   [tls]      ca_file = ""
//   [resolver] listen = ["127.0.0.1:8461", "unix:/run/mtasts/resolver.sock"]
//              socket_owner = ""  socket_group = ""  socket_mode = "0666"
//              cache = "sqlite:///var/lib/mtasts/resolver.db"     admin_listen = "127.0.0.1:9461"
//              log_level = "info"   fetch_timeout = "20s"   idle_timeout = "300s"
//              max_connections = 20000   refresh_interval = "24h"   fetch_backoff = "5m"
//              negative_ttl_max = "1h"   max_domains = 200000   dane_lookups = true
//              observe_testing = true   observe_interval = "24h"   (testing policies observed as
//              under enforce, for the reporter; interval at least 1m)   observe_helo = "" (the
//              EHLO name of those probes; "" = this host's name)
//   [resolver.answer]          the default zone (socketmap names without their own zone)
//              strict_testing = false  on_fetch_failure = "notfound"|"temp"
//              dane = "dane-only"|"notfound"  servername = true  tlsrpt_attributes = false
//   [resolver.zones.NAME]      same keys as [resolver.answer], for socketmap:...:NAME
//
// Durations are integers (seconds) or strings with a unit: "500ms", "30s", "5m", "1h", "1d".
// Errors name the file, line and key.
#pragma once

#include <mtasts/core/sts_cache.hpp>
#include <mtasts/util/expected.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mtasts::resolver {

inline constexpr std::string_view k_default_config_file = "/etc/mtasts/mtasts.toml";

struct ResolverConfig
{
  // [dns]
  std::vector<std::string> dns_servers; // empty = /etc/resolv.conf
  std::string trust_anchor;             // empty = Debian's root key when present
  std::chrono::milliseconds dns_timeout{std::chrono::seconds(5)};
  // [tls]
  std::string ca_file; // empty = the system trust store
  // [resolver]
  std::vector<std::string> listen{"127.0.0.1:8461"};
  std::string socket_owner; // for unix: listeners; empty = unchanged
  std::string socket_group;
  std::uint32_t socket_mode = 0666;
  std::string cache = "sqlite:///var/lib/mtasts/resolver.db";
  std::string admin_listen = "127.0.0.1:9461"; // "" = no metrics/admin listener
  std::string log_level = "info";
  std::chrono::milliseconds fetch_timeout{std::chrono::seconds(20)};
  std::chrono::seconds idle_timeout{300};
  std::size_t max_connections = 20000;
  std::size_t max_domains = 200000;
  bool dane_lookups = true;
  bool observe_testing = true;
  std::chrono::seconds observe_interval{86400};
  // The EHLO name of the observation probes (RFC 5321 §4.1.1.1: the client's FQDN); "" = this
  // host's name (gethostname, as Postfix's myhostname).
  std::string observe_helo;
  core::EngineSettings engine;
  core::AnswerSettings default_answer;
  std::map<std::string, core::AnswerSettings, std::less<>> zones;

  const core::AnswerSettings& answer_settings(std::string_view map_name) const;
};

// Reads `path` over the defaults. `must_exist` false: a missing file means "defaults".
util::Expected<ResolverConfig, std::string> load_resolver_config(const std::string& path,
                                                                 bool must_exist);

// "30s" -> 30 s etc.; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// A human summary of the effective configuration (for --check-config).
std::string describe(const ResolverConfig& config);

} // namespace mtasts::resolver
