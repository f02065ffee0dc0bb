#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

namespace mtasts::util {

std::string to_ascii_lower(std::string_view text)
{
  std::string result(text);
  for (char& c : result) {
    c = to_ascii_lower(c);
  }
  return result;
}

bool iequals_ascii(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_ascii_lower(a[i]) != to_ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool starts_with_ascii_nocase(std::string_view text, std::string_view prefix)
{
  return text.size() >= prefix.size() && iequals_ascii(text.substr(0, prefix.size()), prefix);
}

std::string_view trim_wsp_left(std::string_view text)
{
  while (!text.empty() && is_wsp(text.front())) {
    text.remove_prefix(1);
  }
  return text;
}

std::string_view trim_wsp_right(std::string_view text)
{
  while (!text.empty() && is_wsp(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view trim_wsp(std::string_view text)
{
  return trim_wsp_right(trim_wsp_left(text));
}

std::vector<std::string_view> split(std::string_view text, char separator)
{
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    if (end == std::string_view::npos) {
      pieces.push_back(text.substr(start));
      return pieces;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::optional<std::uint64_t> parse_decimal(std::string_view digits, std::size_t max_digits)
{
  if (digits.empty() || digits.size() > max_digits) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (!is_ascii_digit(c)) {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

bool is_ascii(std::string_view text)
{
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

bool is_valid_utf8(std::string_view text)
{
  std::size_t i = 0;
  const auto byte_at = [&](std::size_t index) { return static_cast<unsigned char>(text[index]); };
  while (i < text.size()) {
    const unsigned char lead = byte_at(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char min_second = 0x80;
    unsigned char max_second = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) {
        min_second = 0xa0; // no overlongs
      } else if (lead == 0xed) {
        max_second = 0x9f; // no surrogates
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) {
        min_second = 0x90;
      } else if (lead == 0xf4) {
        max_second = 0x8f;
      }
    } else {
      return false;
    }
    if (i + length > text.size()) {
      return false;
    }
    const unsigned char second = byte_at(i + 1);
    if (second < min_second || second > max_second) {
      return false;
    }
    for (std::size_t k = 2; k < length; ++k) {
      const unsigned char next = byte_at(i + k);
      if (next < 0x80 || next > 0xbf) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

std::string printable(std::string_view text, std::size_t max_length)
{
  std::string result;
  for (const char c : text) {
    if (result.size() >= max_length) {
      result += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      result += c;
    } else if (c == '\t') {
      result += "\\t";
    } else if (c == '\r') {
      result += "\\r";
    } else if (c == '\n') {
      result += "\\n";
    } else {
      result += fmt::format("\\x{:02x}", byte);
    }
  }
  return result;
}

} // namespace mtasts::util
