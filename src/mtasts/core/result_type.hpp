// RFC 8460 §4.3 result types (the IANA "STARTTLS Validation Result Types" registry) as an enum,
// and the policy types of RFC 8460 §4.4. Meaning and fix of each result type live in the code
// registry (core/codes.hpp, family result_type), so a report explanation, a checker finding and
// a resolver log line say the same thing.
#pragma once

#include <mtasts/core/codes.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mtasts::core {

enum class ResultType : std::uint8_t {
  // Negotiation failures (§4.3.1); validation_failure is also the general failure (§4.3.3).
  starttls_not_supported,
  certificate_host_mismatch,
  certificate_expired,
  certificate_not_trusted,
  validation_failure,
  // DANE policy failures (§4.3.2.1).
  tlsa_invalid,
  dnssec_invalid,
  dane_required,
  // MTA-STS policy failures (§4.3.2.2).
  sts_policy_fetch_error,
  sts_policy_invalid,
  sts_webpki_invalid,
};

// The `result-type` string, e.g. "certificate-expired".
std::string_view result_type_name(ResultType type);
// The enum for an exact (case-sensitive) name; nullopt for names this version does not know.
std::optional<ResultType> parse_result_type(std::string_view name);
// "negotiation" (§4.3.1), "dane" (§4.3.2.1) or "sts" (§4.3.2.2).
std::string_view result_type_category(ResultType type);
// The registry entry (meaning, fix, RFC section).
const CodeInfo& result_type_info(ResultType type);

// Every result type in the order above.
std::span<const ResultType> all_result_types();

// The registry entry whose name equals `name` exactly, or nullptr. Unknown names are legitimate
// in reports (the IANA registry can grow): callers keep them rather than reject a report.
const CodeInfo* find_result_type(std::string_view name);

// The policy types RFC 8460 §4.4 defines: "sts", "tlsa", "no-policy-found".
std::span<const std::string_view> known_policy_types();

// True when `name` is one of known_policy_types() (exact, case-sensitive match).
bool is_known_policy_type(std::string_view name);

} // namespace mtasts::core
