// MX host patterns and matching, RFC 8461 §3.2 (`mx:` field) and §4.1 (MX host validation).
#pragma once

#include <mtasts/util/expected.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mtasts::core {

// A validated `mx:` pattern: `["*."] Domain` with Domain per RFC 5321 §4.1.2 (LDH labels of 1..63
// octets, no leading or trailing hyphen, at most 253 octets in all), stored in lowercase.
struct MxPattern
{
  std::string text; // e.g. "*.example.com" or "mx1.example.com"

  bool is_wildcard() const { return text.starts_with("*."); }
  // The part a wildcard stands in front of ("example.com" for "*.example.com"); the whole
  // pattern when it is not a wildcard.
  std::string_view base() const;

  friend bool operator==(const MxPattern&, const MxPattern&) = default;
};

// Why a pattern is not `["*."] Domain`. Messages come from describe().
enum class MxPatternError : std::uint8_t {
  empty,          // nothing after "mx:"
  too_long,       // more than 253 octets
  trailing_dot,   // "mx.example.com." (absolute form is not allowed)
  list,           // "a.example.com, b.example.com": one pattern per `mx:` line
  non_ascii,      // a U-label; IDNs must be published as A-labels (RFC 8461 §3.2)
  ip_address,     // "192.0.2.25": every label numeric, so it is not a host name
  bad_wildcard,   // "*example.com", "mail*.example.com", "*.*.example.com", "*"
  empty_label,    // ".example.com", "a..example.com"
  label_too_long, // a label over 63 octets
  label_syntax,   // a character other than letter, digit, hyphen; or a hyphen at a label end
};

std::string_view describe(MxPatternError error);

// Parses one `mx:` value. Case is folded to lowercase; nothing else is rewritten (a trailing dot
// or a U-label is an error here; the policy parser decides per profile what to do with them).
util::Expected<MxPattern, MxPatternError> parse_mx_pattern(std::string_view text);

// Normalises a host name for comparison (RFC 8461 §4.1, spec decision §1): one trailing root dot
// removed, ASCII lowercased, U-labels converted to A-labels with IDNA2008 (libidn2,
// non-transitional). Errors: empty name, name over 253 octets, empty or over-long label, or a
// name libidn2 refuses (the message names its reason).
util::Expected<std::string, std::string> normalize_host(std::string_view host);

// RFC 8461 §4.1: an exact pattern matches the identical host; "*.S" matches exactly one
// non-empty left-most label followed by ".S" ("*.example.com" matches "mail.example.com", not
// "example.com" nor "a.b.example.com"). `normalized_host` must come from normalize_host().
bool mx_pattern_matches(const MxPattern& pattern, std::string_view normalized_host);

// The first pattern (in policy order) that matches, or nullptr.
const MxPattern* find_matching_pattern(std::span<const MxPattern> patterns,
                                       std::string_view normalized_host);

} // namespace mtasts::core
