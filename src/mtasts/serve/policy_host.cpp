#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/serve/policy_host.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mtasts::serve {

namespace {

PolicyResponse text(int status, std::string body)
{
  PolicyResponse response;
  response.status = status;
  response.body = std::move(body);
  response.cache_control = "no-store";
  return response;
}

bool equal_ignoring_case(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

} // namespace

bool host_names_server(std::string_view host, std::string_view server_name)
{
  // RFC 9110 §7.2: Host = uri-host [ ":" port ]; a reg-name here (an IP literal never matches).
  if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    const auto port = host.substr(colon + 1);
    if (!std::ranges::all_of(port, [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') {
    host.remove_suffix(1);
  }
  if (!server_name.empty() && server_name.back() == '.') {
    server_name.remove_suffix(1);
  }
  return !host.empty() && equal_ignoring_case(host, server_name);
}

PolicyResponse answer_policy_request(const PolicyRequest& request, std::string_view policy_body,
                                     std::chrono::seconds cache_max_age)
{
  if (request.host && !host_names_server(*request.host, request.server_name)) {
    return text(421, fmt::format("misdirected request: this connection serves {} (TLS server "
                                 "name), not the Host {}\n",
                                 request.server_name, *request.host));
  }
  if (!request.host && request.version >= 11) {
    return text(400, "bad request: HTTP/1.1 requires a Host header\n");
  }
  auto path = request.target;
  if (const auto query = path.find('?'); query != std::string_view::npos) {
    path = path.substr(0, query);
  }
  if (path != k_policy_path) {
    return text(404, fmt::format("not found: this host serves only {}\n", k_policy_path));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto response = text(405, "method not allowed: use GET or HEAD\n");
    response.allow = "GET, HEAD";
    return response;
  }
  PolicyResponse response;
  response.body = std::string(policy_body);
  response.cache_control = fmt::format("max-age={}", cache_max_age.count());
  return response;
}

PolicyResponse answer_plain_http_request()
{
  return text(404, "the MTA-STS policy is served over HTTPS only\n");
}

std::vector<std::string> mx_coverage_warnings(std::string_view domain, std::string_view mode,
                                              const std::vector<std::string>& previous,
                                              const std::vector<std::string>& current,
                                              const std::vector<std::string>& mx_hosts)
{
  std::vector<std::string> warnings;
  if (mode == "none") {
    return warnings;
  }
  const auto patterns = [](const std::vector<std::string>& texts) {
    std::vector<core::MxPattern> out;
    for (const auto& text : texts) {
      out.push_back(core::MxPattern{text});
    }
    return out;
  };
  const auto now = patterns(current);
  for (const auto& host : mx_hosts) {
    if (core::find_matching_pattern(now, host) == nullptr) {
      warnings.push_back(fmt::format(
          "{}: MX host {} is covered by no mx pattern of the policy: senders that enforce it "
          "will not deliver there",
          domain, host));
    }
  }
  for (const auto& removed : previous) {
    if (std::ranges::find(current, removed) != current.end()) {
      continue;
    }
    const std::vector<core::MxPattern> one{core::MxPattern{removed}};
    for (const auto& host : mx_hosts) {
      if (core::find_matching_pattern(one, host) != nullptr) {
        warnings.push_back(
            fmt::format("{}: the change removes mx pattern {}, which still covers MX host {}",
                        domain, removed, host));
      }
    }
  }
  return warnings;
}

} // namespace mtasts::serve
