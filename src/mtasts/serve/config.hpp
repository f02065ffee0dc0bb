// `mtasts serve` configuration: the policy host (RFC 8461 §3.3) for one domain or many. Read from
// the same TOML file as the other jobs (DESIGN.md); the tables of other jobs ([resolver], ...)
// are left to them. Every key is documented in mtasts.toml(5) and dist/mtasts.toml.
//
//   [dns]      servers, trust_anchor, dnssec, timeout     (shared; lookups of MX warnings)
//   [tls]      ca_file                                    (shared)
//   [serve]    https_listen = ["0.0.0.0:443"]  http_listen = ["0.0.0.0:80"]  (may be [])
//              state_dir = "/var/lib/mtasts/serve"  store = "" (= sqlite://<state_dir>/serve.db)
//              public_addresses = []  (the A/AAAA values `serve records` prints; default: the
//                                      https_listen addresses that are not wildcards)
//              log_level = "info"  max_connections = 10000  max_connections_per_client = 64
//              header_timeout = "10s"  idle_timeout = "30s"  cache_max_age = "5m"
//   [admin]    listen = "127.0.0.1:9462"  token_file = ""
//   [[domain]] name, mode = "testing", mx = [...], max_age = 604800, rua = [...],
//              certificate = "", key = ""  (PEM files; both or neither)
//   [acme], [dns_update], [hosting]: read and checked; what this version cannot do with them is
//              an error of the configuration (see validate_capabilities()).
//
// The loader reports every problem of the file at once, one per line, each with file:line.
#pragma once

#include <mtasts/core/policy.hpp>
#include <mtasts/util/expected.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtasts::serve {

struct DomainConfig
{
  std::string name; // the policy domain, normalised (A-labels, lowercase, no trailing dot)
  core::Policy policy;
  std::vector<std::string> rua; // for the _smtp._tls record `serve records` prints
  std::string certificate;      // PEM chain of mta-sts.<name>; empty = from ACME
  std::string key;
  int line = 0; // where the [[domain]] table starts, for messages

  std::string policy_host() const { return "mta-sts." + name; }
};

// A domain's settings as written (a [[domain]] table, or an admin API request).
struct DomainSettings
{
  std::string name;
  std::string mode = "testing";
  std::vector<std::string> mx;
  std::int64_t max_age = 604800;
  std::vector<std::string> rua;
  std::string certificate;
  std::string key;
};

struct FieldError
{
  std::string field; // "name", "mode", "mx", "max_age", "rua", "certificate"
  std::string message;
};

// Checks `settings` as `policy new` checks a policy (strict lint; testing and enforce need an
// mx) and builds the domain. Every problem is returned, each with the field it concerns.
util::Expected<DomainConfig, std::vector<FieldError>> make_domain(const DomainSettings& settings);

// The settings a domain was made from (make_domain() of the result gives the same domain).
DomainSettings domain_settings(const DomainConfig& domain);

struct AcmeConfig
{
  bool present = false;
  std::string directory;
  std::string email;
  std::string ca_file;
  std::string challenge = "tls-alpn-01";
  std::chrono::seconds renew_before{30 * 86400};
};

struct DnsUpdateConfig
{
  bool present = false;
  std::string server;
  std::string tsig_key_file;
  std::string zone;
  std::uint32_t ttl = 300;
};

struct HostingConfig
{
  bool present = false;
  std::string zone;
  std::string target;
};

struct ServeConfig
{
  std::string file; // where it was read from ("" = defaults only)
  // [dns], [tls]
  std::vector<std::string> dns_servers;
  std::string trust_anchor;
  bool dnssec = true;
  std::chrono::milliseconds dns_timeout{std::chrono::seconds(5)};
  std::string ca_file;
  // [serve]
  std::vector<std::string> https_listen{"0.0.0.0:443"};
  std::vector<std::string> http_listen{"0.0.0.0:80"};
  std::string state_dir = "/var/lib/mtasts/serve";
  std::string store; // "" = sqlite://<state_dir>/serve.db
  std::vector<std::string> public_addresses;
  std::string log_level = "info";
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_client = 64;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds idle_timeout{30};
  std::chrono::seconds cache_max_age{300}; // Cache-Control of the policy: at most one hour
  // [admin]
  std::string admin_listen = "127.0.0.1:9462";
  std::string admin_token_file;
  // [acme], [dns_update], [hosting]
  AcmeConfig acme;
  DnsUpdateConfig dns_update;
  HostingConfig hosting;
  // [[domain]]
  std::vector<DomainConfig> domains;

  // The store URL in force: `store`, else the SQLite file under state_dir.
  std::string store_url() const;
};

// Reads `path` over the defaults. `must_exist` false: a missing file means "defaults". The error
// lists every problem of the file, one per line.
util::Expected<ServeConfig, std::string> load_serve_config(const std::string& path,
                                                           bool must_exist);

// What this configuration cannot do, one message per problem: a domain without certificate and
// key when there is no [acme]; an [acme] without directory, or http-01 without http_listen;
// [dns_update] (RFC 2136) and [hosting] (provider mode), not in this version. Empty when every
// configured feature works.
std::vector<std::string> unsupported_features(const ServeConfig& config);
// The same for one domain (a domain added at run time).
std::optional<std::string> unsupported_domain(const DomainConfig& domain, bool acme_configured);

} // namespace mtasts::serve
