// The MTA-STS policy file, RFC 8461 §3.2 (with errata 6253 and 7282): parser, model and
// canonical serialisation.
//
// Diagnostic codes: the registry's `policy` family (core/code_table.hpp, docs/CODES.md), each
// with its severity in the strict and the compatible profile. Beyond the grammar, three lints
// from practice are warnings in both profiles: version-not-first, max-age-short (under one day,
// mode testing or enforce) and enforce-max-age-zero.
#pragma once

#include <mtasts/core/diagnostic.hpp>
#include <mtasts/core/mx_pattern.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

inline constexpr std::size_t k_max_policy_size = 65536;
inline constexpr std::uint32_t k_max_age_limit = 31557600; // 365.25 days, RFC 8461 §3.2

enum class PolicyMode : std::uint8_t { enforce, testing, none };

std::string_view mode_name(PolicyMode mode);
// Case-sensitive, per RFC 8461 §3.2 (%s"enforce" ...).
std::optional<PolicyMode> parse_mode(std::string_view text);

struct PolicyExtension
{
  std::string name;
  std::string value;

  friend bool operator==(const PolicyExtension&, const PolicyExtension&) = default;
};

// A valid policy. The version is always "STSv1".
struct Policy
{
  PolicyMode mode = PolicyMode::none;
  std::uint32_t max_age = 0;               // seconds, 0..31557600
  std::vector<MxPattern> mx;               // in policy order, duplicates kept
  std::vector<PolicyExtension> extensions; // unknown fields, first occurrence of each name

  friend bool operator==(const Policy&, const Policy&) = default;
};

// Parses a policy body. Lines end in LF or CRLF (mixed allowed, erratum 6253); the last line may
// lack a terminator. Field names and the values of version/mode are case-sensitive. The first
// occurrence of version/mode/max_age/an extension wins; `mx` accumulates. Diagnostics carry the
// 1-based line and column; those about the policy as a whole (missing fields) carry line 0.
Checked<Policy> parse_policy(std::string_view body, Profile profile);

// Canonical form: version, mode, every mx, max_age, then extensions, one per line, CRLF endings.
std::string serialize_policy(const Policy& policy);

} // namespace mtasts::core
