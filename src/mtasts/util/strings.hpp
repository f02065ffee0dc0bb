// Domain-free ASCII string helpers. No locale is ever consulted: every function here treats
// bytes >= 0x80 as opaque.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::util {

constexpr bool is_ascii_alpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_ascii_digit(char c)
{
  return c >= '0' && c <= '9';
}
constexpr bool is_ascii_alnum(char c)
{
  return is_ascii_alpha(c) || is_ascii_digit(c);
}
// WSP of RFC 5234: space or horizontal tab.
constexpr bool is_wsp(char c)
{
  return c == ' ' || c == '\t';
}
// CTL of RFC 5234: %x00-1F / %x7F.
constexpr bool is_ctl(char c)
{
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}
constexpr char to_ascii_lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

std::string to_ascii_lower(std::string_view text);
bool iequals_ascii(std::string_view a, std::string_view b);
bool starts_with_ascii_nocase(std::string_view text, std::string_view prefix);

// Removes WSP (space, tab) from the ends.
std::string_view trim_wsp(std::string_view text);
std::string_view trim_wsp_left(std::string_view text);
std::string_view trim_wsp_right(std::string_view text);

// Splits on every occurrence of `separator`; empty pieces are kept.
std::vector<std::string_view> split(std::string_view text, char separator);

// Parses 1..max_digits ASCII digits (leading zeros allowed, nothing else) into an unsigned value.
// Returns nullopt on any other character, on an empty string, on more than max_digits digits or
// on overflow.
std::optional<std::uint64_t> parse_decimal(std::string_view digits, std::size_t max_digits = 19);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);
// True when every byte is < 0x80.
bool is_ascii(std::string_view text);

// Renders `text` for an error message: printable ASCII as is, everything else as \xNN, cut to
// `max_length` characters with an ellipsis.
std::string printable(std::string_view text, std::size_t max_length = 80);

} // namespace mtasts::util
