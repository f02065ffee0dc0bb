#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>
#include <idn2.h>

#include <memory>

namespace mtasts::core {

namespace {

constexpr std::size_t k_max_domain_length = 253;
constexpr std::size_t k_max_label_length = 63;

// RFC 5321 §4.1.2 sub-domain: Let-dig [Ldh-str].
std::optional<MxPatternError> check_label(std::string_view label)
{
  if (label.empty()) {
    return MxPatternError::empty_label;
  }
  if (label.size() > k_max_label_length) {
    return MxPatternError::label_too_long;
  }
  for (const char c : label) {
    if (c == '*') {
      return MxPatternError::bad_wildcard;
    }
    if (!util::is_ascii_alnum(c) && c != '-') {
      return MxPatternError::label_syntax;
    }
  }
  if (label.front() == '-' || label.back() == '-') {
    return MxPatternError::label_syntax;
  }
  return std::nullopt;
}

bool is_all_digits(std::string_view label)
{
  return !label.empty() && util::parse_decimal(label, label.size()).has_value();
}

struct Idn2Deleter
{
  void operator()(char* text) const { idn2_free(text); }
};

} // namespace

std::string_view MxPattern::base() const
{
  return is_wildcard() ? std::string_view(text).substr(2) : std::string_view(text);
}

std::string_view describe(MxPatternError error)
{
  switch (error) {
  case MxPatternError::empty:
    return "the mx value is empty";
  case MxPatternError::too_long:
    return "the host name is longer than 253 characters";
  case MxPatternError::trailing_dot:
    return "mx patterns must not end with a dot (write mx.example.com, not mx.example.com.)";
  case MxPatternError::list:
    return "an mx line holds exactly one pattern; put each host on its own 'mx:' line";
  case MxPatternError::non_ascii:
    return "internationalised names must be written as A-labels (xn--...), not U-labels";
  case MxPatternError::ip_address:
    return "an IP address is not a host name; certificates are matched against MX host names";
  case MxPatternError::bad_wildcard:
    return "a wildcard is allowed only as the whole left-most label, as in *.example.com";
  case MxPatternError::empty_label:
    return "the host name has an empty label (leading dot or two dots in a row)";
  case MxPatternError::label_too_long:
    return "a label of the host name is longer than 63 characters";
  case MxPatternError::label_syntax:
    return "host name labels may contain only letters, digits and inner hyphens";
  }
  return "invalid mx pattern";
}

util::Expected<MxPattern, MxPatternError> parse_mx_pattern(std::string_view text)
{
  if (text.empty()) {
    return util::Unexpected(MxPatternError::empty);
  }
  if (text.find(',') != std::string_view::npos || text.find(' ') != std::string_view::npos ||
      text.find('\t') != std::string_view::npos) {
    return util::Unexpected(MxPatternError::list);
  }
  if (!util::is_ascii(text)) {
    return util::Unexpected(MxPatternError::non_ascii);
  }
  if (text.size() > 1 && text.back() == '.') {
    return util::Unexpected(MxPatternError::trailing_dot);
  }
  std::string_view domain = text;
  const bool wildcard = text.starts_with("*.");
  if (wildcard) {
    domain.remove_prefix(2);
  }
  if (domain.size() > k_max_domain_length) {
    return util::Unexpected(MxPatternError::too_long);
  }
  std::string_view last_label;
  for (std::size_t start = 0;;) {
    const auto dot = domain.find('.', start);
    last_label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (const auto error = check_label(last_label)) {
      return util::Unexpected(*error);
    }
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (is_all_digits(last_label)) {
    return util::Unexpected(MxPatternError::ip_address);
  }
  return MxPattern{util::to_ascii_lower(text)};
}

util::Expected<std::string, std::string> normalize_host(std::string_view host)
{
  if (host.size() > 1 && host.back() == '.') {
    host.remove_suffix(1);
  }
  if (host.empty()) {
    return util::Unexpected(std::string("the host name is empty"));
  }
  std::string result;
  if (util::is_ascii(host)) {
    result = util::to_ascii_lower(host);
  } else {
    const std::string input(host);
    char* converted = nullptr;
    const int rc =
        idn2_to_ascii_8z(input.c_str(), &converted, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    const std::unique_ptr<char, Idn2Deleter> owner(converted);
    if (rc != IDN2_OK || converted == nullptr) {
      return util::Unexpected(fmt::format("cannot convert '{}' to an A-label: {}",
                                          util::printable(host), idn2_strerror(rc)));
    }
    result = util::to_ascii_lower(converted);
  }
  if (result.size() > k_max_domain_length) {
    return util::Unexpected(std::string("the host name is longer than 253 characters"));
  }
  for (const auto label : util::split(result, '.')) {
    if (label.empty()) {
      return util::Unexpected(fmt::format("'{}' has an empty label", util::printable(result)));
    }
    if (label.size() > k_max_label_length) {
      return util::Unexpected(
          fmt::format("'{}' has a label longer than 63 characters", util::printable(result)));
    }
  }
  return result;
}

bool mx_pattern_matches(const MxPattern& pattern, std::string_view normalized_host)
{
  if (!pattern.is_wildcard()) {
    return normalized_host == pattern.text;
  }
  const std::string_view base = pattern.base();
  if (normalized_host.size() < base.size() + 2) {
    return false; // needs at least one character and a dot in front of the base
  }
  const std::size_t label_length = normalized_host.size() - base.size() - 1;
  return normalized_host.ends_with(base) && normalized_host[label_length] == '.' &&
         normalized_host.substr(0, label_length).find('.') == std::string_view::npos;
}

const MxPattern* find_matching_pattern(std::span<const MxPattern> patterns,
                                       std::string_view normalized_host)
{
  for (const auto& pattern : patterns) {
    if (mx_pattern_matches(pattern, normalized_host)) {
      return &pattern;
    }
  }
  return nullptr;
}

} // namespace mtasts::core
