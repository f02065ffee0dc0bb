// Tests for the `_smtp._tls` TXT record (RFC 8460 §3; shared/spec/tlsrpt.md §1.1): rua URI rules,
// record-set selection, profiles and positions. Error cases first.
#include <mtasts/core/tlsrpt_record.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mtasts::core::Checked;
using mtasts::core::parse_tlsrpt_record;
using mtasts::core::Profile;
using mtasts::core::select_tlsrpt_record;
using mtasts::core::Severity;
using mtasts::core::TlsrptRecord;
using mtasts::core::TxtExtension;

constexpr auto k_strict = Profile::strict;
constexpr auto k_compatible = Profile::compatible;

// The record set holding just `rr`, run through discovery as a report sender would.
Checked<TlsrptRecord> select_one(std::string_view rr, Profile profile = k_strict)
{
  const std::vector<std::string> rrs{std::string(rr)};
  return select_tlsrpt_record(rrs, profile);
}

std::string dump(const Checked<TlsrptRecord>& result)
{
  std::string text;
  for (const auto& d : result.diagnostics) {
    text += "\n  " + std::string(d.code) + " " + std::string(severity_name(d.severity)) +
            " record " + std::to_string(d.where.record) + " column " +
            std::to_string(d.where.column) + ": " + d.message;
  }
  return text;
}

// True when `result` holds a diagnostic with exactly this code, severity and position.
testing::AssertionResult has(const Checked<TlsrptRecord>& result, std::string_view code,
                             Severity severity, std::uint32_t record, std::uint32_t column)
{
  for (const auto& d : result.diagnostics) {
    if (d.code == code && d.severity == severity && d.where.record == record &&
        d.where.column == column) {
      return testing::AssertionSuccess();
    }
  }
  return testing::AssertionFailure()
         << "no " << code << " (" << severity_name(severity) << ") at record " << record
         << " column " << column << "; got:" << dump(result);
}

std::string message_of(const Checked<TlsrptRecord>& result, std::string_view code)
{
  for (const auto& d : result.diagnostics) {
    if (d.code == code) {
      return d.message;
    }
  }
  return {};
}

// In "v=TLSRPTv1; rua=..." the first URI starts at column 17.
constexpr std::uint32_t k_rua_column = 17;

// ---- Error cases ---------------------------------------------------------------------------

TEST(TlsrptRecord, RawExclamationMarkMustBeEncoded)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=TLSRPTv1; rua=mailto:tlsrpt@example.com!10m", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "rua-unencoded-char", Severity::error, 1, 42));
    EXPECT_NE(message_of(result, "rua-unencoded-char").find("%21"), std::string::npos);
  }
  const auto https = select_one("v=TLSRPTv1; rua=https://r.example.com/a!b");
  EXPECT_TRUE(has(https, "rua-unencoded-char", Severity::error, 1, 40));
}

TEST(TlsrptRecord, AddressWithoutScheme)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=TLSRPTv1; rua=tlsrpt@example.com", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "rua-no-scheme", Severity::error, 1, k_rua_column));
    EXPECT_NE(message_of(result, "rua-no-scheme").find("mailto:tlsrpt@example.com"),
              std::string::npos);
  }
  const auto host = select_one("v=TLSRPTv1; rua=//r.example.com/report");
  EXPECT_TRUE(has(host, "rua-no-scheme", Severity::error, 1, k_rua_column));
  EXPECT_NE(message_of(host, "rua-no-scheme").find("https:"), std::string::npos);
}

TEST(TlsrptRecord, HttpSchemeIsNotAllowed)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=TLSRPTv1; rua=http://r.example.com/report", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "rua-scheme", Severity::error, 1, k_rua_column));
    EXPECT_NE(message_of(result, "rua-scheme").find("https:"), std::string::npos);
  }
  const auto second = select_one("v=TLSRPTv1; rua=mailto:a@example.com,ftp://r.example.com/x");
  EXPECT_TRUE(has(second, "rua-scheme", Severity::error, 1, 38));
}

TEST(TlsrptRecord, EmptyRua)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=TLSRPTv1; rua=", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "rua-empty", Severity::error, 1, k_rua_column));
    EXPECT_TRUE(message_of(result, "missing-rua").empty());
  }
}

TEST(TlsrptRecord, MissingRua)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=TLSRPTv1; foo=bar", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "missing-rua", Severity::error, 1, 0));
    const auto bare = select_one("v=TLSRPTv1;", profile);
    EXPECT_TRUE(has(bare, "missing-rua", Severity::error, 1, 0));
  }
  const auto upper = select_one("v=TLSRPTv1; RUA=mailto:a@example.com");
  EXPECT_TRUE(has(upper, "missing-rua", Severity::error, 1, 0));
  EXPECT_NE(message_of(upper, "missing-rua").find("case-sensitive"), std::string::npos);
}

TEST(TlsrptRecord, TwoCandidates)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const std::vector<std::string> rrs{"v=TLSRPTv1; rua=mailto:a@example.com",
                                       "v=TLSRPTv1; rua=mailto:b@example.com"};
    const auto result = select_tlsrpt_record(rrs, profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "multiple-records", Severity::error, 2, 0));
  }
}

TEST(TlsrptRecord, LowercaseVersionIsNotACandidate)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=tlsrptv1; rua=mailto:a@example.com", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
    EXPECT_TRUE(has(result, "no-record", Severity::error, 0, 0));
    EXPECT_NE(message_of(result, "not-a-candidate").find("case-sensitive"), std::string::npos);
  }
}

TEST(TlsrptRecord, HttpsWithoutHost)
{
  const auto result = select_one("v=TLSRPTv1; rua=https:/report");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "rua-https-no-host", Severity::error, 1, k_rua_column));
  const auto empty_host = select_one("v=TLSRPTv1; rua=https:///report");
  EXPECT_TRUE(has(empty_host, "rua-https-no-host", Severity::error, 1, k_rua_column));
}

TEST(TlsrptRecord, MailtoWithoutAddress)
{
  for (const auto* rr : {"v=TLSRPTv1; rua=mailto:tlsrpt",
                         "v=TLSRPTv1; rua=mailto:", "v=TLSRPTv1; rua=mailto:@example.com",
                         "v=TLSRPTv1; rua=mailto:a@", "v=TLSRPTv1; rua=mailto:a@example..com",
                         "v=TLSRPTv1; rua=mailto://a@example.com"}) {
    const auto result = select_one(rr);
    EXPECT_FALSE(result.ok()) << rr;
    EXPECT_TRUE(has(result, "rua-mailto-invalid", Severity::error, 1, k_rua_column)) << rr;
  }
}

TEST(TlsrptRecord, InvalidUriPointsAtTheCharacter)
{
  const auto angle = select_one("v=TLSRPTv1; rua=https://r.example.com/<x>");
  EXPECT_FALSE(angle.ok());
  EXPECT_TRUE(has(angle, "rua-invalid-uri", Severity::error, 1, 39));
  const auto escape = select_one("v=TLSRPTv1; rua=https://r.example.com/%zz");
  EXPECT_TRUE(has(escape, "rua-invalid-uri", Severity::error, 1, 39));
  const auto cut_escape = select_one("v=TLSRPTv1; rua=https://r.example.com/%2");
  EXPECT_TRUE(has(cut_escape, "rua-invalid-uri", Severity::error, 1, 39));
}

TEST(TlsrptRecord, UrisSeparatedBySpaceInsteadOfComma)
{
  const auto result = select_one("v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "rua-invalid-uri", Severity::error, 1, 37));
}

TEST(TlsrptRecord, UrisSeparatedBySemicolon)
{
  const auto result = select_one("v=TLSRPTv1; rua=mailto:a@example.com;mailto:b@example.com");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "field-syntax", Severity::error, 1, 38));
  EXPECT_NE(message_of(result, "field-syntax").find("separate rua URIs with ','"),
            std::string::npos);
}

TEST(TlsrptRecord, EmptyUriBetweenCommas)
{
  const auto doubled = select_one("v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com");
  EXPECT_FALSE(doubled.ok());
  EXPECT_TRUE(has(doubled, "rua-invalid-uri", Severity::error, 1, 38));
  const auto trailing = select_one("v=TLSRPTv1; rua=mailto:a@example.com,");
  EXPECT_TRUE(has(trailing, "rua-invalid-uri", Severity::error, 1, 37));
  const auto leading = select_one("v=TLSRPTv1; rua=,mailto:a@example.com");
  EXPECT_TRUE(has(leading, "rua-invalid-uri", Severity::error, 1, k_rua_column));
}

TEST(TlsrptRecord, NonAscii)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=TLSRPTv1; rua=mailto:r\xc3\xa9@example.com", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "non-ascii", Severity::error, 1, 25));
  }
}

TEST(TlsrptRecord, ExtensionErrors)
{
  const auto equals = select_one("v=TLSRPTv1; rua=mailto:a@example.com; foo=b=r");
  EXPECT_FALSE(equals.ok());
  EXPECT_TRUE(has(equals, "extension-value-invalid", Severity::error, 1, 44));
  const auto name = select_one("v=TLSRPTv1; rua=mailto:a@example.com; -x=1");
  EXPECT_TRUE(has(name, "extension-name-invalid", Severity::error, 1, 39));
  const auto spaces = select_one("v=TLSRPTv1; rua = mailto:a@example.com");
  EXPECT_TRUE(has(spaces, "whitespace-around-equals", Severity::error, 1, 16));
  EXPECT_TRUE(message_of(spaces, "missing-rua").empty()) << dump(spaces);
}

TEST(TlsrptRecord, EmptyFieldAndTrailingWhitespaceStrict)
{
  const auto empty = select_one("v=TLSRPTv1;; rua=mailto:a@example.com", k_strict);
  EXPECT_FALSE(empty.ok());
  EXPECT_TRUE(has(empty, "empty-field", Severity::error, 1, 12));
  const auto trailing = select_one("v=TLSRPTv1; rua=mailto:a@example.com\t", k_strict);
  EXPECT_FALSE(trailing.ok());
  EXPECT_TRUE(has(trailing, "trailing-whitespace", Severity::error, 1, 37));
}

TEST(TlsrptRecord, StsRecordAtTlsrptName)
{
  const auto result = select_one("v=STSv1; id=abc");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
  EXPECT_NE(message_of(result, "not-a-candidate").find("_mta-sts"), std::string::npos);
}

TEST(TlsrptRecord, ParseWithoutSelectionChecksVersion)
{
  const auto result = parse_tlsrpt_record("rua=mailto:a@example.com; v=TLSRPTv1");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "version-invalid", Severity::error, 1, 1));
}

// ---- Valid records and profile differences -------------------------------------------------

TEST(TlsrptRecord, Google)
{
  const auto result = select_one("v=TLSRPTv1;rua=mailto:sts-reports@google.com");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->rua, std::vector<std::string>{"mailto:sts-reports@google.com"});
  EXPECT_TRUE(result.value->extensions.empty());
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(TlsrptRecord, MicrosoftHttps)
{
  const auto result = select_one("v=TLSRPTv1; rua=https://tlsrpt.azurewebsites.net/report");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->rua, std::vector<std::string>{"https://tlsrpt.azurewebsites.net/report"});
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(TlsrptRecord, SeveralUrisWithWhitespaceAroundCommas)
{
  const auto result = select_one("v=TLSRPTv1; rua=mailto:a@example.com , "
                                 "https://r.example.net/tlsrpt,\tmailto:b@example.org;");
  ASSERT_TRUE(result.ok()) << dump(result);
  const std::vector<std::string> expected{"mailto:a@example.com", "https://r.example.net/tlsrpt",
                                          "mailto:b@example.org"};
  EXPECT_EQ(result.value->rua, expected);
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(TlsrptRecord, PercentEncodedCommaSemicolonAndBang)
{
  const auto result = select_one(
      "v=TLSRPTv1; rua=mailto:a@example.com%2Cb@example.com,https://r.example.com/x?l=a%2Cb%3B%21");
  ASSERT_TRUE(result.ok()) << dump(result);
  ASSERT_EQ(result.value->rua.size(), 2U);
  EXPECT_EQ(result.value->rua[0], "mailto:a@example.com%2Cb@example.com");
}

TEST(TlsrptRecord, EqualsSignInsideUri)
{
  const auto result =
      select_one("v=TLSRPTv1; rua=https://r.example.com/report?a=b&c=d,mailto:t@example.com?"
                 "subject=tlsrpt");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->rua[0], "https://r.example.com/report?a=b&c=d");
  EXPECT_EQ(result.value->rua[1], "mailto:t@example.com?subject=tlsrpt");
}

TEST(TlsrptRecord, ExtensionFieldsAreReturned)
{
  const auto result = select_one("v=TLSRPTv1; foo=bar; rua=mailto:a@example.com; x.y-z_1=42;");
  ASSERT_TRUE(result.ok()) << dump(result);
  const std::vector<TxtExtension> expected{{"foo", "bar"}, {"x.y-z_1", "42"}};
  EXPECT_EQ(result.value->extensions, expected);
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(TlsrptRecord, SplitStringsAreConcatenatedByTheCaller)
{
  const std::vector<std::string> strings{"v=TLSRPTv1; rua=mailto:tls", "rpt@example.com"};
  const auto result = select_one(strings[0] + strings[1]);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->rua, std::vector<std::string>{"mailto:tlsrpt@example.com"});
}

TEST(TlsrptRecord, NonCandidateIsDiscarded)
{
  const std::vector<std::string> rrs{"google-site-verification=abc",
                                     "v=TLSRPTv1 ; rua=mailto:a@example.com"};
  const auto result = select_tlsrpt_record(rrs);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
}

TEST(TlsrptRecord, DuplicateRuaFirstWins)
{
  const auto result =
      select_one("v=TLSRPTv1; rua=mailto:a@example.com; rua=https://r.example.com/x?a=b");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->rua, std::vector<std::string>{"mailto:a@example.com"});
  EXPECT_TRUE(has(result, "duplicate-field", Severity::warning, 1, 39));
  EXPECT_NE(message_of(result, "duplicate-field").find("separated by ','"), std::string::npos);
}

TEST(TlsrptRecord, UppercaseSchemeIsAWarning)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result =
        select_one("v=TLSRPTv1; rua=MAILTO:a@example.com,HTTPS://r.example.com/", profile);
    ASSERT_TRUE(result.ok()) << dump(result);
    EXPECT_EQ(result.value->rua[0], "MAILTO:a@example.com");
    EXPECT_TRUE(has(result, "rua-scheme-case", Severity::warning, 1, k_rua_column));
    EXPECT_TRUE(has(result, "rua-scheme-case", Severity::warning, 1, 38));
  }
}

TEST(TlsrptRecord, EmptyFieldAndTrailingWhitespaceCompatible)
{
  const auto empty = select_one("v=TLSRPTv1;; rua=mailto:a@example.com", k_compatible);
  ASSERT_TRUE(empty.ok()) << dump(empty);
  EXPECT_TRUE(has(empty, "empty-field", Severity::warning, 1, 12));
  const auto trailing = select_one("v=TLSRPTv1; rua=mailto:a@example.com\t", k_compatible);
  ASSERT_TRUE(trailing.ok()) << dump(trailing);
  EXPECT_TRUE(has(trailing, "trailing-whitespace", Severity::warning, 1, 37));
}

TEST(TlsrptRecord, SerializeRoundTrip)
{
  const TlsrptRecord record{{"mailto:a@example.com", "https://r.example.com/x?a=b"},
                            {{"foo", "bar"}}};
  const auto text = mtasts::core::serialize_tlsrpt_record(record);
  EXPECT_EQ(text, "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x?a=b; foo=bar");
  const auto parsed = parse_tlsrpt_record(text);
  ASSERT_TRUE(parsed.ok()) << dump(parsed);
  EXPECT_EQ(*parsed.value, record);
  EXPECT_TRUE(parsed.diagnostics.empty());
}

} // namespace
