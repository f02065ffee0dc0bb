#include <mtasts/core/sender_compat.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>

namespace mtasts::core {

namespace {

constexpr std::uint64_t k_max_age_limit = 31557600;

// --- mailauth 7.1.0, strict

// EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/
bool mailauth_field_name(std::string_view name)
{
  const auto other = [](char c) {
    return util::is_ascii_alnum(c) || c == '_' || c == '.' || c == '-';
  };
  return !name.empty() && name.size() <= 32 && util::is_ascii_alnum(name.front()) &&
         std::all_of(name.begin() + 1, name.end(), other);
}

// POLICY_MX_PATTERN = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:...)?)*$/i
bool mailauth_mx_pattern(std::string_view value)
{
  if (value.starts_with("*.")) {
    value.remove_prefix(2);
  }
  if (value.empty()) {
    return false;
  }
  for (const auto label : util::split(value, '.')) {
    if (label.empty() || !util::is_ascii_alnum(label.front()) ||
        !util::is_ascii_alnum(label.back()) ||
        !std::ranges::all_of(label, [](char c) { return util::is_ascii_alnum(c) || c == '-'; })) {
      return false;
    }
  }
  return true;
}

std::string_view trim_spaces_tabs(std::string_view text)
{
  return util::trim_wsp(text);
}

std::optional<std::string> mailauth_strict_reason(std::string_view body)
{
  std::optional<std::string> version;
  std::optional<std::string> mode;
  std::optional<std::optional<std::uint64_t>> max_age; // inner nullopt: not 1..10 digits (NaN)
  bool any_mx = false;
  bool invalid_mx = false;
  std::string first_invalid_mx;
  std::vector<std::string_view> seen;
  std::size_t start = 0;
  while (start <= body.size()) {
    const auto end = body.find('\n', start);
    std::string_view line =
        end == std::string_view::npos ? body.substr(start) : body.substr(start, end - start);
    if (end != std::string_view::npos && line.ends_with('\r')) {
      line.remove_suffix(1); // split(/\r?\n/)
    }
    start = end == std::string_view::npos ? body.size() + 1 : end + 1;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const auto key = line.substr(0, colon);
    if (!mailauth_field_name(key)) {
      continue;
    }
    const auto value = trim_spaces_tabs(line.substr(colon + 1));
    if (key != "mx") {
      if (std::ranges::find(seen, key) != seen.end()) {
        continue;
      }
      seen.push_back(key);
    }
    if (key == "version") {
      version = std::string(value);
    } else if (key == "mode") {
      mode = std::string(value);
    } else if (key == "max_age") {
      max_age = util::parse_decimal(value, 10);
    } else if (key == "mx") {
      any_mx = true;
      if (!mailauth_mx_pattern(value) && !invalid_mx) {
        invalid_mx = true;
        first_invalid_mx = std::string(value);
      }
    }
  }
  if (version != "STSv1") {
    return std::string("Invalid version field (the first valid `version` line must be STSv1)");
  }
  if (!mode || (*mode != "testing" && *mode != "enforce" && *mode != "none")) {
    return std::string(mode ? "Invalid mode field" : "Missing mode field");
  }
  if (!max_age || !*max_age || **max_age > k_max_age_limit) {
    return fmt::format("Invalid max_age field{}", max_age && *max_age ? " (over 31557600)" : "");
  }
  if (invalid_mx) {
    return fmt::format("Invalid mx field ('{}' is not [\"*.\"] LDH labels)",
                       util::printable(first_invalid_mx, 60));
  }
  if (*mode != "none" && !any_mx) {
    return std::string("Missing mx field");
  }
  return std::nullopt;
}

// --- postfix-mta-sts-resolver 1.5.0

bool has_charset(std::string_view content_type)
{
  const auto lower = util::to_ascii_lower(content_type);
  return lower.find("charset=") != std::string::npos;
}

// str.splitlines() boundaries within ASCII text: LF, CR, CRLF, VT, FF, FS, GS, RS.
bool python_line_break(char c)
{
  return c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\x1c' || c == '\x1d' ||
         c == '\x1e';
}

bool python_space(char c)
{
  return c == ' ' || c == '\t' || python_line_break(c);
}

// int(str): optional surrounding whitespace, an optional sign, digits with single underscores
// between them.
std::optional<std::int64_t> python_int(std::string_view text)
{
  while (!text.empty() && python_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && python_space(text.back())) {
    text.remove_suffix(1);
  }
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || !util::is_ascii_digit(text.front()) || !util::is_ascii_digit(text.back())) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  char previous = '0';
  for (const char c : text) {
    if (c == '_') {
      if (previous == '_') {
        return std::nullopt;
      }
    } else if (util::is_ascii_digit(c)) {
      value = std::min<std::int64_t>(value * 10 + (c - '0'), INT64_C(1) << 40);
    } else {
      return std::nullopt;
    }
    previous = c;
  }
  return negative ? -value : value;
}

std::optional<std::string> postfix_mta_sts_resolver_reason(std::string_view body,
                                                           std::string_view content_type)
{
  if (!util::is_ascii(body) && !has_charset(content_type)) {
    return std::string("the body is not ASCII and the Content-Type names no charset, so it "
                       "cannot be decoded");
  }
  std::map<std::string, std::string, std::less<>> fields; // the last occurrence wins
  bool any_mx = false;
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = start;
    while (end < body.size() && !python_line_break(body[end])) {
      ++end;
    }
    auto line = body.substr(start, end - start);
    start = end + (end + 1 < body.size() && body[end] == '\r' && body[end + 1] == '\n' ? 2 : 1);
    while (!line.empty() && python_space(line.back())) {
      line.remove_suffix(1);
    }
    const auto colon = line.find(':');
    const auto key = line.substr(0, colon);
    auto value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    while (!value.empty() && python_space(value.front())) {
      value.remove_prefix(1);
    }
    if (key == "mx") {
      any_mx = true;
    } else {
      fields[std::string(key)] = std::string(value);
    }
  }
  const auto field = [&](std::string_view name) -> std::optional<std::string> {
    const auto found = fields.find(name);
    return found == fields.end() ? std::nullopt : std::optional(found->second);
  };
  if (field("version") != "STSv1") {
    return std::string("version is not STSv1 (the last `version` line counts)");
  }
  const auto max_age = python_int(field("max_age").value_or("-1"));
  if (!max_age) {
    return std::string("max_age is not an integer");
  }
  if (*max_age < 0 || *max_age > static_cast<std::int64_t>(k_max_age_limit)) {
    return std::string("max_age is not from 0 to 31557600");
  }
  const auto mode = field("mode");
  if (!mode) {
    return std::string("no mode field (a name with whitespace around it is another field)");
  }
  if (*mode == "none") {
    return std::nullopt;
  }
  if (*mode != "testing" && *mode != "enforce") {
    return std::string("mode is not none, testing or enforce (the last `mode` line counts)");
  }
  if (!any_mx) {
    return std::string("no mx field");
  }
  return std::nullopt;
}

} // namespace

std::vector<SenderRejection> sender_rejections(std::string_view body, std::string_view content_type)
{
  std::vector<SenderRejection> rejections;
  if (auto reason = mailauth_strict_reason(body)) {
    rejections.push_back(SenderRejection{"mailauth 7.1.0 parsePolicy (strict)",
                                         "ZoneMTA and WildDuck", std::move(*reason)});
  }
  if (auto reason = postfix_mta_sts_resolver_reason(body, content_type)) {
    rejections.push_back(SenderRejection{"postfix-mta-sts-resolver 1.5.0",
                                         "Postfix installations using it for MTA-STS",
                                         std::move(*reason)});
  }
  return rejections;
}

} // namespace mtasts::core
