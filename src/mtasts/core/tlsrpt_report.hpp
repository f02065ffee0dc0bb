// TLSRPT aggregate reports (RFC 8460 §4): the model, a lenient parser for what real senders emit,
// and a canonical serializer. Pure: no I/O, no clock, no globals; nothing here throws.
//
// Diagnostic codes of parse_report: the registry's `report` family (core/code_table.hpp,
// docs/CODES.md), each with its severity in the strict and the compatible profile. `where.field`
// is a JSON path such as `policies[0].failure-details[2].failed-session-count`, empty for
// whole-document problems; `where.line`/`where.column` are set for JSON syntax errors only.
//
// Profiles: `strict` (what `mtasts report validate` checks by default) holds a report to
// RFC 8460 §4.4: every member the RFC lists is required (organization-name, contact-info,
// report-id, policy-domain, summary and both of its counts), policy-type is one of sts, tlsa and
// no-policy-found, counts are JSON integers, datetimes carry their offset and a `T`.
// `compatible` (report show, intake) accepts what real senders send and keeps the report, with
// warnings for each deviation.
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
// §4.5. Unknown members are ignored. The value is set iff no diagnostic is an error (the
// severity of each code depends on the profile, see above). Syntax errors carry a 1-based line
// and a 1-based byte column within the (decompressed) JSON text; schema diagnostics carry the
// JSON path of the member concerned in `where.field`. Schema problems do not stop the walk, so
// one call reports all of them (up to 100 errors and 100 warnings).
Checked<Report> parse_report(std::string_view bytes, const ReportLimits& limits = {});
// The same with an explicit profile (the one above is `compatible`).
Checked<Report> parse_report(std::string_view bytes, Profile profile,
                             const ReportLimits& limits = {});

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
