// RFC 8461 §3.2 policy parser. Error cases first; case ids (P01...) are those of the spec digest
// (docs/ARCHITECTURE.md "Conformance").
#include <mtasts/core/policy.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace std::string_literals;
using mtasts::core::Checked;
using mtasts::core::Diagnostic;
using mtasts::core::parse_policy;
using mtasts::core::Policy;
using mtasts::core::PolicyMode;
using mtasts::core::Profile;
using mtasts::core::Severity;

namespace {

constexpr Profile S = Profile::strict;
constexpr Profile C = Profile::compatible;

const Diagnostic* find(const Checked<Policy>& result, std::string_view code)
{
  const auto it = std::ranges::find_if(result.diagnostics,
                                       [code](const Diagnostic& d) { return d.code == code; });
  return it == result.diagnostics.end() ? nullptr : &*it;
}

// Asserts `code` is present with `severity` at `line` (and `column` when non-zero).
::testing::AssertionResult has(const Checked<Policy>& result, std::string_view code,
                               Severity severity, std::uint32_t line, std::uint32_t column = 0)
{
  const auto* d = find(result, code);
  if (d == nullptr) {
    std::string all;
    for (const auto& other : result.diagnostics) {
      all += std::string(other.code) + " ";
    }
    return ::testing::AssertionFailure() << "no diagnostic " << code << "; got: " << all;
  }
  if (d->severity != severity || d->where.line != line ||
      (column != 0 && d->where.column != column)) {
    return ::testing::AssertionFailure()
           << code << " at line " << d->where.line << " column " << d->where.column << " severity "
           << (d->severity == Severity::error ? "error" : "warning");
  }
  return ::testing::AssertionSuccess();
}

const std::string k_valid =
    "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n";

} // namespace

// --- errors first ----------------------------------------------------------------------------

TEST(Policy, EmptyBody)
{
  const auto r = parse_policy("", S);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "policy-empty", Severity::error, 0));
}

TEST(Policy, TooLarge)
{
  std::string body = k_valid + "x: " + std::string(65536, 'a') + "\n";
  const auto r = parse_policy(body, C);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "policy-too-large", Severity::error, 0));
}

TEST(Policy, P04_CrOnlySeparatorsInvalidInBothProfiles)
{
  const std::string body = "version: STSv1\rmode: enforce\rmx: mx.example.com\rmax_age: 86400\r";
  for (const auto profile : {S, C}) {
    const auto r = parse_policy(body, profile);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(has(r, "bare-cr", Severity::error, 1, 15));
  }
}

TEST(Policy, P07_KeyCaseMattersSoModeIsMissing)
{
  const auto r =
      parse_policy("version: STSv1\nMode: enforce\nmx: mx.example.com\nmax_age: 86400\n", C);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "mode-missing", Severity::error, 0));
  EXPECT_TRUE(has(r, "field-name-case", Severity::warning, 2));
}

TEST(Policy, P08_ModeValueIsCaseSensitive)
{
  const auto r =
      parse_policy("version: STSv1\nmode: Enforce\nmx: mx.example.com\nmax_age: 86400\n", C);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "mode-invalid", Severity::error, 2, 7));
}

TEST(Policy, P09_VersionMustBeExactlySTSv1)
{
  for (const std::string version : {"stsv1", "STSv2", "STSv1 extra"}) {
    const auto r = parse_policy(
        "version: " + version + "\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n", C);
    EXPECT_FALSE(r.ok()) << version;
    EXPECT_TRUE(has(r, "version-invalid", Severity::error, 1, 10)) << version;
  }
}

TEST(Policy, P10_MaxAgeMissing)
{
  const auto r = parse_policy("version: STSv1\nmode: enforce\nmx: mx.example.com\n", S);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "max-age-missing", Severity::error, 0));
}

TEST(Policy, P11_VersionMissing)
{
  const auto r = parse_policy("mode: enforce\nmx: mx.example.com\nmax_age: 86400\n", S);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "version-missing", Severity::error, 0));
}

TEST(Policy, P12_EnforceOrTestingNeedMx)
{
  for (const std::string mode : {"enforce", "testing"}) {
    const auto r = parse_policy("version: STSv1\nmode: " + mode + "\nmax_age: 86400\n", C);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(has(r, "mx-missing", Severity::error, 0));
  }
}

TEST(Policy, P13_MaxAgeOverOneYearStrictErrorCompatibleClamps)
{
  const std::string body = "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 31557601\n";
  const auto strict = parse_policy(body, S);
  EXPECT_FALSE(strict.ok());
  EXPECT_TRUE(has(strict, "max-age-too-large", Severity::error, 4, 10));
  const auto compatible = parse_policy(body, C);
  ASSERT_TRUE(compatible.ok());
  EXPECT_EQ(compatible.value->max_age, 31557600U);
  EXPECT_TRUE(has(compatible, "max-age-too-large", Severity::warning, 4, 10));
}

TEST(Policy, P14_MaxAgeMustBeDigitsOnly)
{
  for (const std::string value : {"-1", "+5", "1e5", "86400.0", "86 400", "", "0x10", "86400s"}) {
    const auto r = parse_policy(
        "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: " + value + "\n", C);
    EXPECT_FALSE(r.ok()) << value;
    EXPECT_TRUE(has(r, "max-age-invalid", Severity::error, 4)) << value;
  }
}

TEST(Policy, P15_MaxAgeElevenDigitsInvalid)
{
  const auto r =
      parse_policy("version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 12345678901\n", C);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "max-age-invalid", Severity::error, 4, 10));
}

TEST(Policy, P21_CommaListStrictInvalidCompatibleDropsPattern)
{
  const std::string body = "version: STSv1\nmode: enforce\nmx: a.example.com, b.example.com\nmx: "
                           "c.example.com\nmax_age: 86400\n";
  const auto strict = parse_policy(body, S);
  EXPECT_FALSE(strict.ok());
  EXPECT_TRUE(has(strict, "mx-list", Severity::error, 3, 5));
  const auto compatible = parse_policy(body, C);
  ASSERT_TRUE(compatible.ok());
  ASSERT_EQ(compatible.value->mx.size(), 1U);
  EXPECT_EQ(compatible.value->mx[0].text, "c.example.com");
  EXPECT_TRUE(has(compatible, "mx-list", Severity::warning, 3, 5));
}

TEST(Policy, P21_CommaListAsOnlyMxLeavesNoMx)
{
  const auto r = parse_policy(
      "version: STSv1\nmode: enforce\nmx: a.example.com,b.example.com\nmax_age: 86400\n", C);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "mx-missing", Severity::error, 0));
}

TEST(Policy, P22_InvalidPatterns)
{
  for (const std::string pattern :
       {"*example.com", "mail*.example.com", "*.*.example.com", "*", ".example.com",
        "a..example.com", "-mx.example.com", "mx_1.example.com"}) {
    for (const auto profile : {S, C}) {
      const auto r = parse_policy(
          "version: STSv1\nmode: enforce\nmx: " + pattern + "\nmax_age: 86400\n", profile);
      EXPECT_FALSE(r.ok()) << pattern;
      EXPECT_TRUE(has(r, "mx-invalid", Severity::error, 3, 5)) << pattern;
    }
  }
}

TEST(Policy, P23_TrailingDotStrictInvalidCompatibleStripped)
{
  const std::string body = "version: STSv1\nmode: enforce\nmx: mx.example.com.\nmax_age: 86400\n";
  const auto strict = parse_policy(body, S);
  EXPECT_FALSE(strict.ok());
  EXPECT_TRUE(has(strict, "mx-trailing-dot", Severity::error, 3, 5));
  const auto compatible = parse_policy(body, C);
  ASSERT_TRUE(compatible.ok());
  EXPECT_EQ(compatible.value->mx[0].text, "mx.example.com");
  EXPECT_TRUE(has(compatible, "mx-trailing-dot", Severity::warning, 3, 5));
}

TEST(Policy, P25_IpAddressPatternDropped)
{
  const auto only =
      parse_policy("version: STSv1\nmode: enforce\nmx: 192.0.2.25\nmax_age: 86400\n", S);
  EXPECT_FALSE(only.ok());
  EXPECT_TRUE(has(only, "mx-ip-address", Severity::warning, 3, 5));
  EXPECT_TRUE(has(only, "mx-missing", Severity::error, 0));
  const auto mixed = parse_policy(
      "version: STSv1\nmode: enforce\nmx: 192.0.2.25\nmx: mx.example.com\nmax_age: 86400\n", S);
  ASSERT_TRUE(mixed.ok());
  ASSERT_EQ(mixed.value->mx.size(), 1U);
  EXPECT_EQ(mixed.value->mx[0].text, "mx.example.com");
}

TEST(Policy, P26_ULabelPatternInvalidStrictDroppedCompatible)
{
  const std::string body = "version: STSv1\nmode: enforce\nmx: b\xC3\xBC"
                           "cher.example\nmx: "
                           "xn--bcher-kva.example\nmax_age: 86400\n";
  const auto strict = parse_policy(body, S);
  EXPECT_FALSE(strict.ok());
  const auto* d = find(strict, "mx-ulabel");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->where.line, 3U);
  EXPECT_NE(d->message.find("xn--bcher-kva.example"), std::string::npos) << d->message;
  const auto compatible = parse_policy(body, C);
  ASSERT_TRUE(compatible.ok());
  ASSERT_EQ(compatible.value->mx.size(), 1U);
  EXPECT_EQ(compatible.value->mx[0].text, "xn--bcher-kva.example");
}

TEST(Policy, P31_WhitespaceAroundNameStrictInvalidCompatibleWarns)
{
  for (const std::string line : {"mode : enforce", " mode: enforce", "\tmode: enforce"}) {
    const std::string body = "version: STSv1\n" + line + "\nmx: mx.example.com\nmax_age: 86400\n";
    const auto strict = parse_policy(body, S);
    EXPECT_FALSE(strict.ok()) << line;
    const auto compatible = parse_policy(body, C);
    ASSERT_TRUE(compatible.ok()) << line;
    EXPECT_EQ(compatible.value->mode, PolicyMode::enforce);
  }
  EXPECT_TRUE(
      has(parse_policy("version: STSv1\nmode : enforce\nmx: mx.example.com\nmax_age: 1\n", S),
          "whitespace-before-colon", Severity::error, 2, 5));
  EXPECT_TRUE(
      has(parse_policy("version: STSv1\n mode: enforce\nmx: mx.example.com\nmax_age: 1\n", S),
          "leading-whitespace", Severity::error, 2, 1));
}

TEST(Policy, P32_BlankLineStrictInvalidCompatibleValid)
{
  const std::string body = "version: STSv1\n\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";
  EXPECT_TRUE(has(parse_policy(body, S), "blank-line", Severity::error, 2, 1));
  const auto compatible = parse_policy(body, C);
  EXPECT_TRUE(compatible.ok());
  EXPECT_TRUE(has(compatible, "blank-line", Severity::warning, 2, 1));
}

TEST(Policy, TrailingBlankLineAfterFinalTerminator)
{
  EXPECT_TRUE(has(parse_policy(k_valid + "\r\n", S), "blank-line", Severity::error, 5, 1));
}

TEST(Policy, P33_CommentStrictInvalidCompatibleSkipped)
{
  const std::string body =
      "# our policy\nversion: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";
  EXPECT_TRUE(has(parse_policy(body, S), "comment-line", Severity::error, 1, 1));
  const auto compatible = parse_policy(body, C);
  EXPECT_TRUE(compatible.ok());
  EXPECT_TRUE(has(compatible, "comment-line", Severity::warning, 1, 1));
}

TEST(Policy, P34_ByteOrderMarkStrictInvalidCompatibleStripped)
{
  const std::string body = "\xEF\xBB\xBF" + k_valid;
  EXPECT_TRUE(has(parse_policy(body, S), "bom", Severity::error, 1, 1));
  const auto compatible = parse_policy(body, C);
  EXPECT_TRUE(compatible.ok());
  EXPECT_TRUE(has(compatible, "bom", Severity::warning, 1, 1));
}

TEST(Policy, P35_ControlCharacterInValueInvalid)
{
  for (const auto profile : {S, C}) {
    const auto nul =
        parse_policy("version: STSv1\nmode: enf\0rce\nmx: mx.example.com\nmax_age: 1\n"s, profile);
    EXPECT_FALSE(nul.ok());
    EXPECT_TRUE(has(nul, "control-character", Severity::error, 2, 10));
    const auto escape = parse_policy("version: STSv1\nfoo: a\x1b"
                                     "b\n" +
                                         k_valid,
                                     profile);
    EXPECT_FALSE(escape.ok());
    EXPECT_TRUE(has(escape, "control-character", Severity::error, 2, 7));
  }
}

TEST(Policy, P36_HtmlErrorPageHasNoFields)
{
  const std::string html = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
                           "<body><h1>Not Found</h1></body></html>\n";
  const auto strict = parse_policy(html, S);
  EXPECT_FALSE(strict.ok());
  const auto compatible = parse_policy(html, C);
  EXPECT_FALSE(compatible.ok());
  EXPECT_TRUE(has(compatible, "no-fields", Severity::error, 0));
}

TEST(Policy, P37_ExtensionNameOver32Characters)
{
  const std::string body = k_valid + std::string(33, 'x') + ": value\r\n";
  EXPECT_TRUE(has(parse_policy(body, S), "field-name-too-long", Severity::error, 5, 1));
  const auto compatible = parse_policy(body, C);
  ASSERT_TRUE(compatible.ok());
  EXPECT_TRUE(compatible.value->extensions.empty());
}

TEST(Policy, InvalidUtf8)
{
  const auto r = parse_policy(k_valid + "info: \xff\xfe\n", C);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "invalid-utf8", Severity::error, 5));
}

TEST(Policy, GarbageLineWithoutColon)
{
  const std::string body = k_valid + "this is not a field\n";
  EXPECT_TRUE(has(parse_policy(body, S), "missing-colon", Severity::error, 5, 1));
  EXPECT_TRUE(parse_policy(body, C).ok());
}

TEST(Policy, InvalidFieldName)
{
  const std::string body = k_valid + "_private: x\n";
  EXPECT_TRUE(has(parse_policy(body, S), "field-name-invalid", Severity::error, 5, 1));
  EXPECT_TRUE(parse_policy(body, C).ok());
}

TEST(Policy, EmptyExtensionValue)
{
  const std::string body = k_valid + "info:\n";
  EXPECT_TRUE(has(parse_policy(body, S), "extension-value-invalid", Severity::error, 5));
  EXPECT_TRUE(parse_policy(body, C).ok());
}

// --- valid inputs ----------------------------------------------------------------------------

TEST(Policy, P01_CrlfLines)
{
  const auto r = parse_policy(k_valid, S);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.value->mode, PolicyMode::enforce);
  EXPECT_EQ(r.value->max_age, 86400U);
  ASSERT_EQ(r.value->mx.size(), 1U);
  EXPECT_EQ(r.value->mx[0].text, "mx.example.com");
}

TEST(Policy, P02_P03_P05_LfMixedAndNoFinalNewline)
{
  for (const std::string body :
       {"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
        "version: STSv1\r\nmode: enforce\nmx: mx.example.com\r\nmax_age: 86400\n",
        "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400"}) {
    const auto r = parse_policy(body, S);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.diagnostics.empty());
  }
}

TEST(Policy, P06_FieldOrderIsFreeButVersionFirstIsAdvised)
{
  for (const auto profile : {S, C}) {
    const auto r = parse_policy(
        "max_age: 86400\nmx: mx.example.com\nmode: enforce\nversion: STSv1\n", profile);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.diagnostics.size(), 1U);
    EXPECT_EQ(r.diagnostics[0].code, "version-not-first");
    EXPECT_EQ(r.diagnostics[0].severity, Severity::warning);
    EXPECT_EQ(r.diagnostics[0].where.line, 4U);
  }
}

TEST(Policy, P12_ModeNoneNeedsNoMx)
{
  const auto r = parse_policy("version: STSv1\nmode: none\nmax_age: 86400\n", S);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->mode, PolicyMode::none);
  EXPECT_TRUE(r.value->mx.empty());
}

TEST(Policy, P13_MaxAgeAtTheLimit)
{
  const auto r =
      parse_policy("version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 31557600\n", S);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->max_age, 31557600U);
}

TEST(Policy, P16_P17_LeadingZerosAndZero)
{
  const auto zeros =
      parse_policy("version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 0000086400\n", S);
  ASSERT_TRUE(zeros.ok());
  EXPECT_EQ(zeros.value->max_age, 86400U);
  const auto zero =
      parse_policy("version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 0\n", S);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero.value->max_age, 0U);
}

TEST(Policy, P18_P19_FirstOccurrenceWins)
{
  const auto r = parse_policy("version: STSv1\nmode: testing\nmode: enforce\nmx: mx.example.com\n"
                              "max_age: 100\nmax_age: 200\n",
                              S);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->mode, PolicyMode::testing);
  EXPECT_EQ(r.value->max_age, 100U);
  EXPECT_TRUE(has(r, "duplicate-field", Severity::warning, 3));
}

TEST(Policy, P20_MxAccumulatesDuplicatesKept)
{
  const auto r =
      parse_policy("version: STSv1\nmode: enforce\nmx: a.example.com\nmx: b.example.com\n"
                   "mx: a.example.com\nmax_age: 86400\n",
                   S);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value->mx.size(), 3U);
  EXPECT_EQ(r.value->mx[2].text, "a.example.com");
  EXPECT_TRUE(has(r, "duplicate-mx", Severity::warning, 5, 5));
}

TEST(Policy, P22_P24_WildcardAndCaseFolding)
{
  const auto r =
      parse_policy("version: STSv1\nmode: enforce\nmx: *.example.com\nmx: MX.Example.COM\n"
                   "max_age: 86400\n",
                   S);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->mx[0].text, "*.example.com");
  EXPECT_EQ(r.value->mx[1].text, "mx.example.com");
}

TEST(Policy, P26_ALabelPattern)
{
  const auto r =
      parse_policy("version: STSv1\nmode: enforce\nmx: xn--bcher-kva.example\nmax_age: 1\n", S);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->mx[0].text, "xn--bcher-kva.example");
}

TEST(Policy, P27_P28_ExtensionsIgnoredButKept)
{
  const auto r = parse_policy(k_valid + "foo: bar baz\r\ninfo: see https://x.example/a\r\n", S);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.value->extensions.size(), 2U);
  EXPECT_EQ(r.value->extensions[1].value, "see https://x.example/a");
}

TEST(Policy, P29_P30_WhitespaceAfterColonAndAtLineEnd)
{
  for (const std::string line : {"mode:enforce", "mode:\tenforce  ", "mode:   enforce\t"}) {
    const auto r =
        parse_policy("version: STSv1\n" + line + "\nmx: mx.example.com\nmax_age: 86400\n", S);
    ASSERT_TRUE(r.ok()) << line;
    EXPECT_TRUE(r.diagnostics.empty()) << line;
    EXPECT_EQ(r.value->mode, PolicyMode::enforce);
  }
}

TEST(Policy, SerializeIsCanonicalCrlfAndRoundTrips)
{
  const auto r = parse_policy("max_age: 0604800\nmx: *.Example.com\nmode: testing\nversion: STSv1\n"
                              "mx: mx1.example.com\nnote: hi there",
                              S);
  ASSERT_TRUE(r.ok());
  const auto text = mtasts::core::serialize_policy(*r.value);
  EXPECT_EQ(text, "version: STSv1\r\nmode: testing\r\nmx: *.example.com\r\nmx: mx1.example.com\r\n"
                  "max_age: 604800\r\nnote: hi there\r\n");
  const auto again = parse_policy(text, S);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again.value, *r.value);
}
