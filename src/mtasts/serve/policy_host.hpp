// What the policy host answers, as RFC 8461 §3.3 senders fetch: pure decisions over one parsed
// request, no I/O (the daemon does TLS, SNI and HTTP framing).
//
//   GET|HEAD /.well-known/mta-sts.txt  -> 200 text/plain, the canonical CRLF policy,
//                                         Cache-Control max-age (at most one hour), never a
//                                         redirect
//   Host differs from the TLS server name -> 421 (checked first: the request is not for us)
//   HTTP/1.1 without Host                  -> 400
//   any other path                         -> 404, one line of text
//   any other method on the policy path    -> 405 with Allow: GET, HEAD
// On the plain-HTTP listener every request is 404 "the MTA-STS policy is served over HTTPS
// only" (RFC 8461 §3.3: senders fetch over HTTPS only, and never follow redirects).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::serve {

inline constexpr std::string_view k_policy_path = "/.well-known/mta-sts.txt";

struct PolicyRequest
{
  std::string_view method;              // as sent: "GET", "HEAD", ...
  std::string_view target;              // request-target, e.g. "/.well-known/mta-sts.txt"
  std::optional<std::string_view> host; // the Host header; nullopt when absent
  unsigned version = 11;                // 10 or 11
  std::string_view server_name;         // the TLS SNI the handshake was accepted for
};

struct PolicyResponse
{
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;  // what Content-Length counts; a HEAD response sends headers only
  std::string allow; // for 405
  std::string cache_control;
};

// The answer for a request on the HTTPS listener. `policy_body` is the served policy of the
// domain the server name belongs to.
PolicyResponse answer_policy_request(const PolicyRequest& request, std::string_view policy_body,
                                     std::chrono::seconds cache_max_age);

// The answer for any request on the plain-HTTP listener.
PolicyResponse answer_plain_http_request();

// True when the Host header names `server_name`: case-insensitive, a trailing dot and any port
// ignored ("MTA-STS.Example.com.:443" names "mta-sts.example.com").
bool host_names_server(std::string_view host, std::string_view server_name);

// What a domain owner must hear about the MX hosts of the domain (`mx_hosts`: the MX RRset's
// exchanges, normalised) against the served policy (RFC 8461 §4.1: a sender that enforces
// delivers only to MX hosts a pattern covers): a host no pattern of `current` covers, and a
// pattern of `previous` (the policy before a change; empty = none) that the change removed
// while it still covers a host. None for mode none. One sentence each.
std::vector<std::string> mx_coverage_warnings(std::string_view domain, std::string_view mode,
                                              const std::vector<std::string>& previous,
                                              const std::vector<std::string>& current,
                                              const std::vector<std::string>& mx_hosts);

} // namespace mtasts::serve
