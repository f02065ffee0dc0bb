// `policy new --web-server nginx|apache|caddy`: a web server configuration that serves only the
// policy (RFC 8461 §3.3): https://mta-sts.<domain>/.well-known/mta-sts.txt with status 200 and
// Content-Type text/plain, 404 for every other path, no redirect. Pure text generation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mtasts::cli {

struct WebServerConfigInput
{
  std::string domain;      // the policy domain (the host is mta-sts.<domain>)
  std::string policy;      // the canonical body (CRLF)
  std::string certificate; // PEM chain file for mta-sts.<domain>
  std::string key;         // its key file
};

// "nginx", "apache", "caddy".
bool is_web_server(std::string_view name);

// The configuration for `server`. nginx and Caddy hold the policy inline; Apache serves it from
// `policy_file` (written by the operator next to it: `policy new --policy-only`).
std::string web_server_config(std::string_view server, const WebServerConfigInput& input,
                              std::string_view policy_file);

} // namespace mtasts::cli
