// `mtasts resolver` configuration: defaults, the TOML file (DESIGN.md: one file, a section per
// job plus shared [dns] and [tls]), then command-line flags, in that order of precedence.
//
//   [dns]      servers = ["127.0.0.1:53"]  trust_anchor = ""  dnssec = true  timeout = "5s"
//   [tls]      ca_file = ""
//   [resolver] listen = ["127.0.0.1:8461", "unix:/run/mtasts/resolver.sock"]
//              socket_owner = ""  socket_group = ""  socket_mode = "0666"
//              cache = "sqlite:///var/lib/mtasts/resolver.db"
//              admin_listen = "127.0.0.1:9461"  admin_token_file = ""
//              log_level = "info"   fetch_timeout = "20s"   idle_timeout = "300s"
//              max_connections = 20000   refresh_interval = "24h"   fetch_backoff = "5m"
//              negative_ttl_max = "1h"   max_domains = 200000   dane_lookups = true
//              observe_testing = true   observe_interval = "24h"   observe_helo = ""
//   [resolver.answer]          the default zone (socketmap names without their own zone)
//              strict_testing = false  on_fetch_failure = "notfound"|"temp"
//              dane = "dane-only"|"notfound"  servername = true  tlsrpt_attributes = false
//   [resolver.zones.NAME]      same keys as [resolver.answer], for socketmap:...:NAME
//
// Every key is documented in mtasts.toml(5) and dist/mtasts.toml. Durations are integers
// (seconds) or strings with a unit: "500ms", "30s", "5m", "1h", "1d"; every duration must be more
// than zero, negative_ttl_max at least 60 s (the shortest time a TXT answer is reused) and
// observe_interval at least a minute. A table or key this version does not know is an error.
// The loader reports every error of the file at once, one per line, each with file:line.
#pragma once

#include <mtasts/core/sts_cache.hpp>
#include <mtasts/server/config_reader.hpp>
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
  std::string trust_anchor;             // empty = Debian's root key
  bool dnssec = true;                   // false: no validation, so no DANE detection
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
  std::string admin_token_file;                // bearer token; required off loopback
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

// Reads `path` over the defaults. `must_exist` false: a missing file means "defaults". The
// error lists every problem of the file, one per line.
util::Expected<ResolverConfig, std::string> load_resolver_config(const std::string& path,
                                                                 bool must_exist);

// Checks values set by flags over the file the same way (durations cannot come from flags).
std::vector<std::string> check_resolver_values(const ResolverConfig& config);

// "30s" -> 30 s etc.; nullopt when malformed.
using server::parse_duration;

// The effective configuration as a TOML document that load_resolver_config() reads back to the
// same values (for --check-config).
std::string to_toml(const ResolverConfig& config);

} // namespace mtasts::resolver
