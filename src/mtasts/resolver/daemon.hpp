// `mtasts resolver`: the socketmap daemon around the PolicyEngine. One io_context, one thread.
// The resolver's own part is the socketmap protocol (netstrings; pipelined requests answered in
// order; requests over 1024 bytes or malformed framing close the connection) and its admin
// routes; listeners, connection limits and idle timeouts, signals, reload, sd_notify, logging
// and the admin listener come from server/:
//   - admin routes: GET /metrics (Prometheus text), GET /query?domain=D[&map=NAME] (JSON: the
//     answer and why), POST /flush?domain=D | ?all=1;
//   - SIGHUP reloads the configuration (answers, timeouts, DNS, trust store, log level;
//     listeners, the cache and the admin listener need a restart) without dropping
//     connections; SIGTERM/SIGINT stop accepting, finish the requests being answered, close
//     idle connections and exit 0 within 10 s.
#pragma once

#include <mtasts/resolver/config.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mtasts::resolver {

// Command-line overrides (empty/nullopt = take the file's or the default value).
struct DaemonOptions
{
  std::string config_file; // empty = /etc/mtasts/mtasts.toml if it exists
  bool check_config = false;
  std::vector<std::string> listen;
  std::vector<std::string> dns_servers;
  std::optional<std::string> trust_anchor;
  std::optional<std::string> ca_file;
  std::optional<std::string> cache;
  std::optional<std::string> admin_listen;
  std::optional<std::string> admin_token_file;
  std::optional<std::string> log_level;
};

// The effective configuration: file (or defaults) with the overrides applied and checked.
util::Expected<ResolverConfig, std::string> effective_config(const DaemonOptions& options);

// Runs the daemon until SIGTERM/SIGINT; returns the process exit code (0 clean stop, 1 runtime
// failure such as a listener that cannot bind or a cache that cannot be opened, 2
// configuration error). With check_config, runs every check startup runs without listening
// (the configuration, listen and admin addresses, the admin token, the cache, DNS with its
// trust anchor, the TLS trust store), prints the effective configuration as TOML to `out` and
// any warnings to `err`, and returns 0 or 2.
int run_daemon(const DaemonOptions& options, std::ostream& out, std::ostream& err);

// One-shot resolution without a daemon or cache (`resolver query --direct`): the JSON of
// PolicyEngine::explain() after resolving `key` under socketmap name `map_name`, or an error.
util::Expected<std::string, std::string>
query_direct(const DaemonOptions& options, const std::string& key, const std::string& map_name);

// The admin listener and token of the configuration (for `resolver query|flush`).
struct AdminEndpoint
{
  std::string address;
  std::string token;
};
util::Expected<AdminEndpoint, std::string> admin_endpoint(const DaemonOptions& options);

} // namespace mtasts::resolver
