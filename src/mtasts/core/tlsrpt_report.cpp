#include <mtasts/core/codes.hpp>
#include <mtasts/core/result_type.hpp>
#include <mtasts/core/tlsrpt_report.hpp>
#include <mtasts/util/gzip.hpp>
#include <mtasts/util/rfc3339.hpp>
#include <mtasts/util/strings.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>
#include <utility>

namespace mtasts::core {

namespace json = boost::json;

namespace {

// --- Diagnostic codes (registry entries: core/code_table.hpp, family report) ---

constexpr const CodeInfo& k_report_too_large = report_code("report-too-large");
constexpr const CodeInfo& k_decompressed_too_large = report_code("decompressed-too-large");
constexpr const CodeInfo& k_gzip_corrupt = report_code("gzip-corrupt");
constexpr const CodeInfo& k_gzip_truncated = report_code("gzip-truncated");
constexpr const CodeInfo& k_gzip_trailing_data = report_code("gzip-trailing-data");
constexpr std::string_view k_json_invalid_utf8 = "json-invalid-utf8";
constexpr const CodeInfo& k_json_syntax = report_code("json-syntax");
constexpr const CodeInfo& k_json_too_deep = report_code("json-too-deep");
constexpr const CodeInfo& k_report_not_object = report_code("report-not-object");
constexpr const CodeInfo& k_field_missing = report_code("field-missing");
constexpr const CodeInfo& k_field_type = report_code("field-type");
constexpr const CodeInfo& k_count_invalid = report_code("count-invalid");
constexpr const CodeInfo& k_datetime_invalid = report_code("datetime-invalid");
constexpr const CodeInfo& k_date_range_reversed = report_code("date-range-reversed");

constexpr const CodeInfo& k_json_bom = report_code("json-bom");
constexpr const CodeInfo& k_duplicate_key = report_code("duplicate-key");
constexpr const CodeInfo& k_organization_name_missing = report_code("organization-name-missing");
constexpr const CodeInfo& k_report_id_missing = report_code("report-id-missing");
constexpr const CodeInfo& k_contact_info_missing = report_code("contact-info-missing");
constexpr const CodeInfo& k_contact_info_null = report_code("contact-info-null");
constexpr const CodeInfo& k_field_null = report_code("field-null");
constexpr const CodeInfo& k_policies_empty = report_code("policies-empty");
constexpr const CodeInfo& k_unknown_policy_type = report_code("unknown-policy-type");
constexpr const CodeInfo& k_unknown_result_type = report_code("unknown-result-type");
constexpr const CodeInfo& k_policy_domain_missing = report_code("policy-domain-missing");
constexpr const CodeInfo& k_policy_string_double_encoded =
    report_code("policy-string-double-encoded");
constexpr const CodeInfo& k_mx_host_string = report_code("mx-host-string");
constexpr const CodeInfo& k_mx_host_prefix = report_code("mx-host-prefix");
constexpr const CodeInfo& k_summary_missing = report_code("summary-missing");
constexpr const CodeInfo& k_summary_count_missing = report_code("summary-count-missing");
constexpr const CodeInfo& k_count_as_string = report_code("count-as-string");
constexpr const CodeInfo& k_count_as_float = report_code("count-as-float");
constexpr const CodeInfo& k_failure_count_exceeds_total =
    report_code("failure-count-exceeds-total");
constexpr const CodeInfo& k_datetime_no_timezone = report_code("datetime-no-timezone");
constexpr const CodeInfo& k_datetime_space_separator = report_code("datetime-space-separator");
constexpr const CodeInfo& k_datetime_lowercase = report_code("datetime-lowercase");
constexpr const CodeInfo& k_datetime_not_utc = report_code("datetime-not-utc");
constexpr const CodeInfo& k_date_range_long = report_code("date-range-long");
constexpr const CodeInfo& k_diagnostics_truncated = report_code("diagnostics-truncated");

// --- Member names (RFC 8460 §4.4) ---

constexpr std::string_view k_organization_name = "organization-name";
constexpr std::string_view k_date_range = "date-range";
constexpr std::string_view k_start_datetime = "start-datetime";
constexpr std::string_view k_end_datetime = "end-datetime";
constexpr std::string_view k_contact_info = "contact-info";
constexpr std::string_view k_report_id = "report-id";
constexpr std::string_view k_policies = "policies";
constexpr std::string_view k_policy = "policy";
constexpr std::string_view k_policy_type = "policy-type";
constexpr std::string_view k_policy_string = "policy-string";
constexpr std::string_view k_policy_domain = "policy-domain";
constexpr std::string_view k_mx_host = "mx-host";
constexpr std::string_view k_summary = "summary";
constexpr std::string_view k_total_successful = "total-successful-session-count";
constexpr std::string_view k_total_failure = "total-failure-session-count";
constexpr std::string_view k_failure_details = "failure-details";
constexpr std::string_view k_result_type = "result-type";
constexpr std::string_view k_failed_session_count = "failed-session-count";
constexpr std::string_view k_sending_mta_ip = "sending-mta-ip";
constexpr std::string_view k_receiving_mx_hostname = "receiving-mx-hostname";
constexpr std::string_view k_receiving_mx_helo = "receiving-mx-helo";
constexpr std::string_view k_receiving_ip = "receiving-ip";
constexpr std::string_view k_additional_information = "additional-information";
constexpr std::string_view k_failure_reason_code = "failure-reason-code";

constexpr std::string_view k_utf8_bom = "\xef\xbb\xbf";
constexpr std::size_t k_max_duplicate_reports = 16;
// Per severity, so a flood of warnings never hides the first error.
constexpr std::size_t k_max_diagnostics_per_severity = 100;
// Doubles at or below 2^53 hold every integer exactly.
constexpr double k_max_exact_double = 9007199254740992.0;
constexpr std::int64_t k_seconds_per_day = 86400;

json::string_view to_json_view(std::string_view text)
{
  return {text.data(), text.size()};
}
std::string to_std_string(const json::string& text)
{
  return {text.data(), text.size()};
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b)
{
  return a > std::numeric_limits<std::uint64_t>::max() - b
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

std::uint32_t clamp_to_u32(std::size_t value)
{
  return static_cast<std::uint32_t>(
      std::min<std::size_t>(value, std::numeric_limits<std::uint32_t>::max()));
}

// 1-based line and byte column of `offset` within `text`.
Position position_of(std::string_view text, std::size_t offset)
{
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const auto newlines = static_cast<std::size_t>(std::ranges::count(before, '\n'));
  const auto last_newline = before.rfind('\n');
  const std::size_t column =
      last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  Position where;
  where.line = clamp_to_u32(newlines + 1);
  where.column = clamp_to_u32(column);
  return where;
}

std::string member_path(std::string_view parent, std::string_view key)
{
  std::string path;
  path.reserve(parent.size() + key.size() + 1);
  path.append(parent);
  if (!parent.empty()) {
    path += '.';
  }
  path.append(key);
  return path;
}

std::string element_path(std::string_view parent, std::size_t index)
{
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
  std::string path;
  path.reserve(parent.size() + static_cast<std::size_t>(end - digits) + 2);
  path.append(parent);
  path += '[';
  path.append(digits, end);
  path += ']';
  return path;
}

// What a value is, for "found ..." in messages.
std::string describe(const json::value& value)
{
  switch (value.kind()) {
  case json::kind::null:
    return "null";
  case json::kind::bool_:
    return value.get_bool() ? "the boolean true" : "the boolean false";
  case json::kind::int64:
    return fmt::format("the number {}", value.get_int64());
  case json::kind::uint64:
    return fmt::format("the number {}", value.get_uint64());
  case json::kind::double_:
    return fmt::format("the number {}", value.get_double());
  case json::kind::string: {
    const auto& text = value.get_string();
    return fmt::format("the string \"{}\"",
                       util::printable(std::string_view(text.data(), text.size()), 40));
  }
  case json::kind::array: {
    const std::size_t size = value.get_array().size();
    return fmt::format("an array of {} element{}", size, size == 1 ? "" : "s");
  }
  case json::kind::object:
    return "an object";
  }
  return "an unknown value";
}

// --- Duplicate member names ---
//
// boost::json keeps the last of several equal keys without telling; this handler replays the
// text through boost::json::basic_parser and records the path of every repeated key.
class DuplicateKeyFinder
{
public:
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();

  using error_code = boost::system::error_code;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&)
  {
    push_frame(false);
    return true;
  }
  bool on_array_end(std::size_t, error_code&)
  {
    --m_depth;
    value_done();
    return true;
  }
  bool on_object_begin(error_code&)
  {
    push_frame(true);
    return true;
  }
  bool on_object_end(std::size_t, error_code&)
  {
    --m_depth;
    value_done();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, error_code&) { return value_done(); }
  bool on_key_part(json::string_view part, std::size_t, error_code&)
  {
    m_key.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, error_code&)
  {
    m_key.append(part.data(), part.size());
    Frame& frame = m_frames[m_depth - 1];
    frame.key.assign(m_key);
    m_key.clear();
    if (!frame.remember(std::hash<std::string_view>{}(frame.key)) &&
        m_duplicates.size() < k_max_duplicate_reports) {
      m_duplicates.push_back(path());
    }
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, error_code&) { return value_done(); }
  bool on_uint64(std::uint64_t, json::string_view, error_code&) { return value_done(); }
  bool on_double(double, json::string_view, error_code&) { return value_done(); }
  bool on_bool(bool, error_code&) { return value_done(); }
  bool on_null(error_code&) { return value_done(); }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

  const std::vector<std::string>& duplicates() const { return m_duplicates; }

private:
  // Frames are reused across objects (m_depth says how many are live) so that walking a large
  // report allocates almost nothing. Keys are remembered by hash: a collision could only add a
  // spurious duplicate-key warning, never reject a report.
  struct Frame
  {
    bool is_object = false;
    std::size_t completed = 0; // array elements finished so far = index of the current element
    std::string key;           // object member being read
    std::vector<std::size_t> few_keys;         // the first k_few_keys key hashes
    std::unordered_set<std::size_t> many_keys; // all key hashes once an object has more

    void reset(bool object)
    {
      is_object = object;
      completed = 0;
      key.clear();
      few_keys.clear();
      many_keys.clear();
    }
    // False when the key was seen before in this object.
    bool remember(std::size_t hash)
    {
      if (many_keys.empty()) {
        if (std::ranges::find(few_keys, hash) != few_keys.end()) {
          return false;
        }
        if (few_keys.size() < k_few_keys) {
          few_keys.push_back(hash);
          return true;
        }
        many_keys.insert(few_keys.begin(), few_keys.end());
      }
      return many_keys.insert(hash).second;
    }
  };
  static constexpr std::size_t k_few_keys = 16;

  void push_frame(bool object)
  {
    if (m_depth == m_frames.size()) {
      m_frames.emplace_back();
    }
    m_frames[m_depth++].reset(object);
  }

  bool value_done()
  {
    if (m_depth != 0 && !m_frames[m_depth - 1].is_object) {
      ++m_frames[m_depth - 1].completed;
    }
    return true;
  }

  std::string path() const
  {
    std::string result;
    for (std::size_t i = 0; i < m_depth; ++i) {
      const Frame& frame = m_frames[i];
      result =
          frame.is_object ? member_path(result, frame.key) : element_path(result, frame.completed);
    }
    return result;
  }

  std::vector<Frame> m_frames;
  std::size_t m_depth = 0;
  std::string m_key;
  std::vector<std::string> m_duplicates;
};

std::vector<std::string> find_duplicate_keys(std::string_view text,
                                             const json::parse_options& options)
{
  json::basic_parser<DuplicateKeyFinder> parser(options);
  boost::system::error_code ec;
  parser.write_some(false, text.data(), text.size(), ec);
  return ec ? std::vector<std::string>{} : parser.handler().duplicates();
}

// --- Schema walk ---

class ReportReader
{
public:
  ReportReader(const json::parse_options& options, Profile profile)
      : m_options(options), m_profile(profile)
  {}

  Report read(const json::object& root)
  {
    Report report;
    report.organization_name =
        read_named_string(root, k_organization_name, k_organization_name_missing,
                          "the report does not name the reporting organization");
    read_date_range(root, report);
    read_contact_info(root, report);
    report.report_id = read_named_string(root, k_report_id, k_report_id_missing,
                                         "duplicate reports cannot be recognised by their id");
    read_policies(root, report);
    return report;
  }

  Diagnostics& diagnostics() { return m_diagnostics; }
  std::size_t dropped() const { return m_dropped; }

private:
  // Records `code` with its registry severity for the reader's profile.
  void flag(const CodeInfo& code, std::string field, std::string message)
  {
    const Severity severity = severity_in(code, m_profile);
    m_has_errors = m_has_errors || severity == Severity::error;
    std::size_t& recorded = severity == Severity::error ? m_errors_recorded : m_warnings_recorded;
    if (recorded >= k_max_diagnostics_per_severity) {
      ++m_dropped;
      return;
    }
    ++recorded;
    Diagnostic diagnostic;
    diagnostic.code = code.code;
    diagnostic.severity = severity;
    diagnostic.where.field = std::move(field);
    diagnostic.message = std::move(message);
    m_diagnostics.push_back(std::move(diagnostic));
  }

  void missing(const std::string& path, std::string_view what)
  {
    flag(k_field_missing, path, fmt::format("{} is missing; {} is required", path, what));
  }
  void wrong_type(const std::string& path, std::string_view expected, const json::value& found)
  {
    flag(k_field_type, path,
         fmt::format("{} must be {}, found {}", path, expected, describe(found)));
  }

  static const json::value* member(const json::object& object, std::string_view key)
  {
    return object.if_contains(to_json_view(key));
  }

  // A string member whose absence is tolerated with `missing_code`; "" when absent.
  std::string read_named_string(const json::object& object, std::string_view key,
                                const CodeInfo& missing_code, std::string_view consequence)
  {
    const std::string path(key);
    const json::value* value = member(object, key);
    if (value == nullptr || value->is_null()) {
      flag(missing_code, path,
           fmt::format("{} is {}; {}", path, value == nullptr ? "missing" : "null", consequence));
      return {};
    }
    if (!value->is_string()) {
      wrong_type(path, "a string", *value);
      return {};
    }
    return to_std_string(value->get_string());
  }

  // An optional string member; null is read as absent with a warning.
  std::optional<std::string> read_optional_string(const json::object& object, std::string_view key,
                                                  const std::string& parent)
  {
    const json::value* value = member(object, key);
    if (value == nullptr) {
      return std::nullopt;
    }
    const std::string path = member_path(parent, key);
    if (value->is_null()) {
      flag(k_field_null, path, fmt::format("{} is null; read as absent", path));
      return std::nullopt;
    }
    if (!value->is_string()) {
      wrong_type(path, "a string", *value);
      return std::nullopt;
    }
    return to_std_string(value->get_string());
  }

  // A required string member.
  std::optional<std::string> read_required_string(const json::object& object, std::string_view key,
                                                  const std::string& parent)
  {
    const std::string path = member_path(parent, key);
    const json::value* value = member(object, key);
    if (value == nullptr) {
      missing(path, "a string");
      return std::nullopt;
    }
    if (!value->is_string()) {
      wrong_type(path, "a string", *value);
      return std::nullopt;
    }
    return to_std_string(value->get_string());
  }

  // A session count (RFC 8460 §4.4: a non-negative integer).
  std::optional<std::uint64_t> read_count(const json::value& value, const std::string& path)
  {
    const auto invalid = [&] {
      flag(k_count_invalid, path,
           fmt::format("{} must be a non-negative integer, found {}", path, describe(value)));
      return std::nullopt;
    };
    switch (value.kind()) {
    case json::kind::uint64:
      return value.get_uint64();
    case json::kind::int64:
      if (value.get_int64() < 0) {
        return invalid();
      }
      return static_cast<std::uint64_t>(value.get_int64());
    case json::kind::double_: {
      const double number = value.get_double();
      if (!std::isfinite(number) || number < 0.0 || number > k_max_exact_double ||
          std::trunc(number) != number) {
        return invalid();
      }
      flag(k_count_as_float, path,
           fmt::format("{} is written as a floating-point number ({}); read as an integer", path,
                       number));
      return static_cast<std::uint64_t>(number);
    }
    case json::kind::string: {
      const auto& text = value.get_string();
      const auto parsed = util::parse_decimal(std::string_view(text.data(), text.size()), 20);
      if (!parsed) {
        return invalid();
      }
      flag(k_count_as_string, path,
           fmt::format("{} is a string (\"{}\"), not a number; read as {}", path,
                       util::printable(std::string_view(text.data(), text.size()), 24), *parsed));
      return parsed;
    }
    case json::kind::null:
    case json::kind::bool_:
    case json::kind::array:
    case json::kind::object:
      break;
    }
    wrong_type(path, "a non-negative integer", value);
    return std::nullopt;
  }

  std::optional<std::int64_t> read_datetime(const json::object& range, std::string_view key,
                                            const std::string& parent)
  {
    const auto text = read_required_string(range, key, parent);
    if (!text) {
      return std::nullopt;
    }
    const std::string path = member_path(parent, key);
    const auto parsed = util::parse_rfc3339(*text);
    if (!parsed) {
      flag(k_datetime_invalid, path,
           fmt::format("{} \"{}\" is not an RFC 3339 date-time: {}", path,
                       util::printable(*text, 40), parsed.error()));
      return std::nullopt;
    }
    if (parsed->missing_timezone) {
      flag(k_datetime_no_timezone, path,
           fmt::format("{} \"{}\" has no time offset; read as UTC", path, *text));
    }
    if (parsed->space_separator) {
      flag(k_datetime_space_separator, path,
           fmt::format("{} \"{}\" separates date and time with a space instead of 'T'", path,
                       *text));
    }
    if (parsed->lowercase_designators) {
      flag(k_datetime_lowercase, path,
           fmt::format("{} \"{}\" uses a lower-case 't' or 'z'", path, *text));
    }
    if (parsed->offset_minutes != 0) {
      flag(k_datetime_not_utc, path,
           fmt::format("{} \"{}\" is not in UTC; converted to {}", path, *text,
                       util::format_rfc3339_utc(parsed->epoch_seconds)));
    }
    return parsed->epoch_seconds;
  }

  void read_date_range(const json::object& root, Report& report)
  {
    const std::string path(k_date_range);
    const json::value* value = member(root, k_date_range);
    if (value == nullptr) {
      missing(path, "an object with start-datetime and end-datetime");
      return;
    }
    const json::object* range = value->if_object();
    if (range == nullptr) {
      wrong_type(path, "an object with start-datetime and end-datetime", *value);
      return;
    }
    const auto start = read_datetime(*range, k_start_datetime, path);
    const auto end = read_datetime(*range, k_end_datetime, path);
    if (!start || !end) {
      return;
    }
    report.start_epoch = *start;
    report.end_epoch = *end;
    if (*end < *start) {
      flag(k_date_range_reversed, member_path(path, k_end_datetime),
           fmt::format("{}.end-datetime {} is before start-datetime {}", path,
                       util::format_rfc3339_utc(*end), util::format_rfc3339_utc(*start)));
      return;
    }
    const std::int64_t length = exclusive_end_epoch(report) - *start;
    if (length > k_seconds_per_day) {
      flag(k_date_range_long, path,
           fmt::format("{} spans {} seconds ({} to {}), more than the one UTC day RFC 8460 "
                       "recommends",
                       path, length, util::format_rfc3339_utc(*start),
                       util::format_rfc3339_utc(*end)));
    }
  }

  void read_contact_info(const json::object& root, Report& report)
  {
    const std::string path(k_contact_info);
    const json::value* value = member(root, k_contact_info);
    if (value == nullptr) {
      flag(k_contact_info_missing, path, "contact-info is missing");
      return;
    }
    if (value->is_null()) {
      flag(k_contact_info_null, path, "contact-info is null; read as absent");
      return;
    }
    if (!value->is_string()) {
      wrong_type(path, "a string", *value);
      return;
    }
    report.contact_info = to_std_string(value->get_string());
  }

  void read_policies(const json::object& root, Report& report)
  {
    const std::string path(k_policies);
    const json::value* value = member(root, k_policies);
    if (value == nullptr) {
      missing(path, "an array of policy results");
      return;
    }
    const json::array* policies = value->if_array();
    if (policies == nullptr) {
      wrong_type(path, "an array of policy results", *value);
      return;
    }
    if (policies->empty()) {
      flag(k_policies_empty, path, "policies is an empty array; the report says nothing");
    }
    report.policies.reserve(policies->size());
    for (std::size_t i = 0; i < policies->size(); ++i) {
      const std::string entry_path = element_path(path, i);
      const json::object* entry = (*policies)[i].if_object();
      if (entry == nullptr) {
        wrong_type(entry_path, "an object", (*policies)[i]);
        continue;
      }
      PolicyResult result = read_policy_result(*entry, entry_path);
      // Once the report is rejected its values are never used; only diagnostics are collected.
      if (!m_has_errors) {
        report.policies.push_back(std::move(result));
      }
    }
  }

  PolicyResult read_policy_result(const json::object& entry, const std::string& path)
  {
    PolicyResult result;
    read_policy(entry, path, result);
    read_summary(entry, path, result);
    read_failure_details(entry, path, result);

    std::uint64_t failed = 0;
    for (const FailureDetail& detail : result.failure_details) {
      failed = saturating_add(failed, detail.failed_session_count);
    }
    if (failed > result.total_failure_session_count) {
      flag(k_failure_count_exceeds_total,
           member_path(member_path(path, k_summary), k_total_failure),
           fmt::format("the failed-session-counts of {} add up to {}, more than its "
                       "total-failure-session-count {}; the details overlap, so their sum is "
                       "not a session count",
                       path, failed, result.total_failure_session_count));
    }
    return result;
  }

  void read_policy(const json::object& entry, const std::string& parent, PolicyResult& result)
  {
    const std::string path = member_path(parent, k_policy);
    const json::value* value = member(entry, k_policy);
    if (value == nullptr) {
      missing(path, "an object with at least policy-type");
      return;
    }
    const json::object* policy = value->if_object();
    if (policy == nullptr) {
      wrong_type(path, "an object", *value);
      return;
    }

    if (auto type = read_required_string(*policy, k_policy_type, path)) {
      result.policy_type = std::move(*type);
      if (!is_known_policy_type(result.policy_type)) {
        flag(k_unknown_policy_type, member_path(path, k_policy_type),
             fmt::format("{}.policy-type \"{}\" is not sts, tlsa or no-policy-found{}; kept as "
                         "is",
                         path, util::printable(result.policy_type, 40),
                         result.policy_type == "dane" ? " (a DANE policy is \"tlsa\")" : ""));
      }
    }
    result.policy_string = read_string_array(*policy, k_policy_string, path);
    unwrap_double_encoding(member_path(path, k_policy_string), result.policy_string);

    const json::value* domain = member(*policy, k_policy_domain);
    if (domain == nullptr || domain->is_null()) {
      flag(k_policy_domain_missing, member_path(path, k_policy_domain),
           fmt::format("{}.policy-domain is {}; the report does not say which domain the "
                       "{} policy belongs to",
                       path, domain == nullptr ? "missing" : "null",
                       result.policy_type.empty() ? "unnamed" : result.policy_type));
    } else {
      result.policy_domain = read_optional_string(*policy, k_policy_domain, path);
    }

    read_mx_host(*policy, path, result);
  }

  // An optional array of strings; absent or null gives an empty vector.
  std::vector<std::string> read_string_array(const json::object& object, std::string_view key,
                                             const std::string& parent)
  {
    std::vector<std::string> strings;
    const json::value* value = member(object, key);
    if (value == nullptr) {
      return strings;
    }
    const std::string path = member_path(parent, key);
    if (value->is_null()) {
      flag(k_field_null, path, fmt::format("{} is null; read as absent", path));
      return strings;
    }
    const json::array* array = value->if_array();
    if (array == nullptr) {
      wrong_type(path, "an array of strings", *value);
      return strings;
    }
    strings.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
      const json::value& element = (*array)[i];
      if (!element.is_string()) {
        wrong_type(element_path(path, i), "a string", element);
        continue;
      }
      strings.push_back(to_std_string(element.get_string()));
    }
    return strings;
  }

  // Microsoft sends TLSA policy-string as ["[\"3 1 1 AB..\",\"3 1 1 CD..\"]"]: one string that is
  // itself a JSON array of strings. Unwrapped until no such layer is left, so serializing and
  // re-parsing the result changes nothing.
  void unwrap_double_encoding(const std::string& path, std::vector<std::string>& strings)
  {
    bool unwrapped = false;
    while (strings.size() == 1 && strings.front().starts_with('[')) {
      boost::system::error_code ec;
      const json::value inner = json::parse(to_json_view(strings.front()), ec, {}, m_options);
      const json::array* array = ec ? nullptr : inner.if_array();
      if (array == nullptr ||
          !std::ranges::all_of(*array, [](const json::value& v) { return v.is_string(); })) {
        break;
      }
      std::vector<std::string> elements;
      elements.reserve(array->size());
      for (const json::value& element : *array) {
        elements.push_back(to_std_string(element.get_string()));
      }
      strings = std::move(elements);
      unwrapped = true;
    }
    if (unwrapped) {
      flag(k_policy_string_double_encoded, path,
           fmt::format("{} holds a JSON-encoded array inside a string; unwrapped to {} "
                       "element(s)",
                       path, strings.size()));
    }
  }

  void read_mx_host(const json::object& policy, const std::string& parent, PolicyResult& result)
  {
    const std::string path = member_path(parent, k_mx_host);
    const json::value* value = member(policy, k_mx_host);
    if (value != nullptr && value->is_string()) {
      flag(k_mx_host_string, path,
           fmt::format("{} is a single string; RFC 8460 erratum 6241 makes it an array", path));
      result.mx_host.push_back(to_std_string(value->get_string()));
    } else {
      result.mx_host = read_string_array(policy, k_mx_host, parent);
    }
    for (std::size_t i = 0; i < result.mx_host.size(); ++i) {
      std::string& host = result.mx_host[i];
      std::string_view stripped = host;
      while (util::starts_with_ascii_nocase(stripped, "mx:")) {
        stripped = util::trim_wsp_left(stripped.substr(3));
      }
      if (stripped.size() != host.size()) {
        const std::string entry_path =
            value != nullptr && value->is_string() ? path : element_path(path, i);
        flag(k_mx_host_prefix, entry_path,
             fmt::format("{} \"{}\" carries the policy-file prefix \"mx:\"; read as \"{}\"",
                         entry_path, util::printable(host, 60), util::printable(stripped, 60)));
        host = std::string(stripped);
      }
    }
  }

  void read_summary(const json::object& entry, const std::string& parent, PolicyResult& result)
  {
    const std::string path = member_path(parent, k_summary);
    const json::value* value = member(entry, k_summary);
    if (value == nullptr) {
      flag(k_summary_missing, path,
           fmt::format("{} is missing; both session counts are taken as 0", path));
      return;
    }
    const json::object* summary = value->if_object();
    if (summary == nullptr) {
      wrong_type(path, "an object with the two session counts", *value);
      return;
    }
    result.total_successful_session_count = read_summary_count(*summary, k_total_successful, path);
    result.total_failure_session_count = read_summary_count(*summary, k_total_failure, path);
  }

  std::uint64_t read_summary_count(const json::object& summary, std::string_view key,
                                   const std::string& parent)
  {
    const std::string path = member_path(parent, key);
    const json::value* value = member(summary, key);
    if (value == nullptr) {
      flag(k_summary_count_missing, path, fmt::format("{} is missing; taken as 0", path));
      return 0;
    }
    return read_count(*value, path).value_or(0);
  }

  void read_failure_details(const json::object& entry, const std::string& parent,
                            PolicyResult& result)
  {
    const std::string path = member_path(parent, k_failure_details);
    const json::value* value = member(entry, k_failure_details);
    if (value == nullptr) {
      return;
    }
    if (value->is_null()) {
      flag(k_field_null, path, fmt::format("{} is null; read as absent", path));
      return;
    }
    const json::array* details = value->if_array();
    if (details == nullptr) {
      wrong_type(path, "an array of objects", *value);
      return;
    }
    result.failure_details.reserve(details->size());
    for (std::size_t i = 0; i < details->size(); ++i) {
      const std::string detail_path = element_path(path, i);
      const json::object* detail = (*details)[i].if_object();
      if (detail == nullptr) {
        wrong_type(detail_path, "an object", (*details)[i]);
        continue;
      }
      FailureDetail failure = read_failure_detail(*detail, detail_path);
      if (!m_has_errors) {
        result.failure_details.push_back(std::move(failure));
      }
    }
  }

  FailureDetail read_failure_detail(const json::object& object, const std::string& path)
  {
    FailureDetail detail;
    if (auto type = read_required_string(object, k_result_type, path)) {
      detail.result_type = std::move(*type);
      if (find_result_type(detail.result_type) == nullptr) {
        flag(k_unknown_result_type, member_path(path, k_result_type),
             fmt::format("{}.result-type \"{}\" is not a registered result type; kept as is", path,
                         util::printable(detail.result_type, 40)));
      }
    }
    const std::string count_path = member_path(path, k_failed_session_count);
    if (const json::value* count = member(object, k_failed_session_count)) {
      detail.failed_session_count = read_count(*count, count_path).value_or(0);
    } else {
      missing(count_path, "a non-negative integer");
    }
    detail.sending_mta_ip = read_optional_string(object, k_sending_mta_ip, path);
    detail.receiving_mx_hostname = read_optional_string(object, k_receiving_mx_hostname, path);
    detail.receiving_mx_helo = read_optional_string(object, k_receiving_mx_helo, path);
    detail.receiving_ip = read_optional_string(object, k_receiving_ip, path);
    detail.additional_information = read_optional_string(object, k_additional_information, path);
    detail.failure_reason_code = read_optional_string(object, k_failure_reason_code, path);
    return detail;
  }

  json::parse_options m_options;
  Profile m_profile;
  Diagnostics m_diagnostics;
  bool m_has_errors = false;
  std::size_t m_errors_recorded = 0;
  std::size_t m_warnings_recorded = 0;
  std::size_t m_dropped = 0;
};

Diagnostic whole_report_error(const CodeInfo& code, std::string message)
{
  Diagnostic diagnostic;
  diagnostic.code = code.code;
  diagnostic.severity = code.severity;
  diagnostic.message = std::move(message);
  return diagnostic;
}

Diagnostic gzip_diagnostic(const util::GzipError& error, const ReportLimits& limits)
{
  switch (error.kind) {
  case util::GzipError::Kind::too_large:
    return whole_report_error(
        k_decompressed_too_large,
        fmt::format("the report decompresses to more than {} bytes", limits.max_decompressed));
  case util::GzipError::Kind::truncated:
    return whole_report_error(k_gzip_truncated,
                              fmt::format("the gzip data is truncated: {}", error.message));
  case util::GzipError::Kind::trailing_garbage:
    return whole_report_error(
        k_gzip_trailing_data,
        fmt::format("unexpected data after the gzip stream: {}", error.message));
  case util::GzipError::Kind::not_gzip:
  case util::GzipError::Kind::corrupt:
  case util::GzipError::Kind::internal:
    break;
  }
  return whole_report_error(k_gzip_corrupt,
                            fmt::format("the gzip data is corrupt: {}", error.message));
}

void add_json_error(Diagnostics& diagnostics, std::string_view text, std::size_t offset,
                    const boost::system::error_code& ec, std::size_t max_depth)
{
  Diagnostic diagnostic;
  diagnostic.severity = Severity::error;
  diagnostic.where = position_of(text, offset);
  const auto at = fmt::format("line {}, column {}", diagnostic.where.line, diagnostic.where.column);
  if (!util::is_valid_utf8(text.substr(0, std::min(text.size(), offset + 4)))) {
    diagnostic.code = k_json_invalid_utf8;
    diagnostic.message = fmt::format("the report is not valid UTF-8 (at {})", at);
  } else if (ec == json::error::too_deep) {
    diagnostic.code = k_json_too_deep.code;
    diagnostic.message =
        fmt::format("arrays and objects nest deeper than the limit of {} at {}", max_depth, at);
  } else if (ec == json::error::extra_data) {
    diagnostic.code = k_json_syntax.code;
    diagnostic.message = fmt::format("unexpected text after the end of the JSON value at {}", at);
  } else if (offset >= text.size()) {
    diagnostic.code = k_json_syntax.code;
    diagnostic.message = fmt::format("the JSON text ends unexpectedly at {}", at);
  } else {
    diagnostic.code = k_json_syntax.code;
    diagnostic.message = fmt::format("JSON syntax error at {}: unexpected '{}' ({})", at,
                                     util::printable(text.substr(offset, 1)), ec.message());
  }
  diagnostics.push_back(std::move(diagnostic));
}

json::value policy_to_json(const PolicyResult& result)
{
  json::object policy;
  policy.emplace(to_json_view(k_policy_type), to_json_view(result.policy_type));
  if (!result.policy_string.empty()) {
    json::array strings;
    for (const std::string& line : result.policy_string) {
      strings.emplace_back(to_json_view(line));
    }
    policy.emplace(to_json_view(k_policy_string), std::move(strings));
  }
  if (result.policy_domain) {
    policy.emplace(to_json_view(k_policy_domain), to_json_view(*result.policy_domain));
  }
  if (!result.mx_host.empty()) {
    json::array hosts;
    for (const std::string& host : result.mx_host) {
      hosts.emplace_back(to_json_view(host));
    }
    policy.emplace(to_json_view(k_mx_host), std::move(hosts));
  }

  json::object summary;
  summary.emplace(to_json_view(k_total_successful), result.total_successful_session_count);
  summary.emplace(to_json_view(k_total_failure), result.total_failure_session_count);

  json::object entry;
  entry.emplace(to_json_view(k_policy), std::move(policy));
  entry.emplace(to_json_view(k_summary), std::move(summary));
  if (!result.failure_details.empty()) {
    json::array details;
    for (const FailureDetail& detail : result.failure_details) {
      json::object object;
      object.emplace(to_json_view(k_result_type), to_json_view(detail.result_type));
      const auto optional = [&object](std::string_view key, const std::optional<std::string>& v) {
        if (v) {
          object.emplace(to_json_view(key), to_json_view(*v));
        }
      };
      optional(k_sending_mta_ip, detail.sending_mta_ip);
      optional(k_receiving_mx_hostname, detail.receiving_mx_hostname);
      optional(k_receiving_mx_helo, detail.receiving_mx_helo);
      optional(k_receiving_ip, detail.receiving_ip);
      object.emplace(to_json_view(k_failed_session_count), detail.failed_session_count);
      optional(k_additional_information, detail.additional_information);
      optional(k_failure_reason_code, detail.failure_reason_code);
      details.emplace_back(std::move(object));
    }
    entry.emplace(to_json_view(k_failure_details), std::move(details));
  }
  return entry;
}

} // namespace

Checked<Report> parse_report(std::string_view bytes, const ReportLimits& limits)
{
  return parse_report(bytes, Profile::compatible, limits);
}

Checked<Report> parse_report(std::string_view bytes, Profile profile, const ReportLimits& limits)
{
  Checked<Report> checked;
  if (bytes.size() > limits.max_input) {
    checked.diagnostics.push_back(whole_report_error(
        k_report_too_large, fmt::format("the report is {} bytes, more than the limit of {} bytes",
                                        bytes.size(), limits.max_input)));
    return checked;
  }

  std::string decompressed;
  std::string_view text = bytes;
  if (util::is_gzip(bytes)) {
    auto inflated = util::gunzip(bytes, limits.max_decompressed);
    if (!inflated) {
      checked.diagnostics.push_back(gzip_diagnostic(inflated.error(), limits));
      return checked;
    }
    decompressed = std::move(inflated).value();
    text = decompressed;
  }

  std::size_t bom = 0;
  if (text.starts_with(k_utf8_bom)) {
    bom = k_utf8_bom.size();
    Diagnostic diagnostic;
    diagnostic.code = k_json_bom.code;
    diagnostic.severity = severity_in(k_json_bom, profile);
    diagnostic.where.line = 1;
    diagnostic.where.column = 1;
    diagnostic.message = "the JSON text starts with a UTF-8 byte-order mark (RFC 7493 §2.1 forbids "
                         "it); skipped";
    checked.diagnostics.push_back(std::move(diagnostic));
  }
  const std::string_view body = text.substr(bom);

  json::parse_options options;
  options.max_depth = limits.max_depth;
  // The DOM lives only while the report is read into the model: one arena for all of it.
  json::monotonic_resource arena;
  json::stream_parser parser(json::storage_ptr(), options);
  parser.reset(json::storage_ptr(&arena));
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) {
    parser.finish(ec);
  }
  if (ec) {
    add_json_error(checked.diagnostics, text, bom + consumed, ec, limits.max_depth);
    return checked;
  }
  const json::value root = parser.release();
  const json::object* object = root.if_object();
  if (object == nullptr) {
    checked.diagnostics.push_back(whole_report_error(
        k_report_not_object,
        fmt::format("the report must be a JSON object, found {}", describe(root))));
    return checked;
  }

  for (std::string& path : find_duplicate_keys(body, options)) {
    Diagnostic diagnostic;
    diagnostic.code = k_duplicate_key.code;
    diagnostic.severity = severity_in(k_duplicate_key, profile);
    diagnostic.message = fmt::format("{} appears more than once in its object (RFC 7493 §2.3 "
                                     "forbids duplicate names); the last value is used",
                                     path);
    diagnostic.where.field = std::move(path);
    checked.diagnostics.push_back(std::move(diagnostic));
  }

  ReportReader reader(options, profile);
  Report report = reader.read(*object);
  for (Diagnostic& diagnostic : reader.diagnostics()) {
    checked.diagnostics.push_back(std::move(diagnostic));
  }
  if (reader.dropped() > 0) {
    Diagnostic diagnostic;
    diagnostic.code = k_diagnostics_truncated.code;
    diagnostic.severity = severity_in(k_diagnostics_truncated, profile);
    diagnostic.message = fmt::format("{} further diagnostics were left out after the first {} "
                                     "errors and {} warnings",
                                     reader.dropped(), k_max_diagnostics_per_severity,
                                     k_max_diagnostics_per_severity);
    checked.diagnostics.push_back(std::move(diagnostic));
  }
  if (!has_errors(checked.diagnostics)) {
    checked.value = std::move(report);
  }
  return checked;
}

json::value report_to_json(const Report& report)
{
  json::object range;
  range.emplace(to_json_view(k_start_datetime), util::format_rfc3339_utc(report.start_epoch));
  range.emplace(to_json_view(k_end_datetime), util::format_rfc3339_utc(report.end_epoch));

  json::array policies;
  for (const PolicyResult& result : report.policies) {
    policies.push_back(policy_to_json(result));
  }

  json::object root;
  root.emplace(to_json_view(k_organization_name), to_json_view(report.organization_name));
  root.emplace(to_json_view(k_date_range), std::move(range));
  if (report.contact_info) {
    root.emplace(to_json_view(k_contact_info), to_json_view(*report.contact_info));
  }
  root.emplace(to_json_view(k_report_id), to_json_view(report.report_id));
  root.emplace(to_json_view(k_policies), std::move(policies));
  return root;
}

std::string serialize_report(const Report& report)
{
  return json::serialize(report_to_json(report));
}

std::uint64_t total_sessions(const PolicyResult& policy)
{
  return saturating_add(policy.total_successful_session_count, policy.total_failure_session_count);
}

std::int64_t exclusive_end_epoch(const Report& report)
{
  const std::int64_t end = report.end_epoch;
  const bool inclusive = ((end % 60) + 60) % 60 == 59;
  return inclusive && end < std::numeric_limits<std::int64_t>::max() ? end + 1 : end;
}

} // namespace mtasts::core
