// The MTA-STS policy file, RFC 8461 §3.2 (with errata 6253 and 7282): parser, model and
// canonical serialisation.
//
// Diagnostic codes (severity in strict / compatible profile; "E" error, "W" warning):
//   policy-too-large        E/E  body over 65536 bytes (RFC 8461 §3.3 suggests 64 KiB)
//   policy-empty            E/E  no bytes at all
//   no-fields               E/E  nothing that looks like a field (e.g. an HTML error page)
//   invalid-utf8            E/E  bytes that are not UTF-8
//   bom                     E/W  a UTF-8 byte order mark before the first field (stripped in C)
//   bare-cr                 E/E  a CR not followed by LF; only LF and CRLF end lines (E6253)
//   control-character       E/E  a control character other than tab inside a line
//   blank-line              E/W  an empty or whitespace-only line (only one final newline is
//   allowed) comment-line            E/W  a line starting with '#': the format has no comments
//   missing-colon           E/W  a line with no ':' (skipped in C)
//   leading-whitespace      E/W  whitespace before the field name
//   whitespace-before-colon E/W  whitespace between the field name and ':'
//   field-name-invalid      E/W  a name that is not (ALPHA/DIGIT) *(ALPHA/DIGIT/"_"/"-"/".")
//   field-name-too-long     E/W  an extension name over 32 characters (ignored in C)
//   field-name-case         W/W  a known name in the wrong case ("Mode"): it is an unknown field
//   extension-value-invalid E/W  an empty extension value, or a tab inside one
//   duplicate-field         W/W  a repeated version/mode/max_age/extension: the first one counts
//   version-missing         E/E  no `version` field
//   version-invalid         E/E  `version` is not exactly "STSv1"
//   mode-missing            E/E  no `mode` field
//   mode-invalid            E/E  `mode` is not exactly "enforce", "testing" or "none"
//   max-age-missing         E/E  no `max_age` field
//   max-age-invalid         E/E  not 1..10 ASCII digits
//   max-age-too-large       E/W  over 31557600 seconds (clamped to 31557600 in C)
//   mx-missing              E/E  mode enforce or testing with no usable `mx` pattern
//   mx-invalid              E/E  not ["*."] Domain (RFC 5321), e.g. "*.*.example.com"
//   mx-trailing-dot         E/W  "mx.example.com." (dot removed in C)
//   mx-list                 E/W  several hosts on one line (pattern dropped in C)
//   mx-ulabel               E/W  a U-label instead of an A-label (pattern dropped in C)
//   mx-ip-address           W/W  an IP address (pattern dropped: certificates name hosts)
//   duplicate-mx            W/W  the same pattern twice (harmless, kept)
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
