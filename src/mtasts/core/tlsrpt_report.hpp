// TLSRPT aggregate reports (RFC 8460 §4): the model, a lenient parser for what real senders emit,
// and a canonical serializer. Pure: no I/O, no clock, no globals; nothing here throws.
//
// Diagnostic codes of parse_report (stable; `where.field` is a JSON path such as
// `policies[0].failure-details[2].failed-session-count`, empty for whole-document problems;
// `where.line`/`where.column` are set for JSON syntax errors only):
//
//   error    report-too-large             input larger than ReportLimits::max_input
//   error    decompressed-too-large       gzip output larger than ReportLimits::max_decompressed
//   error    gzip-corrupt                 bad gzip header, invalid deflate data or CRC mismatch
//   error    gzip-truncated               the gzip data ends inside a member
//   error    gzip-trailing-data           bytes after the last gzip member
//   error    json-invalid-utf8            the JSON text is not valid UTF-8 (RFC 7493 §2.1)
//   error    json-syntax                  not JSON (line/column where parsing stopped)
//   error    json-too-deep                nesting deeper than ReportLimits::max_depth
//   error    report-not-object            the top-level value is not an object
//   error    field-missing                a required member is absent: policies, date-range,
//                                         start-datetime, end-datetime, policy, policy-type,
//                                         result-type, failed-session-count
//   error    field-type                   a member has the wrong JSON type
//   error    count-invalid                a session count that is negative, fractional, too
//                                         large, or a string that is not a decimal integer
//   error    datetime-invalid             a datetime that is not RFC 3339 (message says why)
//   error    date-range-reversed          end-datetime before start-datetime
//   warning  json-bom                     a UTF-8 byte-order mark before the JSON; skipped
//   warning  duplicate-key                an object repeats a member name (RFC 7493 §2.3); the
//                                         last value is used
//   warning  organization-name-missing    absent or null; the model holds ""
//   warning  report-id-missing            absent or null; the model holds ""
//   warning  contact-info-missing         absent
//   warning  contact-info-null            `null` (seen from small senders)
//   warning  field-null                   an optional string or array member is `null`; treated
//                                         as absent
//   warning  policies-empty               `policies` is an empty array
//   warning  unknown-policy-type          not sts / tlsa / no-policy-found; the string is kept
//   warning  unknown-result-type          not in the RFC 8460 §4.3 registry; the string is kept
//   warning  policy-domain-missing        a policy without policy-domain (Postfix sends this for
//                                         no-policy-found)
//   warning  policy-string-double-encoded a single policy-string element holding a JSON array of
//                                         strings (Microsoft TLSA); unwrapped
//   warning  mx-host-string               mx-host as a string (RFC 8460 before erratum 6241);
//                                         read as a one-element array
//   warning  mx-host-prefix               an mx-host entry starting with "mx:"; prefix removed
//   warning  summary-missing              no summary object; both counts are 0
//   warning  summary-count-missing        a summary count is absent; it is 0
//   warning  count-as-string              a count sent as a decimal string
//   warning  count-as-float               a count sent as an integral floating-point number
//   warning  failure-count-exceeds-total  the failed-session-counts of a policy add up to more
//                                         than its total-failure-session-count (Mail.ru)
//   warning  datetime-no-timezone         no time offset; UTC assumed (Microsoft)
//   warning  datetime-space-separator     a space instead of `T`
//   warning  datetime-lowercase           `t` or `z` in lower case
//   warning  datetime-not-utc             a non-zero time offset; converted to UTC (reports
//                                         cover UTC days, RFC 8460 §4.1)
//   warning  date-range-long              the range covers more than one day (RFC 8460 §4.1
//                                         recommends one UTC day)
//   warning  diagnostics-truncated        more than 100 errors or 100 warnings; the rest are
//                                         counted in this diagnostic's message only
#pragma once

#include <mtasts/core/diagnostic.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

// One `failure-details[]` entry (RFC 8460 §4.4): a group of failed sessions sharing a result
// type and connection details. The optional members are routinely absent, e.g. for policy fetch
// errors where no SMTP connection was made.
struct FailureDetail
{
  std::string result_type; // kept verbatim even when unknown
  std::uint64_t failed_session_count = 0;
  std::optional<std::string> sending_mta_ip;
  std::optional<std::string> receiving_mx_hostname;
  std::optional<std::string> receiving_mx_helo;
  std::optional<std::string> receiving_ip;
  std::optional<std::string> additional_information; // a URI by the RFC; not checked
  std::optional<std::string> failure_reason_code;    // free text, e.g. an OpenSSL error name

  bool operator==(const FailureDetail&) const = default;
};

// One `policies[]` entry: the policy the sender applied and what happened under it.
struct PolicyResult
{
  std::string policy_type;                // "sts", "tlsa", "no-policy-found", or unknown
  std::vector<std::string> policy_string; // STS policy lines or TLSA RRs; empty when absent
  std::optional<std::string> policy_domain;
  std::vector<std::string> mx_host; // the policy's mx patterns; empty when absent
  std::uint64_t total_successful_session_count = 0;
  std::uint64_t total_failure_session_count = 0;
  std::vector<FailureDetail> failure_details;

  bool operator==(const PolicyResult&) const = default;
};

struct Report
{
  std::string organization_name; // "" when the sender left it out
  std::int64_t start_epoch = 0;  // seconds since the Unix epoch, UTC
  std::int64_t end_epoch = 0;    // as sent: inclusive (…T23:59:59Z) or exclusive (next 00:00)
  std::optional<std::string> contact_info;
  std::string report_id; // "" when the sender left it out
  std::vector<PolicyResult> policies;

  bool operator==(const Report&) const = default;
};

// Caps applied before and during parsing; inputs beyond them are rejected, never truncated.
struct ReportLimits
{
  std::size_t max_input = std::size_t{10} * 1024 * 1024;        // raw bytes, compressed or not
  std::size_t max_decompressed = std::size_t{20} * 1024 * 1024; // JSON bytes after gunzip
  std::size_t max_depth = 32;                                   // JSON array/object nesting
};

// Parses one report. `bytes` is gzip (recognised by its magic bytes, never by a file name) or
// plain JSON; either must carry a single I-JSON (RFC 7493) object in UTF-8 following RFC 8460
// §4.5. Unknown members are ignored. The value is set iff no diagnostic is an error; the codes
// and their severities are listed at the top of this file. Syntax errors carry a 1-based line
// and a 1-based byte column within the (decompressed) JSON text; schema diagnostics carry the
// JSON path of the member concerned in `where.field`. Schema problems do not stop the walk, so
// one call reports all of them (up to 100 errors and 100 warnings).
Checked<Report> parse_report(std::string_view bytes, const ReportLimits& limits = {});

// The canonical RFC 8460 §4.4 JSON form: hyphenated member names, datetimes as
// `YYYY-MM-DDTHH:MM:SSZ`, mx-host always an array, optional members (contact-info,
// policy-string, policy-domain, mx-host, failure-details and the optional failure-detail fields)
// omitted when absent or empty. parse_report(serialize_report(r)).value == r for every report
// parse_report produced.
boost::json::value report_to_json(const Report& report);
std::string serialize_report(const Report& report);

// Successful plus failed sessions of one policy, saturating at the largest uint64.
std::uint64_t total_sessions(const PolicyResult& policy);

// The end of the report's range as an exclusive bound. Senders disagree (RFC 8460 §4.1): Google
// ends a day with …T23:59:59Z (inclusive), Mail.ru with the next day's …T00:00:00Z (exclusive).
// An end on second 59 of a minute is read as inclusive and moved one second later.
std::int64_t exclusive_end_epoch(const Report& report);

} // namespace mtasts::core
