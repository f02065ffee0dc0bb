#include <mtasts/core/codes.hpp>
#include <mtasts/core/policy.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mtasts::core {

namespace {

constexpr std::size_t k_max_extension_name = 32;
constexpr std::uint32_t k_one_day = 86400;

struct Line
{
  std::string_view text; // without its terminator
  std::uint32_t number = 0;
};

bool is_extension_name_char(char c)
{
  return util::is_ascii_alnum(c) || c == '_' || c == '-' || c == '.';
}

class PolicyParser
{
public:
  explicit PolicyParser(Profile profile) : m_profile(profile) {}

  Checked<Policy> run(std::string_view body);

private:
  void parse_line(const Line& line);
  void parse_field(const Line& line, std::string_view name, std::string_view value,
                   std::uint32_t value_column);
  void parse_mx(const Line& line, std::string_view value, std::uint32_t column);
  void finish();

  // The severity comes from the registry for this profile.
  void add(const CodeInfo& code, std::uint32_t line, std::uint32_t column, std::string message)
  {
    m_diagnostics.push_back(
        make_diagnostic(code, m_profile, Position{line, column, 0, {}}, std::move(message)));
  }
  bool seen_before(std::string_view name, const Line& line)
  {
    const auto found = std::ranges::find(m_seen_names, name);
    if (found != m_seen_names.end()) {
      add(policy_code("duplicate-field"), line.number, 1,
          fmt::format("'{}' appears again; only the first occurrence counts", name));
      return true;
    }
    m_seen_names.push_back(name);
    return false;
  }

  Profile m_profile;
  Diagnostics m_diagnostics;
  std::vector<std::string_view> m_seen_names; // views into the body being parsed
  bool m_any_field = false;
  std::string_view m_first_field; // the name of the first field, a view into the body
  std::uint32_t m_version_line = 0;
  std::uint32_t m_max_age_line = 0;
  std::optional<PolicyMode> m_mode;
  std::optional<std::uint32_t> m_max_age;
  bool m_mode_seen = false;
  bool m_max_age_seen = false;
  std::vector<MxPattern> m_mx;
  std::vector<PolicyExtension> m_extensions;
};

Checked<Policy> PolicyParser::run(std::string_view body)
{
  if (body.size() > k_max_policy_size) {
    add(policy_code("policy-too-large"), 0, 0,
        fmt::format("the policy is {} bytes; senders stop reading at {} bytes", body.size(),
                    k_max_policy_size));
    return {std::nullopt, std::move(m_diagnostics)};
  }
  if (body.empty()) {
    add(policy_code("policy-empty"), 0, 0, "the policy file is empty");
    return {std::nullopt, std::move(m_diagnostics)};
  }
  if (body.starts_with("\xEF\xBB\xBF")) {
    add(policy_code("bom"), 1, 1,
        "the file starts with a UTF-8 byte order mark; remove it, the policy must start with a "
        "field");
    body.remove_prefix(3);
  }

  std::vector<Line> lines;
  std::uint32_t number = 1;
  std::size_t start = 0;
  while (start < body.size()) {
    const auto end = body.find('\n', start);
    std::string_view text =
        end == std::string_view::npos ? body.substr(start) : body.substr(start, end - start);
    if (end != std::string_view::npos && text.ends_with('\r')) {
      text.remove_suffix(1);
    }
    lines.push_back(Line{text, number++});
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }

  for (const auto& line : lines) {
    parse_line(line);
  }
  finish();

  if (has_errors(m_diagnostics)) {
    return {std::nullopt, std::move(m_diagnostics)};
  }
  Policy policy;
  policy.mode = *m_mode;
  policy.max_age = *m_max_age;
  policy.mx = std::move(m_mx);
  policy.extensions = std::move(m_extensions);
  return {std::move(policy), std::move(m_diagnostics)};
}

void PolicyParser::parse_line(const Line& line)
{
  std::string_view text = line.text;
  if (!util::is_valid_utf8(text)) {
    add(policy_code("invalid-utf8"), line.number, 1,
        fmt::format("line {} is not valid UTF-8: '{}'", line.number, util::printable(text)));
    return;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      add(policy_code("bare-cr"), line.number, static_cast<std::uint32_t>(i + 1),
          "a carriage return without a line feed; lines must end in LF or CRLF");
      return;
    }
    if (util::is_ctl(text[i]) && text[i] != '\t') {
      add(policy_code("control-character"), line.number, static_cast<std::uint32_t>(i + 1),
          fmt::format("control character 0x{:02x} inside the line",
                      static_cast<unsigned char>(text[i])));
      return;
    }
  }
  if (util::trim_wsp(text).empty()) {
    add(policy_code("blank-line"), line.number, 1,
        "empty line; fields must follow each other with no blank lines in between");
    return;
  }
  if (text.front() == '#') {
    add(policy_code("comment-line"), line.number, 1,
        "the policy format has no comments; remove this line");
    return;
  }
  std::uint32_t offset = 0;
  if (util::is_wsp(text.front())) {
    add(policy_code("leading-whitespace"), line.number, 1,
        "whitespace before the field name; every line must start with the name");
    const auto trimmed = util::trim_wsp_left(text);
    offset = static_cast<std::uint32_t>(text.size() - trimmed.size());
    text = trimmed;
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    add(policy_code("missing-colon"), line.number, offset + 1,
        fmt::format("not a 'name: value' field: '{}'", util::printable(text)));
    return;
  }
  std::string_view name = text.substr(0, colon);
  if (util::trim_wsp_right(name).size() != name.size()) {
    add(policy_code("whitespace-before-colon"), line.number,
        offset + static_cast<std::uint32_t>(util::trim_wsp_right(name).size()) + 1,
        fmt::format("whitespace between '{}' and ':'; write '{}:'", util::trim_wsp_right(name),
                    util::trim_wsp_right(name)));
    name = util::trim_wsp_right(name);
  }
  if (name.empty() || !util::is_ascii_alnum(name.front()) ||
      !std::ranges::all_of(name, is_extension_name_char)) {
    add(policy_code("field-name-invalid"), line.number, offset + 1,
        fmt::format("'{}' is not a field name (letters, digits, '_', '-', '.'; starting with a "
                    "letter or digit)",
                    util::printable(name)));
    return;
  }
  std::string_view raw_value = text.substr(colon + 1);
  const auto value_start = util::trim_wsp_left(raw_value);
  const auto value_column =
      offset + static_cast<std::uint32_t>(colon + 1 + raw_value.size() - value_start.size()) + 1;
  m_any_field = true;
  parse_field(line, name, util::trim_wsp_right(value_start), value_column);
}

void PolicyParser::parse_field(const Line& line, std::string_view name, std::string_view value,
                               std::uint32_t column)
{
  if (m_first_field.empty()) {
    m_first_field = name;
  }
  if (name == "version") {
    if (seen_before(name, line)) {
      return;
    }
    m_version_line = line.number;
    if (value != "STSv1") {
      add(policy_code("version-invalid"), line.number, column,
          fmt::format("version is '{}'; it must be exactly 'STSv1' (case-sensitive)",
                      util::printable(value)));
    }
    return;
  }
  if (name == "mode") {
    if (seen_before(name, line)) {
      return;
    }
    m_mode_seen = true;
    m_mode = parse_mode(value);
    if (!m_mode) {
      add(policy_code("mode-invalid"), line.number, column,
          fmt::format("mode is '{}'; it must be exactly 'enforce', 'testing' or 'none' "
                      "(lowercase)",
                      util::printable(value)));
    }
    return;
  }
  if (name == "max_age") {
    if (seen_before(name, line)) {
      return;
    }
    m_max_age_seen = true;
    m_max_age_line = line.number;
    const auto seconds = util::parse_decimal(value, 10);
    if (!seconds) {
      add(policy_code("max-age-invalid"), line.number, column,
          fmt::format("max_age is '{}'; it must be 1 to 10 digits (seconds), nothing else",
                      util::printable(value)));
      return;
    }
    if (*seconds > k_max_age_limit) {
      add(policy_code("max-age-too-large"), line.number, column,
          fmt::format("max_age {} exceeds the maximum of {} seconds (one year){}", *seconds,
                      k_max_age_limit,
                      m_profile == Profile::compatible ? "; treated as 31557600" : ""));
      m_max_age = k_max_age_limit;
      return;
    }
    m_max_age = static_cast<std::uint32_t>(*seconds);
    return;
  }
  if (name == "mx") {
    parse_mx(line, value, column);
    return;
  }

  // An extension field (RFC 8461 §3.2: unknown fields are ignored).
  static constexpr std::array<std::string_view, 4> k_known = {"version", "mode", "max_age", "mx"};
  for (const auto known : k_known) {
    if (util::iequals_ascii(name, known) ||
        (known == "max_age" &&
         (util::iequals_ascii(name, "max-age") || util::iequals_ascii(name, "maxage")))) {
      add(policy_code("field-name-case"), line.number, 1,
          fmt::format("'{}' is not '{}': field names are case-sensitive and exact, so this line "
                      "is ignored",
                      name, known));
      break;
    }
  }
  if (name.size() > k_max_extension_name) {
    add(policy_code("field-name-too-long"), line.number, 1,
        fmt::format("the field name '{}' is {} characters long; the limit is 32",
                    util::printable(name, 40), name.size()));
    return;
  }
  if (value.empty() || value.find('\t') != std::string_view::npos) {
    add(policy_code("extension-value-invalid"), line.number, column,
        value.empty() ? fmt::format("the field '{}' has an empty value", name)
                      : fmt::format("the value of '{}' contains a tab", name));
    return;
  }
  if (seen_before(name, line)) {
    return;
  }
  m_extensions.push_back(PolicyExtension{std::string(name), std::string(value)});
}

void PolicyParser::parse_mx(const Line& line, std::string_view value, std::uint32_t column)
{
  auto pattern = parse_mx_pattern(value);
  if (!pattern && pattern.error() == MxPatternError::trailing_dot) {
    add(policy_code("mx-trailing-dot"), line.number, column,
        fmt::format("'{}': {}", util::printable(value), describe(pattern.error())));
    value.remove_suffix(1);
    pattern = parse_mx_pattern(value);
  }
  if (!pattern) {
    const auto error = pattern.error();
    std::string message = fmt::format("'{}': {}", util::printable(value), describe(error));
    switch (error) {
    case MxPatternError::list:
      add(policy_code("mx-list"), line.number, column, std::move(message));
      return;
    case MxPatternError::non_ascii: {
      const auto ascii = normalize_host(value);
      if (ascii) {
        message += fmt::format(" (write '{}')", *ascii);
      }
      add(policy_code("mx-ulabel"), line.number, column, std::move(message));
      return;
    }
    case MxPatternError::ip_address:
      add(policy_code("mx-ip-address"), line.number, column, message + "; the pattern is ignored");
      return;
    default:
      add(policy_code("mx-invalid"), line.number, column, std::move(message));
      return;
    }
  }
  if (std::ranges::find(m_mx, *pattern) != m_mx.end()) {
    add(policy_code("duplicate-mx"), line.number, column,
        fmt::format("'{}' is listed more than once", pattern->text));
  }
  m_mx.push_back(std::move(*pattern));
}

void PolicyParser::finish()
{
  if (!m_any_field) {
    add(policy_code("no-fields"), 0, 0,
        "no 'name: value' fields found; is this an HTML or error page instead of a policy?");
    return;
  }
  const auto seen = [this](std::string_view name) {
    return std::ranges::find(m_seen_names, name) != m_seen_names.end();
  };
  if (!seen("version")) {
    add(policy_code("version-missing"), 0, 0, "the required field 'version: STSv1' is missing");
  }
  if (!m_mode_seen) {
    add(policy_code("mode-missing"), 0, 0,
        "the required field 'mode' (enforce, testing or none) is missing");
  }
  if (!m_max_age_seen) {
    add(policy_code("max-age-missing"), 0, 0,
        "the required field 'max_age' (seconds senders may cache the policy) is missing");
  }
  if (m_mode && *m_mode != PolicyMode::none && m_mx.empty()) {
    add(policy_code("mx-missing"), 0, 0,
        fmt::format("mode {} needs at least one valid 'mx' pattern naming the MX hosts",
                    mode_name(*m_mode)));
  }
  // Lints from practice: valid policies that work against their publisher.
  if (m_version_line != 0 && m_first_field != "version") {
    add(policy_code("version-not-first"), m_version_line, 1,
        fmt::format("'version' is not the first field ('{}' is): the order is free, but the "
                    "RFC's examples and the common guides put 'version: STSv1' first",
                    m_first_field));
  }
  if (m_mode && m_max_age) {
    if (*m_mode == PolicyMode::enforce && *m_max_age == 0) {
      add(policy_code("enforce-max-age-zero"), m_max_age_line, 1,
          "mode enforce with max_age 0: senders apply the policy once and never cache it, so "
          "it protects no later delivery; use weeks (e.g. 1209600)");
    } else if (*m_mode != PolicyMode::none && *m_max_age < k_one_day) {
      add(policy_code("max-age-short"), m_max_age_line, 1,
          fmt::format("max_age {} is under one day: senders forget the policy before their "
                      "daily refresh; use more than 86400 (e.g. 90000, or weeks under enforce)",
                      *m_max_age));
    }
  }
}

} // namespace

std::string_view mode_name(PolicyMode mode)
{
  switch (mode) {
  case PolicyMode::enforce:
    return "enforce";
  case PolicyMode::testing:
    return "testing";
  case PolicyMode::none:
    return "none";
  }
  return "none";
}

std::optional<PolicyMode> parse_mode(std::string_view text)
{
  if (text == "enforce") {
    return PolicyMode::enforce;
  }
  if (text == "testing") {
    return PolicyMode::testing;
  }
  if (text == "none") {
    return PolicyMode::none;
  }
  return std::nullopt;
}

Checked<Policy> parse_policy(std::string_view body, Profile profile)
{
  return PolicyParser(profile).run(body);
}

std::string serialize_policy(const Policy& policy)
{
  std::string out = fmt::format("version: STSv1\r\nmode: {}\r\n", mode_name(policy.mode));
  for (const auto& pattern : policy.mx) {
    out += fmt::format("mx: {}\r\n", pattern.text);
  }
  out += fmt::format("max_age: {}\r\n", policy.max_age);
  for (const auto& extension : policy.extensions) {
    out += fmt::format("{}: {}\r\n", extension.name, extension.value);
  }
  return out;
}

} // namespace mtasts::core
