#include <mtasts/core/txt_fields.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>
#include <unordered_set>
#include <utility>

namespace mtasts::core {

namespace {

constexpr std::size_t k_quote_length = 60; // longest record excerpt quoted in a message

// Other records that turn up at these names, for the not-a-candidate hint.
struct KnownRecord
{
  std::string_view version;
  std::string_view description;
};

constexpr std::array k_known_records{
    KnownRecord{"v=STSv1", "an MTA-STS record, which belongs at _mta-sts.<domain>"},
    KnownRecord{"v=TLSRPTv1", "a TLSRPT record, which belongs at _smtp._tls.<domain>"},
    KnownRecord{"v=spf1", "an SPF record"},
    KnownRecord{"v=DMARC1", "a DMARC record, which belongs at _dmarc.<domain>"},
    KnownRecord{"v=DKIM1", "a DKIM key record"},
};

// An error in strict, a warning in compatible.

std::uint32_t column_at(std::size_t offset)
{
  return advance_column(1, offset);
}

bool is_name_char(char c)
{
  return util::is_ascii_alnum(c) || c == '_' || c == '-' || c == '.';
}

// %x21-3A / %x3C / %x3E-7E
bool is_value_char(char c)
{
  return c >= '!' && c <= '~' && c != ';' && c != '=';
}

// In a record with a URI list field, a field that starts like a URI is most likely a URI cut off
// by a ';'.
std::string uri_hint(std::string_view text, const TxtRecordKind& kind)
{
  if (kind.list_field.empty()) {
    return {};
  }
  if (util::starts_with_ascii_nocase(text, "mailto:") ||
      util::starts_with_ascii_nocase(text, "https:") ||
      util::starts_with_ascii_nocase(text, "http:")) {
    return fmt::format(" (it looks like a URI: separate {} URIs with ',' and write a ';' inside a "
                       "URI as '%3B')",
                       kind.list_field);
  }
  return {};
}

// Why `rr` is not a candidate, with help when it nearly is one.
std::string non_candidate_reason(std::string_view rr, const TxtRecordKind& kind)
{
  if (rr.empty()) {
    return "it is empty";
  }
  const auto trimmed = util::trim_wsp_left(rr);
  const bool leading_wsp = trimmed.size() != rr.size();
  if (trimmed.empty()) {
    return "it holds only whitespace";
  }
  const std::string also_wsp = leading_wsp ? ", and remove the leading whitespace" : "";
  if (is_txt_candidate(trimmed, kind.version)) {
    return fmt::format("it starts with whitespace; '{}' must be its very first characters",
                       kind.version);
  }
  if (util::starts_with_ascii_nocase(trimmed, kind.version) && !trimmed.starts_with(kind.version)) {
    return fmt::format("the version is case-sensitive: write '{}', not '{}'{}", kind.version,
                       util::printable(trimmed.substr(0, kind.version.size())), also_wsp);
  }
  if (trimmed.starts_with(kind.version)) {
    const auto rest = util::trim_wsp_left(trimmed.substr(kind.version.size()));
    if (rest.empty()) {
      return fmt::format("it holds only the version; a record needs ';' and fields, e.g. '{}'{}",
                         kind.example, also_wsp);
    }
    return fmt::format("the version '{}' must be followed by ';'{}", kind.version, also_wsp);
  }
  if (util::to_ascii_lower(rr).find(util::to_ascii_lower(kind.version)) != std::string::npos) {
    return fmt::format("'{}' must come first, at the very start of the record", kind.version);
  }
  for (const auto& known : k_known_records) {
    if (known.version != kind.version && util::starts_with_ascii_nocase(trimmed, known.version)) {
      return fmt::format("it is {}", known.description);
    }
  }
  return fmt::format("it does not start with '{};'", kind.version);
}

std::string list_of_records(const std::vector<std::size_t>& indexes)
{
  std::string text;
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    if (i > 0) {
      text += i + 1 == indexes.size() ? " and " : ", ";
    }
    text += fmt::format("{}", indexes[i] + 1);
  }
  return text;
}

class FieldScanner
{
public:
  FieldScanner(std::string_view record, const TxtRecordKind& kind, std::uint32_t record_number,
               Profile profile, Diagnostics& diagnostics)
      : m_record(record), m_kind(kind), m_record_number(record_number), m_profile(profile),
        m_diagnostics(diagnostics)
  {}

  std::optional<std::vector<TxtField>> run();

private:
  void scan_field(std::size_t begin, std::size_t end);
  void add(const CodeInfo& code, std::size_t offset, std::string message)
  {
    add_txt_diagnostic(m_diagnostics, code, m_profile, m_record_number, column_at(offset),
                       std::move(message));
  }

  std::string_view m_record;
  const TxtRecordKind& m_kind;
  std::uint32_t m_record_number;
  Profile m_profile;
  Diagnostics& m_diagnostics;
  std::vector<TxtField> m_fields;
  std::unordered_set<std::string_view> m_seen{"v"};
};

std::optional<std::vector<TxtField>> FieldScanner::run()
{
  if (m_record.size() > k_max_txt_record_length) {
    add(txt_code("too-long"), k_max_txt_record_length,
        fmt::format("the record is {} bytes long; a TXT record holds at most {}", m_record.size(),
                    k_max_txt_record_length));
    return std::nullopt;
  }
  for (std::size_t i = 0; i < m_record.size(); ++i) {
    if (static_cast<unsigned char>(m_record[i]) >= 0x80) {
      add(txt_code("non-ascii"), i,
          fmt::format("byte 0x{:02x} is not US-ASCII; the record must be plain ASCII ({})",
                      static_cast<unsigned char>(m_record[i]), m_kind.rfc));
      return std::nullopt;
    }
  }
  if (!m_record.starts_with(m_kind.version)) {
    add(txt_code("version-invalid"), 0,
        fmt::format("not {}: {} ('{}')", m_kind.record_name, non_candidate_reason(m_record, m_kind),
                    util::printable(m_record, k_quote_length)));
    return std::nullopt;
  }
  const std::size_t version_end = m_kind.version.size();
  std::size_t delimiter = version_end;
  while (delimiter < m_record.size() && util::is_wsp(m_record[delimiter])) {
    ++delimiter;
  }
  if (delimiter == m_record.size()) {
    if (delimiter > version_end) {
      add(txt_code("trailing-whitespace"), version_end,
          "whitespace after the version; remove it or end the record with ';'");
    }
    return std::move(m_fields);
  }
  if (m_record[delimiter] != ';') {
    if (delimiter == version_end) {
      add(txt_code("version-invalid"), delimiter,
          fmt::format("the version must be exactly '{}', followed by ';' (found '{}')",
                      m_kind.version, util::printable(m_record.substr(0, delimiter + 1))));
    } else {
      add(txt_code("field-syntax"), delimiter,
          fmt::format("expected ';' after '{}', found '{}'", m_kind.version,
                      util::printable(m_record.substr(delimiter), 20)));
    }
    return std::nullopt;
  }
  std::size_t start = delimiter + 1;
  while (true) {
    const auto end = m_record.find(';', start);
    const bool last = end == std::string_view::npos;
    const std::size_t piece_end = last ? m_record.size() : end;
    std::size_t first = start;
    while (first < piece_end && util::is_wsp(m_record[first])) {
      ++first;
    }
    std::size_t stop = piece_end;
    while (stop > first && util::is_wsp(m_record[stop - 1])) {
      --stop;
    }
    if (first == stop) {
      // A whitespace-only piece is the optional final delimiter when last, else an empty field.
      if (!last) {
        add(txt_code("empty-field"), end,
            m_profile == Profile::strict
                ? std::string("empty field: nothing between two ';'; remove the extra ';'")
                : std::string("empty field: nothing between two ';' (ignored)"));
      }
    } else {
      if (last && stop < piece_end) {
        add(txt_code("trailing-whitespace"), stop,
            "whitespace after the last field; remove it or end the record with ';'");
      }
      scan_field(first, stop);
    }
    if (last) {
      break;
    }
    start = end + 1;
  }
  return std::move(m_fields);
}

void FieldScanner::scan_field(std::size_t begin, std::size_t end)
{
  const auto text = m_record.substr(begin, end - begin);
  const auto equals = text.find('=');
  if (equals == std::string_view::npos) {
    add(txt_code("field-syntax"), begin,
        fmt::format("field '{}' has no '='; every field is name=value{}",
                    util::printable(text, k_quote_length), uri_hint(text, m_kind)));
    return;
  }
  const auto raw_name = text.substr(0, equals);
  const auto raw_value = text.substr(equals + 1);
  const auto name = util::trim_wsp_right(raw_name);
  const auto value = util::trim_wsp_left(raw_value);
  if (name.size() != raw_name.size() || value.size() != raw_value.size()) {
    const std::size_t offset =
        name.size() != raw_name.size() ? begin + name.size() : begin + equals + 1;
    add(txt_code("whitespace-around-equals"), offset,
        fmt::format("whitespace around '=' in '{}'; write '{}={}'",
                    util::printable(text, k_quote_length), util::printable(name),
                    util::printable(value, k_quote_length)));
  }
  TxtField field;
  field.name = name;
  field.value = value;
  field.column = column_at(begin);
  field.value_column = column_at(begin + equals + 1 + (raw_value.size() - value.size()));
  if (m_seen.contains(name)) {
    field.duplicate = true;
    std::string message =
        name == "v" ? std::string("'v' appears again; only the version at the start counts, this "
                                  "field is ignored")
                    : fmt::format("'{}' appears again; only the first occurrence counts, this one "
                                  "is ignored",
                                  util::printable(name));
    if (!m_kind.list_field.empty() && name == m_kind.list_field) {
      message +=
          fmt::format(" (put every value in the first '{}=', separated by ',')", m_kind.list_field);
    }
    add(txt_code("duplicate-field"), begin, std::move(message));
  } else {
    m_seen.insert(name);
  }
  m_fields.push_back(field);
}

} // namespace

bool is_txt_candidate(std::string_view rr, std::string_view version)
{
  if (!rr.starts_with(version)) {
    return false;
  }
  std::size_t i = version.size();
  while (i < rr.size() && util::is_wsp(rr[i])) {
    ++i;
  }
  return i < rr.size() && rr[i] == ';';
}

std::optional<std::size_t> select_txt_candidate(std::span<const std::string> rrs,
                                                const TxtRecordKind& kind, Diagnostics& diagnostics)
{
  if (rrs.size() > k_max_txt_record_count) {
    add_txt_diagnostic(diagnostics, txt_code("too-many-records"), 0, 0,
                       fmt::format("the set holds {} TXT records, more than the {} examined; {}",
                                   rrs.size(), k_max_txt_record_count, kind.absent));
    return std::nullopt;
  }
  std::vector<std::size_t> candidates;
  bool too_long = false;
  for (std::size_t i = 0; i < rrs.size(); ++i) {
    const std::string_view rr = rrs[i];
    const auto number = static_cast<std::uint32_t>(i + 1);
    if (rr.size() > k_max_txt_record_length) {
      add_txt_diagnostic(diagnostics, txt_code("too-long"), number,
                         column_at(k_max_txt_record_length),
                         fmt::format("the record is {} bytes long; a TXT record holds at most {}",
                                     rr.size(), k_max_txt_record_length));
      too_long = true;
    } else if (is_txt_candidate(rr, kind.version)) {
      candidates.push_back(i);
    } else {
      add_txt_diagnostic(diagnostics, txt_code("not-a-candidate"), number, 1,
                         fmt::format("'{}' is not {} and is ignored: {}",
                                     util::printable(rr, k_quote_length), kind.record_name,
                                     non_candidate_reason(rr, kind)));
    }
  }
  if (too_long) {
    return std::nullopt;
  }
  if (candidates.empty()) {
    add_txt_diagnostic(diagnostics, txt_code("no-record"), 0, 0,
                       rrs.empty() ? fmt::format("there is no TXT record at {}, so {} ({})",
                                                 kind.owner, kind.absent, kind.rfc)
                                   : fmt::format("no TXT record starts with '{};', so {} ({})",
                                                 kind.version, kind.absent, kind.rfc));
    return std::nullopt;
  }
  if (candidates.size() > 1) {
    add_txt_diagnostic(
        diagnostics, txt_code("multiple-records"), static_cast<std::uint32_t>(candidates[1] + 1), 0,
        fmt::format("records {} {} start with '{};'; exactly one is allowed, so {} "
                    "({})",
                    list_of_records(candidates), candidates.size() == 2 ? "both" : "all",
                    kind.version, kind.absent, kind.rfc));
    return std::nullopt;
  }
  return candidates.front();
}

std::optional<std::vector<TxtField>> scan_txt_fields(std::string_view record,
                                                     const TxtRecordKind& kind,
                                                     std::uint32_t record_number, Profile profile,
                                                     Diagnostics& diagnostics)
{
  return FieldScanner(record, kind, record_number, profile, diagnostics).run();
}

bool is_valid_txt_name(std::string_view name)
{
  return !name.empty() && name.size() <= k_max_txt_name_length &&
         util::is_ascii_alnum(name.front()) && std::ranges::all_of(name, is_name_char);
}

bool is_valid_txt_value(std::string_view value)
{
  return !value.empty() && std::ranges::all_of(value, is_value_char);
}

bool check_txt_extension(const TxtField& field, const TxtRecordKind& kind,
                         std::uint32_t record_number, Diagnostics& diagnostics)
{
  const auto name = field.name;
  const auto name_error = [&](std::size_t offset, std::string message) {
    add_txt_diagnostic(diagnostics, txt_code("extension-name-invalid"), record_number,
                       advance_column(field.column, offset), std::move(message));
    return false;
  };
  if (name.empty()) {
    return name_error(0, fmt::format("a field has no name before '=' ('={}')",
                                     util::printable(field.value, k_quote_length)));
  }
  if (!util::is_ascii_alnum(name.front())) {
    return name_error(0, fmt::format("field name '{}' must start with a letter or digit",
                                     util::printable(name, k_quote_length)));
  }
  const auto bad = std::ranges::find_if_not(name, is_name_char);
  if (bad != name.end()) {
    const auto offset = static_cast<std::size_t>(bad - name.begin());
    return name_error(offset, fmt::format("field name '{}' contains {}; a name holds only letters, "
                                          "digits, '_', '-' and '.'{}",
                                          util::printable(name, k_quote_length),
                                          describe_txt_char(*bad), uri_hint(name, kind)));
  }
  if (name.size() > k_max_txt_name_length) {
    return name_error(0,
                      fmt::format("field name '{}' is {} characters long; at most {} are "
                                  "allowed",
                                  util::printable(name, 40), name.size(), k_max_txt_name_length));
  }
  if (field.value.empty()) {
    add_txt_diagnostic(diagnostics, txt_code("extension-value-invalid"), record_number,
                       field.value_column,
                       fmt::format("field '{}' has an empty value", util::printable(name)));
    return false;
  }
  const auto value = field.value;
  const auto bad_value = std::ranges::find_if_not(value, is_value_char);
  if (bad_value != value.end()) {
    const auto offset = static_cast<std::size_t>(bad_value - value.begin());
    std::string why = *bad_value == '=' ? " (an extension value cannot hold '=')"
                                        : missing_delimiter_hint(value, offset);
    add_txt_diagnostic(diagnostics, txt_code("extension-value-invalid"), record_number,
                       advance_column(field.value_column, offset),
                       fmt::format("the value '{}' of field '{}' contains {}{}",
                                   util::printable(value, k_quote_length), util::printable(name),
                                   describe_txt_char(*bad_value), why));
    return false;
  }
  return true;
}

std::string describe_txt_char(char c)
{
  if (c == ' ') {
    return "a space";
  }
  if (c == '\t') {
    return "a tab";
  }
  const auto byte = static_cast<unsigned char>(c);
  if (util::is_ctl(c)) {
    return fmt::format("control character 0x{:02x}", byte);
  }
  if (byte >= 0x80) {
    return fmt::format("byte 0x{:02x}", byte);
  }
  return fmt::format("'{}'", c);
}

std::string missing_delimiter_hint(std::string_view value, std::size_t index)
{
  if (index >= value.size() || !util::is_wsp(value[index])) {
    return {};
  }
  const auto rest = util::trim_wsp_left(value.substr(index));
  const auto equals = rest.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return {};
  }
  const auto name = rest.substr(0, equals);
  if (!std::ranges::all_of(name, is_name_char)) {
    return {};
  }
  return fmt::format("; is a ';' missing before '{}'?", util::printable(rest, 40));
}

std::uint32_t advance_column(std::uint32_t column, std::size_t offset)
{
  constexpr auto k_max = std::numeric_limits<std::uint32_t>::max();
  if (offset >= k_max - column) {
    return k_max;
  }
  return column + static_cast<std::uint32_t>(offset);
}

void add_txt_diagnostic(Diagnostics& diagnostics, const CodeInfo& code, Profile profile,
                        std::uint32_t record, std::uint32_t column, std::string message)
{
  diagnostics.push_back(
      make_diagnostic(code, profile, Position{0, column, record, {}}, std::move(message)));
}

void add_txt_diagnostic(Diagnostics& diagnostics, const CodeInfo& code, std::uint32_t record,
                        std::uint32_t column, std::string message)
{
  assert(code.severity == code.lenient); // the caller has no profile: it must not matter
  add_txt_diagnostic(diagnostics, code, Profile::strict, record, column, std::move(message));
}

void sort_txt_diagnostics(Diagnostics& diagnostics)
{
  // 0 means "the whole set/record": map it past every real index so it sorts last.
  const auto key = [](const Diagnostic& d) {
    const auto last = [](std::uint32_t n) {
      return n == 0 ? std::uint64_t{1} << 32 : std::uint64_t{n};
    };
    return std::pair{last(d.where.record), last(d.where.column)};
  };
  std::ranges::stable_sort(diagnostics, {}, key);
}

} // namespace mtasts::core
