#include <mtasts/core/tlsrpt_report.hpp>
#include <mtasts/util/gzip.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mtasts::core::Diagnostic;
using mtasts::core::Diagnostics;
using mtasts::core::FailureDetail;
using mtasts::core::parse_report;
using mtasts::core::PolicyResult;
using mtasts::core::Report;
using mtasts::core::ReportLimits;
using mtasts::core::serialize_report;
using mtasts::core::Severity;

const std::string k_reports_dir = std::string(MTASTS_TEST_DATA_DIR) + "/reports";

std::string read_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_report(std::string_view relative)
{
  return read_file(k_reports_dir + "/" + std::string(relative));
}

// The codes of one severity, sorted, duplicates kept.
std::vector<std::string_view> codes(const Diagnostics& diagnostics, Severity severity)
{
  std::vector<std::string_view> result;
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.severity == severity) {
      result.push_back(diagnostic.code);
    }
  }
  std::ranges::sort(result);
  return result;
}

std::string dump(const Diagnostics& diagnostics)
{
  std::string text;
  for (const Diagnostic& d : diagnostics) {
    text += std::string(mtasts::core::severity_name(d.severity)) + " " + std::string(d.code) +
            " [" + d.where.field + "] " + std::to_string(d.where.line) + ":" +
            std::to_string(d.where.column) + " " + d.message + "\n";
  }
  return text;
}

const Diagnostic* first_error(const Diagnostics& diagnostics)
{
  const auto found = std::ranges::find(diagnostics, Severity::error, &Diagnostic::severity);
  return found == diagnostics.end() ? nullptr : &*found;
}

std::set<std::string> files_in(const std::string& directory)
{
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.is_regular_file()) {
      names.insert(entry.path().filename().string());
    }
  }
  return names;
}

// parse(serialize(report)) gives the same report, and serializing again gives the same text.
void expect_round_trip(const Report& report)
{
  const std::string json = serialize_report(report);
  const auto reparsed = parse_report(json);
  ASSERT_TRUE(reparsed.ok()) << json << "\n" << dump(reparsed.diagnostics);
  EXPECT_EQ(*reparsed.value, report) << json;
  EXPECT_EQ(serialize_report(*reparsed.value), json);
}

Report minimal_report()
{
  Report report;
  report.organization_name = "Example Sender";
  report.start_epoch = 1714521600; // 2024-05-01T00:00:00Z
  report.end_epoch = 1714607999;   // 2024-05-01T23:59:59Z
  report.contact_info = "tlsrpt@sender.example";
  report.report_id = "2024-05-01T00:00:00Z_example.com";
  PolicyResult policy;
  policy.policy_type = "sts";
  policy.policy_string = {"version: STSv1", "mode: enforce", "mx: mail.example.com",
                          "max_age: 604800"};
  policy.policy_domain = "example.com";
  policy.mx_host = {"mail.example.com"};
  policy.total_successful_session_count = 10;
  policy.total_failure_session_count = 1;
  FailureDetail detail;
  detail.result_type = "certificate-expired";
  detail.failed_session_count = 1;
  detail.sending_mta_ip = "192.0.2.1";
  detail.receiving_mx_hostname = "mail.example.com";
  policy.failure_details.push_back(detail);
  report.policies.push_back(policy);
  return report;
}

// --- Errors: hand-written invalid reports (tests/data/reports/invalid) ---

struct InvalidCase
{
  std::string_view file;
  std::string_view code;
  std::string_view field; // "" for whole-document errors
  std::uint32_t line;     // 0 unless the error is a JSON syntax error
  std::uint32_t column;
};

const std::vector<InvalidCase> k_invalid_cases = {
    {"empty.json", "json-syntax", "", 1, 1},
    {"not-json.json", "json-syntax", "", 1, 1},
    {"syntax-error.json", "json-syntax", "", 12, 9}, // missing comma after "policy-type": "sts"
    {"invalid-utf8.json", "json-invalid-utf8", "", 2, 33},
    {"deeply-nested.json", "json-too-deep", "", 1, 45}, // the 33rd nesting level
    {"invalid-json.json.gz", "json-syntax", "", 3, 3},  // position inside the decompressed text
    {"truncated.json.gz", "gzip-truncated", "", 0, 0},
    {"crc-mismatch.json.gz", "gzip-corrupt", "", 0, 0},
    {"trailing-garbage.json.gz", "gzip-trailing-data", "", 0, 0},
    {"top-level-array.json", "report-not-object", "", 0, 0},
    {"policies-missing.json", "field-missing", "policies", 0, 0},
    {"policies-object.json", "field-type", "policies", 0, 0},
    {"policy-entry-not-object.json", "field-type", "policies[0]", 0, 0},
    {"policy-missing.json", "field-missing", "policies[0].policy", 0, 0},
    {"policy-type-missing.json", "field-missing", "policies[0].policy.policy-type", 0, 0},
    {"summary-string.json", "field-type", "policies[0].summary", 0, 0},
    {"negative-count.json", "count-invalid", "policies[0].summary.total-failure-session-count", 0,
     0},
    {"float-count.json", "count-invalid", "policies[0].failure-details[0].failed-session-count", 0,
     0},
    {"count-bool.json", "field-type", "policies[0].summary.total-successful-session-count", 0, 0},
    {"count-not-decimal.json", "count-invalid",
     "policies[0].summary.total-successful-session-count", 0, 0},
    {"result-type-missing.json", "field-missing", "policies[0].failure-details[1].result-type", 0,
     0},
    {"failed-session-count-missing.json", "field-missing",
     "policies[0].failure-details[0].failed-session-count", 0, 0},
    {"date-range-missing.json", "field-missing", "date-range", 0, 0},
    {"bad-datetime.json", "datetime-invalid", "date-range.start-datetime", 0, 0},
    {"end-before-start.json", "date-range-reversed", "date-range.end-datetime", 0, 0},
};

TEST(CoreTlsrptReport, InvalidReportsAreRejectedWithCodeAndPosition)
{
  for (const InvalidCase& test : k_invalid_cases) {
    SCOPED_TRACE(std::string(test.file));
    const auto checked = parse_report(read_report("invalid/" + std::string(test.file)));
    EXPECT_FALSE(checked.ok());
    EXPECT_FALSE(checked.value.has_value());
    const Diagnostic* error = first_error(checked.diagnostics);
    ASSERT_NE(error, nullptr) << dump(checked.diagnostics);
    EXPECT_EQ(error->code, test.code) << dump(checked.diagnostics);
    EXPECT_EQ(error->where.field, test.field);
    EXPECT_EQ(error->where.line, test.line);
    EXPECT_EQ(error->where.column, test.column);
    EXPECT_FALSE(error->message.empty());
    EXPECT_EQ(codes(checked.diagnostics, Severity::error).size(), 1u) << dump(checked.diagnostics);
  }
}

TEST(CoreTlsrptReport, EveryInvalidFileHasAnExpectation)
{
  std::set<std::string> listed;
  for (const InvalidCase& test : k_invalid_cases) {
    listed.insert(std::string(test.file));
  }
  EXPECT_EQ(files_in(k_reports_dir + "/invalid"), listed);
}

TEST(CoreTlsrptReport, SchemaMessagesNameTheFieldAndWhatWasFound)
{
  const auto negative = parse_report(read_report("invalid/negative-count.json"));
  ASSERT_NE(first_error(negative.diagnostics), nullptr);
  EXPECT_EQ(first_error(negative.diagnostics)->message,
            "policies[0].summary.total-failure-session-count must be a non-negative integer, "
            "found the number -3");

  const auto policies = parse_report(read_report("invalid/policies-object.json"));
  ASSERT_NE(first_error(policies.diagnostics), nullptr);
  EXPECT_EQ(first_error(policies.diagnostics)->message,
            "policies must be an array of policy results, found an object");

  const auto datetime = parse_report(read_report("invalid/bad-datetime.json"));
  ASSERT_NE(first_error(datetime.diagnostics), nullptr);
  EXPECT_EQ(first_error(datetime.diagnostics)->message,
            "date-range.start-datetime \"2024-02-30T00:00:00Z\" is not an RFC 3339 date-time: day "
            "30 does not exist in February 2024 (it has 29 days)");

  const auto syntax = parse_report(read_report("invalid/syntax-error.json"));
  ASSERT_NE(first_error(syntax.diagnostics), nullptr);
  EXPECT_EQ(first_error(syntax.diagnostics)->message,
            "JSON syntax error at line 12, column 9: unexpected '\"' (syntax error)");
}

TEST(CoreTlsrptReport, TextAfterTheJsonValueIsASyntaxError)
{
  const auto checked = parse_report("{\"policies\":[]}\n}");
  ASSERT_NE(first_error(checked.diagnostics), nullptr);
  EXPECT_EQ(first_error(checked.diagnostics)->code, "json-syntax");
  EXPECT_EQ(first_error(checked.diagnostics)->where.line, 2u);
  EXPECT_EQ(first_error(checked.diagnostics)->where.column, 1u);
}

TEST(CoreTlsrptReport, InputOverTheLimitIsRejectedBeforeParsing)
{
  ReportLimits limits;
  limits.max_input = 100;
  const auto checked = parse_report(read_report("corpus/parsedmarc__smtp_tls.json"), limits);
  ASSERT_NE(first_error(checked.diagnostics), nullptr);
  EXPECT_EQ(first_error(checked.diagnostics)->code, "report-too-large");
  EXPECT_EQ(first_error(checked.diagnostics)->message,
            "the report is 1329 bytes, more than the limit of 100 bytes");
}

TEST(CoreTlsrptReport, DecompressedOverTheLimitIsRejected)
{
  ReportLimits limits;
  limits.max_decompressed = 401; // the attachment inflates to 402 bytes
  const auto checked = parse_report(
      read_report("corpus/attachment__parsedmarc__google.com_smtp_tls_report.json.gz"), limits);
  ASSERT_NE(first_error(checked.diagnostics), nullptr);
  EXPECT_EQ(first_error(checked.diagnostics)->code, "decompressed-too-large");

  limits.max_decompressed = 402;
  EXPECT_TRUE(
      parse_report(read_report("corpus/attachment__parsedmarc__google.com_smtp_tls_report.json.gz"),
                   limits)
          .ok());
}

TEST(CoreTlsrptReport, GzipBombIsRejectedAtTheDecompressionLimit)
{
  // 64 MiB of spaces is valid JSON whitespace but far over the 20 MiB default.
  const std::string bomb =
      mtasts::util::gzip_compress(std::string(std::size_t{64} * 1024 * 1024, ' '));
  const auto checked = parse_report(bomb);
  ASSERT_NE(first_error(checked.diagnostics), nullptr);
  EXPECT_EQ(first_error(checked.diagnostics)->code, "decompressed-too-large");
}

TEST(CoreTlsrptReport, NestingLimitIsConfigurable)
{
  // root object > policies array > entry object > policy object > policy-string array: depth 5.
  const std::string text = read_report("corpus/cry-inc-dmarc-report-viewer__rfc-example.json");
  ReportLimits limits;
  limits.max_depth = 4;
  const auto shallow = parse_report(text, limits);
  ASSERT_NE(first_error(shallow.diagnostics), nullptr);
  EXPECT_EQ(first_error(shallow.diagnostics)->code, "json-too-deep");
  EXPECT_EQ(first_error(shallow.diagnostics)->where.line, 13u); // the policy-string '['
  EXPECT_EQ(first_error(shallow.diagnostics)->where.column, 34u);

  limits.max_depth = 5;
  EXPECT_TRUE(parse_report(text, limits).ok());
}

TEST(CoreTlsrptReport, AllSchemaErrorsAreReported)
{
  const auto checked = parse_report(R"({
    "organization-name": 42,
    "date-range": {"start-datetime": "2024-05-01T00:00:00Z"},
    "report-id": "x",
    "policies": [
      {"policy": {"policy-type": "sts", "mx-host": [1]}, "summary": {}},
      {"policy": {"policy-type": "tlsa", "policy-domain": ["a"]},
       "failure-details": [{"result-type": "tlsa-invalid", "failed-session-count": {}}]}
    ]})");
  EXPECT_FALSE(checked.ok());
  std::vector<std::pair<std::string_view, std::string>> errors;
  for (const Diagnostic& d : checked.diagnostics) {
    if (d.severity == Severity::error) {
      errors.emplace_back(d.code, d.where.field);
    }
  }
  const std::vector<std::pair<std::string_view, std::string>> expected = {
      {"field-type", "organization-name"},
      {"field-missing", "date-range.end-datetime"},
      {"field-type", "policies[0].policy.mx-host[0]"},
      {"field-type", "policies[1].policy.policy-domain"},
      {"field-type", "policies[1].failure-details[0].failed-session-count"},
  };
  EXPECT_EQ(errors, expected) << dump(checked.diagnostics);
}

TEST(CoreTlsrptReport, CountRange)
{
  const auto report_with = [](std::string_view count) {
    return std::string(R"({"organization-name":"o","date-range":{"start-datetime":)"
                       R"("2024-05-01T00:00:00Z","end-datetime":"2024-05-01T23:59:59Z"},)"
                       R"("contact-info":"c","report-id":"r","policies":[{"policy":)"
                       R"({"policy-type":"sts","policy-domain":"example.com"},"summary":)"
                       R"({"total-successful-session-count":)") +
           std::string(count) + R"(,"total-failure-session-count":0}}]})";
  };
  const auto largest = parse_report(report_with("18446744073709551615"));
  ASSERT_TRUE(largest.ok()) << dump(largest.diagnostics);
  EXPECT_EQ(largest.value->policies[0].total_successful_session_count,
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(largest.diagnostics.empty()) << dump(largest.diagnostics);

  for (const std::string_view bad : {"18446744073709551616", "\"18446744073709551616\"", "1e300",
                                     "-0.5", "\"-1\"", "\"\"", "\"0x10\"", "null", "[1]"}) {
    SCOPED_TRACE(std::string(bad));
    const auto checked = parse_report(report_with(bad));
    ASSERT_NE(first_error(checked.diagnostics), nullptr);
    EXPECT_EQ(first_error(checked.diagnostics)->where.field,
              "policies[0].summary.total-successful-session-count");
  }
}

TEST(CoreTlsrptReport, DiagnosticFloodsAreCapped)
{
  std::string errors = R"({"date-range":{"start-datetime":"2024-05-01T00:00:00Z",)"
                       R"("end-datetime":"2024-05-02T00:00:00Z"},"policies":[)";
  std::string warnings = errors;
  for (int i = 0; i < 300; ++i) {
    errors += std::string(i == 0 ? "" : ",") + R"({"policy":{}})";
    warnings += std::string(i == 0 ? "" : ",") + R"({"policy":{"policy-type":"x"}})";
  }
  errors += "]}";
  warnings += "]}";

  const auto rejected = parse_report(errors);
  EXPECT_FALSE(rejected.ok());
  EXPECT_EQ(mtasts::core::count(rejected.diagnostics, Severity::error), 100u);
  EXPECT_EQ(rejected.diagnostics.back().code, "diagnostics-truncated");

  const auto accepted = parse_report(warnings);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted.value->policies.size(), 300u);
  EXPECT_EQ(mtasts::core::count(accepted.diagnostics, Severity::warning), 101u);
  EXPECT_EQ(accepted.diagnostics.back().code, "diagnostics-truncated");
}

// --- Tolerated deviations (tests/data/reports/quirks, hand-written) ---

struct QuirkCase
{
  std::string_view file;
  std::vector<std::string_view> warnings; // sorted
};

const std::vector<QuirkCase> k_quirk_cases = {
    {"byte-order-mark.json", {"json-bom"}},
    {"count-as-float.json", {"count-as-float", "count-as-float"}},
    {"counts-as-strings.json", {"count-as-string", "count-as-string", "count-as-string"}},
    {"datetime-no-timezone.json", {"datetime-no-timezone", "datetime-no-timezone"}},
    {"datetime-offset.json", {"datetime-not-utc", "datetime-not-utc"}},
    {"datetime-space-lowercase.json", {"datetime-lowercase", "datetime-space-separator"}},
    {"duplicate-key.json", {"duplicate-key", "duplicate-key"}},
    {"metadata-missing.json",
     {"contact-info-missing", "organization-name-missing", "report-id-missing"}},
    {"mx-host-string-with-prefix.json", {"mx-host-prefix", "mx-host-string"}},
    {"null-optional-fields.json", {"field-null", "field-null", "field-null"}},
    {"policies-empty.json", {"policies-empty"}},
    {"postfix-no-policy-found.json", {"policy-domain-missing"}},
    {"summary-missing.json", {"summary-missing"}},
    {"tlsa-double-encoded.json.gz", {"policy-string-double-encoded"}},
    {"unknown-result-type.json", {"unknown-result-type"}},
};

TEST(CoreTlsrptReport, QuirksAreAcceptedWithWarnings)
{
  for (const QuirkCase& test : k_quirk_cases) {
    SCOPED_TRACE(std::string(test.file));
    const auto checked = parse_report(read_report("quirks/" + std::string(test.file)));
    ASSERT_TRUE(checked.ok()) << dump(checked.diagnostics);
    EXPECT_EQ(codes(checked.diagnostics, Severity::warning), test.warnings)
        << dump(checked.diagnostics);
    expect_round_trip(*checked.value);
  }
}

TEST(CoreTlsrptReport, EveryQuirkFileHasAnExpectation)
{
  std::set<std::string> listed;
  for (const QuirkCase& test : k_quirk_cases) {
    listed.insert(std::string(test.file));
  }
  EXPECT_EQ(files_in(k_reports_dir + "/quirks"), listed);
}

TEST(CoreTlsrptReport, QuirkValues)
{
  const auto microsoft = parse_report(read_report("quirks/datetime-no-timezone.json"));
  ASSERT_TRUE(microsoft.ok());
  EXPECT_EQ(microsoft.value->start_epoch, 1704067200); // read as UTC
  EXPECT_EQ(microsoft.value->end_epoch, 1704153599);

  const auto offset = parse_report(read_report("quirks/datetime-offset.json"));
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(offset.value->start_epoch, 1714521600);
  EXPECT_EQ(offset.value->end_epoch, 1714607999);

  const auto strings = parse_report(read_report("quirks/counts-as-strings.json"));
  ASSERT_TRUE(strings.ok());
  EXPECT_EQ(strings.value->policies[0].total_successful_session_count, 4523u);
  EXPECT_EQ(strings.value->policies[0].total_failure_session_count, 2u);
  EXPECT_EQ(strings.value->policies[0].failure_details[0].failed_session_count, 2u);

  const auto floats = parse_report(read_report("quirks/count-as-float.json"));
  ASSERT_TRUE(floats.ok());
  EXPECT_EQ(floats.value->policies[0].total_successful_session_count, 4523u);

  const auto missing = parse_report(read_report("quirks/metadata-missing.json"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing.value->organization_name, "");
  EXPECT_EQ(missing.value->report_id, "");
  EXPECT_FALSE(missing.value->contact_info.has_value());

  const auto mx = parse_report(read_report("quirks/mx-host-string-with-prefix.json"));
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx.value->policies[0].mx_host, std::vector<std::string>{"mail.example.com"});

  const auto duplicate = parse_report(read_report("quirks/duplicate-key.json"));
  ASSERT_TRUE(duplicate.ok());
  EXPECT_EQ(duplicate.value->report_id, "2024-05-01T00:00:00Z_example.com"); // the last one
  EXPECT_EQ(duplicate.diagnostics[0].where.field, "report-id");
  EXPECT_EQ(duplicate.diagnostics[1].where.field,
            "policies[0].summary.total-failure-session-count");

  const auto nulls = parse_report(read_report("quirks/null-optional-fields.json"));
  ASSERT_TRUE(nulls.ok());
  EXPECT_FALSE(nulls.value->policies[0].failure_details[0].receiving_ip.has_value());
  EXPECT_TRUE(nulls.value->policies[1].mx_host.empty());
  EXPECT_TRUE(nulls.value->policies[1].failure_details.empty());

  const auto summary = parse_report(read_report("quirks/summary-missing.json"));
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(mtasts::core::total_sessions(summary.value->policies[0]), 0u);

  const auto tlsa = parse_report(read_report("quirks/tlsa-double-encoded.json.gz"));
  ASSERT_TRUE(tlsa.ok());
  EXPECT_EQ(tlsa.value->policies[0].policy_string,
            std::vector<std::string>{
                "3 1 1 6007EEE553E85D8DF007A845D19EC343283D4E416E9A33F9EF3040C8B7C285BC"});
}

TEST(CoreTlsrptReport, DoubleEncodingIsUnwrappedUntilNoLayerIsLeft)
{
  const auto checked = parse_report(
      R"({"organization-name":"o","contact-info":"c","report-id":"r","date-range":)"
      R"({"start-datetime":"2024-05-01T00:00:00Z","end-datetime":"2024-05-02T00:00:00Z"},)"
      R"("policies":[{"policy":{"policy-type":"tlsa","policy-domain":"mx.example.com",)"
      R"("policy-string":["[\"[\\\"3 1 1 AB\\\",\\\"3 1 1 CD\\\"]\"]"]},)"
      R"("summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]})");
  ASSERT_TRUE(checked.ok()) << dump(checked.diagnostics);
  EXPECT_EQ(checked.value->policies[0].policy_string,
            (std::vector<std::string>{"3 1 1 AB", "3 1 1 CD"}));
  EXPECT_EQ(codes(checked.diagnostics, Severity::warning),
            std::vector<std::string_view>{"policy-string-double-encoded"});
  expect_round_trip(*checked.value);
}

TEST(CoreTlsrptReport, StringsThatOnlyLookLikeArraysAreKept)
{
  for (const std::string_view element : {R"("[not json")", R"("[1, 2]")", R"("[\"a\"] x")"}) {
    SCOPED_TRACE(std::string(element));
    const auto checked = parse_report(
        std::string(R"({"organization-name":"o","contact-info":"c","report-id":"r","date-range":)"
                    R"({"start-datetime":"2024-05-01T00:00:00Z","end-datetime":)"
                    R"("2024-05-02T00:00:00Z"},"policies":[{"policy":{"policy-type":"tlsa",)"
                    R"("policy-domain":"mx.example.com","policy-string":[)") +
        std::string(element) +
        R"(]},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]})");
    ASSERT_TRUE(checked.ok()) << dump(checked.diagnostics);
    EXPECT_EQ(checked.value->policies[0].policy_string.size(), 1u);
    EXPECT_TRUE(checked.diagnostics.empty()) << dump(checked.diagnostics);
  }
}

// --- The public corpus (tests/data/reports/corpus, see tests/data/reports/README.md) ---

struct CorpusCase
{
  std::string_view file;
  std::vector<std::string_view> warnings; // sorted; each entry is a quirk the README describes
};

const std::vector<CorpusCase> k_corpus_cases = {
    // parsedmarc: end next day 00:00 (exclusive end); failed counts 2 > total 1.
    {"parsedmarc__mail.ru.json", {"failure-count-exceeds-total"}},
    // RFC 8460 Appendix B as published: mx-host is a string (before erratum 6241).
    {"parsedmarc__rfc8460.json", {"mx-host-string"}},
    {"parsedmarc__smtp_tls.json", {}},
    // stalwart: RFC example with the erratum applied.
    {"stalwart-mail-auth__rpt01.json", {}},
    // 7-day date range.
    {"stalwart-mail-auth__rpt02.json", {"date-range-long"}},
    // no-policy-found without policy-domain, unknown policy-type (also without policy-domain),
    // summaries without total-failure-session-count.
    {"stalwart-mail-auth__rpt03.json",
     {"policy-domain-missing", "policy-domain-missing", "summary-count-missing",
      "summary-count-missing", "unknown-policy-type"}},
    {"cry-inc-dmarc-report-viewer__google.json", {}},
    // Microsoft: TLSA policy-string double-encoded.
    {"cry-inc-dmarc-report-viewer__microsoft.json", {"policy-string-double-encoded"}},
    // contact-info null; mx-host entry with the "mx: " prefix; failure-details [].
    {"cry-inc-dmarc-report-viewer__no-contact.json", {"contact-info-null", "mx-host-prefix"}},
    {"cry-inc-dmarc-report-viewer__no-policy.json", {}},
    // Microsoft: sts-policy-fetch-error without IPs, no policy-string: nothing to warn about.
    {"cry-inc-dmarc-report-viewer__no_ip_and_mx.json", {}},
    {"cry-inc-dmarc-report-viewer__rfc-example.json", {}},
    {"robalexdev-tlsrpt-be__report-2.json", {}},
    // 102 failures without failure-details is allowed.
    {"robalexdev-tlsrpt-be__report.json", {}},
    // RFC example with an A-label policy-domain and mx-host as a string.
    {"robalexdev-tlsrpt-be__testing.json", {"mx-host-string"}},
    // Attachments decoded from the .eml files (gzip unless noted).
    {"attachment__isseis-tlsrpt-digest__tlsrpt_failure.json.gz", {}},
    {"attachment__isseis-tlsrpt-digest__tlsrpt_success_google_1.json.gz", {}},
    {"attachment__isseis-tlsrpt-digest__tlsrpt_success_google_2.json.gz", {}},
    {"attachment__isseis-tlsrpt-digest__tlsrpt_success_microsoft.json.gz", {}},
    {"attachment__parsedmarc__google.com_smtp_tls_report.json.gz", {}},
    {"attachment__robalexdev-tlsrpt-be__test.json.gz", {"mx-host-string"}},
    {"attachment__stalwart-mail-auth__rpt01.json.gz", {}},
    {"attachment__stalwart-mail-auth__rpt02.json", {"date-range-long"}}, // plain JSON
};

TEST(CoreTlsrptReport, CorpusParsesWithTheExpectedWarnings)
{
  for (const CorpusCase& test : k_corpus_cases) {
    SCOPED_TRACE(std::string(test.file));
    const auto checked = parse_report(read_report("corpus/" + std::string(test.file)));
    ASSERT_TRUE(checked.ok()) << dump(checked.diagnostics);
    EXPECT_EQ(codes(checked.diagnostics, Severity::warning), test.warnings)
        << dump(checked.diagnostics);
    EXPECT_FALSE(checked.value->policies.empty());
  }
}

TEST(CoreTlsrptReport, CorpusRoundTrips)
{
  for (const CorpusCase& test : k_corpus_cases) {
    SCOPED_TRACE(std::string(test.file));
    const auto checked = parse_report(read_report("corpus/" + std::string(test.file)));
    ASSERT_TRUE(checked.ok()) << dump(checked.diagnostics);
    expect_round_trip(*checked.value);
  }
}

TEST(CoreTlsrptReport, EveryCorpusFileHasAnExpectation)
{
  std::set<std::string> listed;
  for (const CorpusCase& test : k_corpus_cases) {
    listed.insert(std::string(test.file));
  }
  EXPECT_EQ(files_in(k_reports_dir + "/corpus"), listed);
}

TEST(CoreTlsrptReport, CorpusValues)
{
  const auto rfc =
      parse_report(read_report("corpus/cry-inc-dmarc-report-viewer__rfc-example.json"));
  ASSERT_TRUE(rfc.ok());
  const Report& report = *rfc.value;
  EXPECT_EQ(report.organization_name, "Company-X");
  EXPECT_EQ(report.start_epoch, 1459468800); // 2016-04-01T00:00:00Z
  EXPECT_EQ(report.end_epoch, 1459555199);
  EXPECT_EQ(report.contact_info, "sts-reporting@company-x.example");
  EXPECT_EQ(report.report_id, "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
  ASSERT_EQ(report.policies.size(), 1u);
  const PolicyResult& policy = report.policies[0];
  EXPECT_EQ(policy.policy_type, "sts");
  EXPECT_EQ(policy.policy_string.size(), 4u);
  EXPECT_EQ(policy.policy_domain, "company-y.example");
  EXPECT_EQ(policy.mx_host, std::vector<std::string>{"*.mail.company-y.example"});
  EXPECT_EQ(policy.total_successful_session_count, 5326u);
  EXPECT_EQ(policy.total_failure_session_count, 303u);
  ASSERT_EQ(policy.failure_details.size(), 3u);
  const FailureDetail& starttls = policy.failure_details[1];
  EXPECT_EQ(starttls.result_type, "starttls-not-supported");
  EXPECT_EQ(starttls.failed_session_count, 200u);
  EXPECT_EQ(starttls.sending_mta_ip, "2001:db8:abcd:0013::1");
  EXPECT_EQ(starttls.receiving_mx_hostname, "mx2.mail.company-y.example");
  EXPECT_EQ(starttls.receiving_ip, "203.0.113.56");
  EXPECT_FALSE(starttls.receiving_mx_helo.has_value());
  EXPECT_EQ(starttls.additional_information,
            "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported");
  EXPECT_EQ(policy.failure_details[2].failure_reason_code, "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
  EXPECT_EQ(mtasts::core::total_sessions(policy), 5629u);

  // The pre-erratum RFC text reads to the same model as the erratum-fixed one.
  const auto pre_erratum = parse_report(read_report("corpus/parsedmarc__rfc8460.json"));
  ASSERT_TRUE(pre_erratum.ok());
  EXPECT_EQ(*pre_erratum.value, report);

  const auto microsoft =
      parse_report(read_report("corpus/cry-inc-dmarc-report-viewer__microsoft.json"));
  ASSERT_TRUE(microsoft.ok());
  ASSERT_EQ(microsoft.value->policies.size(), 2u);
  const auto& tlsa = microsoft.value->policies[1].policy_string;
  ASSERT_EQ(tlsa.size(), 2u);
  EXPECT_EQ(tlsa[0], "3 1 1 6007EEE553E85D8DF007A845D19EC343283D4E416E9A33F9EF3040C8B7C285BC");
  EXPECT_EQ(tlsa[1], "3 1 1 837C773D54C2E2BD71871A3FC352BE8214D5646CBAE5E3091401A7274717998B");

  const auto fetch_error =
      parse_report(read_report("corpus/cry-inc-dmarc-report-viewer__no_ip_and_mx.json"));
  ASSERT_TRUE(fetch_error.ok());
  EXPECT_EQ(fetch_error.value->report_id, "1234567890+");
  const FailureDetail& detail = fetch_error.value->policies[0].failure_details[0];
  EXPECT_EQ(detail.result_type, "sts-policy-fetch-error");
  EXPECT_FALSE(detail.sending_mta_ip.has_value());
  EXPECT_FALSE(detail.receiving_ip.has_value());
  EXPECT_FALSE(detail.receiving_mx_hostname.has_value());

  const auto mail_ru = parse_report(read_report("corpus/parsedmarc__mail.ru.json"));
  ASSERT_TRUE(mail_ru.ok());
  EXPECT_EQ(mail_ru.value->end_epoch, 1708646400); // 2024-02-23T00:00:00Z, exclusive
  EXPECT_EQ(mtasts::core::exclusive_end_epoch(*mail_ru.value), 1708646400);

  const auto google = parse_report(
      read_report("corpus/attachment__parsedmarc__google.com_smtp_tls_report.json.gz"));
  ASSERT_TRUE(google.ok());
  EXPECT_EQ(google.value->start_epoch, 1725321600); // matches the attachment's file name
  EXPECT_EQ(google.value->end_epoch, 1725407999);
  EXPECT_EQ(mtasts::core::exclusive_end_epoch(*google.value), 1725408000);
  EXPECT_EQ(google.value->policies[0].policy_type, "no-policy-found");
  EXPECT_EQ(google.value->policies[0].policy_domain, "cardinalhealth.ca");
}

// --- Serialization ---

TEST(CoreTlsrptReport, CanonicalSerialization)
{
  EXPECT_EQ(
      serialize_report(minimal_report()),
      R"({"organization-name":"Example Sender","date-range":{"start-datetime":)"
      R"("2024-05-01T00:00:00Z","end-datetime":"2024-05-01T23:59:59Z"},"contact-info":)"
      R"("tlsrpt@sender.example","report-id":"2024-05-01T00:00:00Z_example.com",)"
      R"("policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1",)"
      R"("mode: enforce","mx: mail.example.com","max_age: 604800"],"policy-domain":)"
      R"("example.com","mx-host":["mail.example.com"]},"summary":)"
      R"({"total-successful-session-count":10,"total-failure-session-count":1},)"
      R"("failure-details":[{"result-type":"certificate-expired","sending-mta-ip":)"
      R"("192.0.2.1","receiving-mx-hostname":"mail.example.com","failed-session-count":1}]}]})");
}

TEST(CoreTlsrptReport, AbsentOptionalMembersAreOmitted)
{
  Report report = minimal_report();
  report.contact_info.reset();
  PolicyResult& policy = report.policies[0];
  policy.policy_type = "no-policy-found";
  policy.policy_string.clear();
  policy.policy_domain.reset();
  policy.mx_host.clear();
  policy.failure_details.clear();
  EXPECT_EQ(serialize_report(report),
            R"({"organization-name":"Example Sender","date-range":{"start-datetime":)"
            R"("2024-05-01T00:00:00Z","end-datetime":"2024-05-01T23:59:59Z"},"report-id":)"
            R"("2024-05-01T00:00:00Z_example.com","policies":[{"policy":{"policy-type":)"
            R"("no-policy-found"},"summary":{"total-successful-session-count":10,)"
            R"("total-failure-session-count":1}}]})");
  expect_round_trip(report);
}

TEST(CoreTlsrptReport, EveryFailureDetailMemberIsWritten)
{
  Report report = minimal_report();
  FailureDetail& detail = report.policies[0].failure_details[0];
  detail.receiving_mx_helo = "mx1.example.com";
  detail.receiving_ip = "198.51.100.25";
  detail.additional_information = "https://sender.example/tlsrpt/help#expired";
  detail.failure_reason_code = "X509_V_ERR_CERT_HAS_EXPIRED";
  const auto json = mtasts::core::report_to_json(report);
  const auto& written = json.at("policies").at(0).at("failure-details").at(0).as_object();
  EXPECT_EQ(written.size(), 8u);
  EXPECT_EQ(written.at("receiving-mx-helo"), "mx1.example.com");
  EXPECT_EQ(written.at("receiving-ip"), "198.51.100.25");
  EXPECT_EQ(written.at("additional-information"), "https://sender.example/tlsrpt/help#expired");
  EXPECT_EQ(written.at("failure-reason-code"), "X509_V_ERR_CERT_HAS_EXPIRED");
  expect_round_trip(report);
}

TEST(CoreTlsrptReport, EdgeValuesRoundTrip)
{
  Report report = minimal_report();
  report.organization_name = "";
  report.report_id = "\"quoted\"\\ and \x01 control, caf\xc3\xa9, \xf0\x9f\x93\xa7";
  report.start_epoch = -62167219200; // 0000-01-01T00:00:00Z
  report.end_epoch = 253402300799;   // 9999-12-31T23:59:59Z
  report.policies[0].total_successful_session_count = std::numeric_limits<std::uint64_t>::max();
  report.policies[0].failure_details[0].failed_session_count = 0;
  report.policies[0].policy_string = {"[not an array"};
  report.policies[0].mx_host = {"", "*.example.com"};
  PolicyResult unknown;
  unknown.policy_type = "future-policy";
  report.policies.push_back(unknown);
  expect_round_trip(report);
}

// --- Helpers ---

TEST(CoreTlsrptReport, TotalSessionsSaturates)
{
  PolicyResult policy;
  policy.total_successful_session_count = 5;
  policy.total_failure_session_count = 7;
  EXPECT_EQ(mtasts::core::total_sessions(policy), 12u);
  policy.total_successful_session_count = std::numeric_limits<std::uint64_t>::max() - 1;
  EXPECT_EQ(mtasts::core::total_sessions(policy), std::numeric_limits<std::uint64_t>::max());
}

TEST(CoreTlsrptReport, ExclusiveEnd)
{
  Report report;
  report.end_epoch = 1725407999; // …T23:59:59Z, inclusive
  EXPECT_EQ(mtasts::core::exclusive_end_epoch(report), 1725408000);
  report.end_epoch = 1725408000; // next day T00:00:00Z, already exclusive
  EXPECT_EQ(mtasts::core::exclusive_end_epoch(report), 1725408000);
  report.end_epoch = -1; // 1969-12-31T23:59:59Z
  EXPECT_EQ(mtasts::core::exclusive_end_epoch(report), 0);
  report.end_epoch = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(mtasts::core::exclusive_end_epoch(report), std::numeric_limits<std::int64_t>::max());
}

} // namespace
