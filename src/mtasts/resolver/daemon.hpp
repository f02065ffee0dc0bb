// `mtasts resolver`: the daemon around the PolicyEngine. One io_context, one thread:
//   - socketmap listeners (TCP and UNIX; netstrings; pipelined requests answered in order;
//     requests over 1024 bytes or malformed framing close the connection; idle connections
//     closed after idle_timeout; at most max_connections at once, more are closed on accept);
//   - the admin listener (HTTP/1.1, loopback by default): GET /metrics (Prometheus text),
//     GET /query?domain=D[&map=NAME] (JSON: answer and why), POST /flush?domain=D | ?all=1;
//   - signals: SIGHUP reloads the config file (answers, timeouts, DNS, trust store, log level;
//     listeners need a restart) without dropping connections; SIGTERM/SIGINT stop accepting,
//     finish the requests being answered, close idle connections and exit 0 within 10 s;
//   - sd_notify (READY=1, RELOADING=1, STOPPING=1) when NOTIFY_SOCKET is set (Type=notify).
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
  std::optional<std::string> log_level;
};

// The effective configuration: file (or defaults) with the overrides applied.
util::Expected<ResolverConfig, std::string> effective_config(const DaemonOptions& options);

// Runs the daemon until SIGTERM/SIGINT; returns the process exit code (0 clean stop, 1 runtime
// failure such as a listener that cannot bind, 2 configuration error). With check_config,
// validates, prints the effective configuration to `out` and returns 0 or 2 without listening.
int run_daemon(const DaemonOptions& options, std::ostream& out, std::ostream& err);

// One-shot resolution without a daemon or cache (`resolver query --direct`): the JSON of
// PolicyEngine::explain() after resolving `key` under socketmap name `map_name`.
int query_direct(const DaemonOptions& options, const std::string& key, const std::string& map_name,
                 std::ostream& out, std::ostream& err);

} // namespace mtasts::resolver
