// The registry of TLSRPT result types (RFC 8460 §4.3 "Result Types", mirrored by the IANA
// "STARTTLS Validation Result Types" registry) and policy types (`policy-type`, RFC 8460 §4.4),
// with an explanation and a remedy for each result type so a domain owner can act on a report.
#pragma once

#include <span>
#include <string_view>

namespace mtasts::core {

struct ResultTypeInfo
{
  std::string_view name;     // the `result-type` string, e.g. "certificate-expired"
  std::string_view category; // "negotiation" (§4.4.1), "dane" (§4.4.2.1) or "sts" (§4.4.2.2)
  std::string_view meaning;  // one plain-English line: what the sending MTA observed
  std::string_view fix;      // one line: what the receiving domain's owner should check or fix
};

// The entry whose name equals `name` exactly (result types are case-sensitive lower-case
// strings), or nullptr for a name the registry does not know. Unknown names are legitimate: the
// IANA registry can grow, so callers keep them rather than reject a report.
const ResultTypeInfo* find_result_type(std::string_view name);

// Every known result type: the five negotiation failures (validation-failure, the §4.4.3 catch-all,
// among them), then the DANE policy failures, then the MTA-STS policy failures.
std::span<const ResultTypeInfo> all_result_types();

// The policy types RFC 8460 §4.4 defines: "sts", "tlsa", "no-policy-found".
std::span<const std::string_view> known_policy_types();

// True when `name` is one of known_policy_types() (exact, case-sensitive match).
bool is_known_policy_type(std::string_view name);

} // namespace mtasts::core
