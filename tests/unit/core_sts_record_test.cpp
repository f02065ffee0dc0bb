// Tests for the `_mta-sts` TXT record: the "TXT" conformance cases T01-T25 of
// shared/spec/mta-sts.md §10 (T21/T22, CNAME handling, belong to the DNS layer), limits, positions
// and id generation. Error cases first.
#include <mtasts/core/sts_record.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mtasts::core::Checked;
using mtasts::core::parse_sts_record;
using mtasts::core::Profile;
using mtasts::core::select_sts_record;
using mtasts::core::Severity;
using mtasts::core::StsRecord;
using mtasts::core::TxtExtension;

constexpr auto k_strict = Profile::strict;
constexpr auto k_compatible = Profile::compatible;

// The record set holding just `rr`, run through discovery as a sender would.
Checked<StsRecord> select_one(std::string_view rr, Profile profile = k_strict)
{
  const std::vector<std::string> rrs{std::string(rr)};
  return select_sts_record(rrs, profile);
}

std::string dump(const Checked<StsRecord>& result)
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
testing::AssertionResult has(const Checked<StsRecord>& result, std::string_view code,
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

const mtasts::core::Diagnostic* find(const Checked<StsRecord>& result, std::string_view code)
{
  for (const auto& d : result.diagnostics) {
    if (d.code == code) {
      return &d;
    }
  }
  return nullptr;
}

// ---- Error cases ---------------------------------------------------------------------------

TEST(StsRecord, T05_VersionOnlyIsNotACandidate)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "no-record", Severity::error, 0, 0));
    EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
    const auto* hint = find(result, "not-a-candidate");
    ASSERT_NE(hint, nullptr);
    EXPECT_NE(hint->message.find("only the version"), std::string::npos) << hint->message;
    const auto* none = find(result, "no-record");
    ASSERT_NE(none, nullptr);
    EXPECT_NE(none->message.find("no MTA-STS policy is discoverable"), std::string::npos);
  }
}

TEST(StsRecord, T05_VersionAndSemicolonHasNoId)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1;", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "missing-id", Severity::error, 1, 0));
  }
}

TEST(StsRecord, T06_EmptyId)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "id-empty", Severity::error, 1, 13));
    EXPECT_EQ(find(result, "missing-id"), nullptr);
  }
}

TEST(StsRecord, T07_IdOf33CharactersIsTooLong)
{
  const std::string id(33, 'a');
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=" + id, profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "id-too-long", Severity::error, 1, 13));
  }
}

TEST(StsRecord, T08_IdWithHyphen)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=2024-06-01", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "id-invalid", Severity::error, 1, 17));
  }
}

TEST(StsRecord, T09_IdWithDot)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=a.b", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "id-invalid", Severity::error, 1, 14));
  }
}

TEST(StsRecord, T11_ExtensionValueWithEquals)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=abc; foo=b=r", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "extension-value-invalid", Severity::error, 1, 23));
  }
}

TEST(StsRecord, T12_ExtensionNameStartsWithUnderscore)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=abc; _x=1", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "extension-name-invalid", Severity::error, 1, 18));
  }
}

TEST(StsRecord, T13_WhitespaceAroundEquals)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=abc; foo = bar", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "whitespace-around-equals", Severity::error, 1, 21));
    EXPECT_EQ(result.diagnostics.size(), 1U) << dump(result);
  }
  const auto id = select_one("v=STSv1; id= abc");
  EXPECT_TRUE(has(id, "whitespace-around-equals", Severity::error, 1, 13));
  EXPECT_EQ(find(id, "missing-id"), nullptr) << dump(id);
}

TEST(StsRecord, T14_VersionNotFirstIsNotACandidate)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("id=abc; v=STSv1", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
    EXPECT_TRUE(has(result, "no-record", Severity::error, 0, 0));
    EXPECT_NE(find(result, "not-a-candidate")->message.find("must come first"), std::string::npos);
  }
}

TEST(StsRecord, T15_WrongCaseIsNotACandidate)
{
  for (const auto* rr : {"V=STSv1; id=a", "v=stsv1; id=a"}) {
    for (const auto profile : {k_strict, k_compatible}) {
      const auto result = select_one(rr, profile);
      EXPECT_FALSE(result.ok()) << rr;
      EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
      EXPECT_TRUE(has(result, "no-record", Severity::error, 0, 0));
      EXPECT_NE(find(result, "not-a-candidate")->message.find("case-sensitive"), std::string::npos);
    }
  }
}

TEST(StsRecord, T16_LeadingSpaceIsNotACandidate)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one(" v=STSv1; id=a", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
    EXPECT_TRUE(has(result, "no-record", Severity::error, 0, 0));
    EXPECT_NE(find(result, "not-a-candidate")->message.find("whitespace"), std::string::npos);
  }
}

TEST(StsRecord, T18_TwoCandidatesEvenIdentical)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const std::vector<std::string> same{"v=STSv1; id=a", "v=STSv1; id=a"};
    const auto result = select_sts_record(same, profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "multiple-records", Severity::error, 2, 0));
    const std::vector<std::string> three{"v=STSv1; id=a", "v=spf1 -all", "v=STSv1;id=b",
                                         "v=STSv1 ; id=c"};
    const auto many = select_sts_record(three, profile);
    EXPECT_FALSE(many.ok());
    EXPECT_TRUE(has(many, "multiple-records", Severity::error, 3, 0));
    EXPECT_NE(find(many, "multiple-records")->message.find("records 1, 3 and 4"),
              std::string::npos);
  }
}

TEST(StsRecord, T24_EmptyFieldStrictIsError)
{
  const auto result = select_one("v=STSv1; id=a;;", k_strict);
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "empty-field", Severity::error, 1, 15));
  const auto early = select_one("v=STSv1;; id=a", k_strict);
  EXPECT_TRUE(has(early, "empty-field", Severity::error, 1, 9));
}

TEST(StsRecord, T25_NonAsciiByte)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto in_id = select_one("v=STSv1; id=ab\xc3\xa9", profile);
    EXPECT_FALSE(in_id.ok());
    EXPECT_TRUE(has(in_id, "non-ascii", Severity::error, 1, 15));
    const auto in_extension = select_one("v=STSv1; id=abc; note=\x80", profile);
    EXPECT_TRUE(has(in_extension, "non-ascii", Severity::error, 1, 23));
    const auto after_delimiter = select_one("v=STSv1;\xa0id=abc", profile);
    EXPECT_TRUE(has(after_delimiter, "non-ascii", Severity::error, 1, 9));
  }
}

TEST(StsRecord, TrailingWhitespaceWithoutSemicolonStrictIsError)
{
  const auto result = select_one("v=STSv1; id=abc  ", k_strict);
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "trailing-whitespace", Severity::error, 1, 16));
}

TEST(StsRecord, MissingId)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; foo=bar", profile);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(has(result, "missing-id", Severity::error, 1, 0));
  }
  const auto upper = select_one("v=STSv1; ID=abc");
  EXPECT_TRUE(has(upper, "missing-id", Severity::error, 1, 0));
  EXPECT_NE(find(upper, "missing-id")->message.find("case-sensitive"), std::string::npos);
}

TEST(StsRecord, FieldWithoutEquals)
{
  const auto result = select_one("v=STSv1; id=abc; foo");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "field-syntax", Severity::error, 1, 18));
}

TEST(StsRecord, MissingSemicolonBetweenFields)
{
  const auto result = select_one("v=STSv1; id=abc foo=bar");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "id-invalid", Severity::error, 1, 16));
  EXPECT_NE(find(result, "id-invalid")->message.find("is a ';' missing"), std::string::npos);
}

TEST(StsRecord, ExtensionNameTooLongOrWithBadCharacter)
{
  const std::string name(33, 'n');
  const auto too_long = select_one("v=STSv1; id=abc; " + name + "=1");
  EXPECT_TRUE(has(too_long, "extension-name-invalid", Severity::error, 1, 18));
  const auto bad_char = select_one("v=STSv1; id=abc; fo/o=1");
  EXPECT_TRUE(has(bad_char, "extension-name-invalid", Severity::error, 1, 20));
  const auto no_name = select_one("v=STSv1; id=abc; =1");
  EXPECT_TRUE(has(no_name, "extension-name-invalid", Severity::error, 1, 18));
}

TEST(StsRecord, ExtensionValueEmptyOrWithControlCharacter)
{
  const auto empty = select_one("v=STSv1; id=abc; foo=");
  EXPECT_TRUE(has(empty, "extension-value-invalid", Severity::error, 1, 22));
  const auto control = select_one("v=STSv1; id=abc; foo=a\x01z");
  EXPECT_TRUE(has(control, "extension-value-invalid", Severity::error, 1, 23));
}

TEST(StsRecord, RecordTooLong)
{
  const std::string rr = "v=STSv1; id=abc; pad=" + std::string(65536 - 21, 'x');
  ASSERT_EQ(rr.size(), 65536U);
  const auto result = select_one(rr);
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "too-long", Severity::error, 1, 65536));
  const auto parsed = parse_sts_record(rr);
  EXPECT_TRUE(has(parsed, "too-long", Severity::error, 1, 65536));
}

TEST(StsRecord, TooManyRecords)
{
  std::vector<std::string> rrs(257, "v=spf1 -all");
  rrs.front() = "v=STSv1; id=a";
  const auto result = select_sts_record(rrs);
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "too-many-records", Severity::error, 0, 0));
  rrs.pop_back();
  EXPECT_TRUE(select_sts_record(rrs).ok());
}

TEST(StsRecord, EmptyRecordSet)
{
  const auto result = select_sts_record(std::vector<std::string>{});
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(has(result, "no-record", Severity::error, 0, 0));
}

TEST(StsRecord, TlsrptRecordAtStsName)
{
  const auto result = select_one("v=TLSRPTv1; rua=mailto:a@example.com");
  EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 1, 1));
  EXPECT_NE(find(result, "not-a-candidate")->message.find("_smtp._tls"), std::string::npos);
}

TEST(StsRecord, ParseWithoutSelectionChecksVersion)
{
  const auto missing = parse_sts_record("id=abc");
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(has(missing, "version-invalid", Severity::error, 1, 1));
  const auto glued = parse_sts_record("v=STSv1x; id=abc");
  EXPECT_TRUE(has(glued, "version-invalid", Severity::error, 1, 8));
  const auto no_delimiter = parse_sts_record("v=STSv1 id=abc");
  EXPECT_TRUE(has(no_delimiter, "field-syntax", Severity::error, 1, 9));
  const auto only_version = parse_sts_record("v=STSv1");
  EXPECT_TRUE(has(only_version, "missing-id", Severity::error, 1, 0));
}

// ---- Valid records and profile differences -------------------------------------------------

TEST(StsRecord, T01_RfcExample)
{
  const auto result = select_one("v=STSv1; id=20160831085700Z;");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "20160831085700Z");
  EXPECT_TRUE(result.diagnostics.empty()) << dump(result);
}

TEST(StsRecord, T02_NoWhitespaceNoTrailingSemicolon)
{
  const auto result = select_one("v=STSv1;id=abc");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "abc");
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(StsRecord, T03_WhitespaceAfterFinalDelimiter)
{
  const auto result = select_one("v=STSv1; id=abc;  ");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "abc");
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(StsRecord, T04_WhitespaceBeforeFirstSemicolon)
{
  const auto result = select_one("v=STSv1 ; id=abc");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "abc");
  EXPECT_TRUE(result.diagnostics.empty());
  const auto tab = select_one("v=STSv1\t;\tid=abc\t;");
  ASSERT_TRUE(tab.ok()) << dump(tab);
}

TEST(StsRecord, T07_IdOf32CharactersIsValid)
{
  const std::string id = "0123456789abcdefghijABCDEFGHIJxy";
  ASSERT_EQ(id.size(), 32U);
  const auto result = select_one("v=STSv1; id=" + id);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, id);
}

TEST(StsRecord, T10_UnknownExtensionIsReturnedWithoutDiagnostic)
{
  const auto result = select_one("v=STSv1; id=abc; foo=bar; x.y-z_1=a:b/c");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "abc");
  const std::vector<TxtExtension> expected{{"foo", "bar"}, {"x.y-z_1", "a:b/c"}};
  EXPECT_EQ(result.value->extensions, expected);
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(StsRecord, T17_NonCandidateIsDiscarded)
{
  const std::vector<std::string> rrs{"v=STSv1; id=a", "v=spf1 -all"};
  const auto result = select_sts_record(rrs);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "a");
  EXPECT_TRUE(has(result, "not-a-candidate", Severity::warning, 2, 1));
  EXPECT_EQ(result.diagnostics.size(), 1U);
}

TEST(StsRecord, T19_StringsConcatenatedWithoutSpace)
{
  const std::vector<std::string> strings{"v=STSv1; id=abc", "def"};
  const auto result = select_one(strings[0] + strings[1]);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "abcdef");
}

TEST(StsRecord, T20_SecondStringStartsWithSpace)
{
  const std::vector<std::string> strings{"v=STSv1;", " id=x"};
  const auto result = select_one(strings[0] + strings[1]);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "x");
}

TEST(StsRecord, T23_DuplicateIdFirstWins)
{
  for (const auto profile : {k_strict, k_compatible}) {
    const auto result = select_one("v=STSv1; id=a; id=b", profile);
    ASSERT_TRUE(result.ok()) << dump(result);
    EXPECT_EQ(result.value->id, "a");
    EXPECT_TRUE(has(result, "duplicate-field", Severity::warning, 1, 16));
  }
  const auto extension = select_one("v=STSv1; id=a; foo=1; foo=2; v=STSv2");
  ASSERT_TRUE(extension.ok()) << dump(extension);
  EXPECT_EQ(extension.value->extensions, (std::vector<TxtExtension>{{"foo", "1"}}));
  EXPECT_TRUE(has(extension, "duplicate-field", Severity::warning, 1, 23));
  EXPECT_TRUE(has(extension, "duplicate-field", Severity::warning, 1, 30));
}

TEST(StsRecord, T24_EmptyFieldCompatibleIsWarning)
{
  const auto result = select_one("v=STSv1; id=a;;", k_compatible);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "a");
  EXPECT_TRUE(has(result, "empty-field", Severity::warning, 1, 15));
}

TEST(StsRecord, TrailingWhitespaceWithoutSemicolonCompatibleIsWarning)
{
  const auto result = select_one("v=STSv1; id=abc  ", k_compatible);
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, "abc");
  EXPECT_TRUE(has(result, "trailing-whitespace", Severity::warning, 1, 16));
}

TEST(StsRecord, DiagnosticsAreOrderedByRecordAndColumn)
{
  const std::vector<std::string> rrs{"v=spf1 -all", "v=STSv1; id=a; _b=1; c=d=e", "x"};
  const auto result = select_sts_record(rrs);
  ASSERT_EQ(result.diagnostics.size(), 4U) << dump(result);
  EXPECT_EQ(result.diagnostics[0].where.record, 1U);
  EXPECT_EQ(result.diagnostics[1].code, "extension-name-invalid");
  EXPECT_EQ(result.diagnostics[2].code, "extension-value-invalid");
  EXPECT_EQ(result.diagnostics[3].where.record, 3U);
}

TEST(StsRecord, ExtensionGrammarHelpers)
{
  using mtasts::core::is_valid_txt_name;
  using mtasts::core::is_valid_txt_value;
  EXPECT_TRUE(is_valid_txt_name("a"));
  EXPECT_TRUE(is_valid_txt_name("9x.y-z_"));
  EXPECT_TRUE(is_valid_txt_name(std::string(32, 'n')));
  EXPECT_FALSE(is_valid_txt_name(std::string(33, 'n')));
  EXPECT_FALSE(is_valid_txt_name(""));
  EXPECT_FALSE(is_valid_txt_name("_x"));
  EXPECT_FALSE(is_valid_txt_name("a b"));
  EXPECT_TRUE(is_valid_txt_value("!:<>~/"));
  EXPECT_FALSE(is_valid_txt_value(""));
  EXPECT_FALSE(is_valid_txt_value("b=r"));
  EXPECT_FALSE(is_valid_txt_value("a;b"));
  EXPECT_FALSE(is_valid_txt_value("a b"));
  EXPECT_FALSE(is_valid_txt_value("\x7f"));
}

TEST(StsRecord, SerializeRoundTrip)
{
  const StsRecord record{"20240101T000000Z", {{"foo", "bar"}, {"ID", "x"}}};
  const auto text = mtasts::core::serialize_sts_record(record);
  EXPECT_EQ(text, "v=STSv1; id=20240101T000000Z; foo=bar; ID=x");
  const auto parsed = parse_sts_record(text);
  ASSERT_TRUE(parsed.ok()) << dump(parsed);
  EXPECT_EQ(*parsed.value, record);
  EXPECT_TRUE(parsed.diagnostics.empty());
}

// ---- id generation -------------------------------------------------------------------------

TEST(StsId, MakeIdFromFixedTime)
{
  using namespace std::chrono;
  const sys_seconds rfc_example = sys_days{2016y / August / 31} + 8h + 57min;
  EXPECT_EQ(mtasts::core::make_sts_id(rfc_example), "20160831T085700Z");
  EXPECT_EQ(mtasts::core::make_sts_id(sys_seconds{}), "19700101T000000Z");
  EXPECT_EQ(mtasts::core::make_sts_id(sys_seconds{seconds{1'700'000'000}}), "20231114T221320Z");
}

TEST(StsId, MakeIdClampsToFourDigitYears)
{
  using namespace std::chrono;
  EXPECT_EQ(mtasts::core::make_sts_id(sys_seconds{seconds{-100'000'000'000'000}}),
            "00000101T000000Z");
  EXPECT_EQ(mtasts::core::make_sts_id(sys_seconds{seconds{100'000'000'000'000}}),
            "99991231T235959Z");
  EXPECT_EQ(mtasts::core::make_sts_id(sys_seconds::max()), "99991231T235959Z");
  EXPECT_EQ(mtasts::core::make_sts_id(sys_seconds::min()), "00000101T000000Z");
}

TEST(StsId, GeneratedIdIsValidAndParses)
{
  using namespace std::chrono;
  const auto id = mtasts::core::make_sts_id(sys_seconds{seconds{1'234'567'890}});
  EXPECT_EQ(id.size(), 16U);
  EXPECT_TRUE(mtasts::core::is_valid_sts_id(id));
  const auto result = parse_sts_record(mtasts::core::serialize_sts_record(StsRecord{id, {}}));
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.value->id, id);
}

TEST(StsId, Validity)
{
  EXPECT_TRUE(mtasts::core::is_valid_sts_id("a"));
  EXPECT_TRUE(mtasts::core::is_valid_sts_id(std::string(32, '9')));
  EXPECT_FALSE(mtasts::core::is_valid_sts_id(""));
  EXPECT_FALSE(mtasts::core::is_valid_sts_id(std::string(33, '9')));
  EXPECT_FALSE(mtasts::core::is_valid_sts_id("2024-06-01"));
  EXPECT_FALSE(mtasts::core::is_valid_sts_id("a.b"));
  EXPECT_FALSE(mtasts::core::is_valid_sts_id("a_b"));
  EXPECT_FALSE(mtasts::core::is_valid_sts_id("ab\xc3\xa9"));
}

} // namespace
