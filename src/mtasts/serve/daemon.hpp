// `mtasts serve`: the MTA-STS policy host (RFC 8461 §3.3) for the domains of the configuration.
// One io_context, one thread. Listeners, connection accounting, signals, sd_notify, logging and
// the admin listener come from server/; TLS by SNI from server::SniCertificates.
//   - HTTPS: every configured domain's policy at https://mta-sts.<domain>/.well-known/mta-sts.txt
//     (answers: serve/policy_host.hpp); an unknown or missing SNI, or a name without a usable
//     certificate, is refused with the unrecognized_name alert.
//   - HTTP (http_listen): 404 "served over HTTPS only" for everything.
//   - Bounds: 8 KiB of request header, 16 KiB of body, header_timeout for the handshake and each
//     request once its first byte arrived, idle_timeout between keep-alive requests, 1000
//     requests per connection, max_connections in all and max_connections_per_client per
//     client address (beyond: the connection is closed at once).
//   - Ids: the served policies and their ids live in the store (sqlite under state_dir); a domain
//     whose policy differs from the stored one gets a new id (core::next_sts_id) after the new
//     policy is being served, and the log names the _mta-sts record to publish.
//   - Admin (`[admin] listen`): GET /status, GET /records (JSON).
//   - SIGHUP reloads the configuration (domains, policies, certificate files, limits, log level;
//     listeners need a restart) without dropping connections; certificate files that change are
//     reloaded within 5 s without a signal. SIGTERM/SIGINT stop within 10 s.
#pragma once

#include <mtasts/serve/config.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace mtasts::serve {

struct ServeOptions
{
  std::string config_file; // empty = /etc/mtasts/mtasts.toml
  bool check_config = false;
  std::optional<std::string> log_level;
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

// Runs until SIGTERM/SIGINT; returns the exit code: 0 clean stop, 1 runtime failure (a listener
// that cannot bind, a store that cannot be opened), 2 configuration error. With check_config:
// every check startup makes without listening (the file, every domain's certificate and key,
// the state directory and store, the admin listener and token), a summary on `out`, problems on
// `err`; 0 or 2.
int run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

// The admin listener and token of the configuration (for `mtasts serve records`).
struct ServeAdminEndpoint
{
  std::string address;
  std::string token;
};
util::Expected<ServeAdminEndpoint, std::string>
serve_admin_endpoint(const std::string& config_file);

} // namespace mtasts::serve
