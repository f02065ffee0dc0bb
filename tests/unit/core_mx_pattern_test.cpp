// RFC 8461 §4.1 MX host patterns and matching. Error cases first; M01... are the spec digest's
// conformance case ids.
#include <mtasts/core/mx_pattern.hpp>

#include <gtest/gtest.h>

using mtasts::core::find_matching_pattern;
using mtasts::core::MxPattern;
using mtasts::core::MxPatternError;
using mtasts::core::normalize_host;
using mtasts::core::parse_mx_pattern;

namespace {

bool matches(std::string_view pattern, std::string_view host)
{
  const auto parsed = parse_mx_pattern(pattern);
  const auto normalized = normalize_host(host);
  return parsed && normalized && mtasts::core::mx_pattern_matches(*parsed, *normalized);
}

} // namespace

TEST(MxPattern, RejectsMalformedPatterns)
{
  const std::pair<std::string_view, MxPatternError> cases[] = {
      {"", MxPatternError::empty},
      {"mx.example.com.", MxPatternError::trailing_dot},
      {"a.example.com, b.example.com", MxPatternError::list},
      {"a.example.com b.example.com", MxPatternError::list},
      {"b\xC3\xBC"
       "cher.example",
       MxPatternError::non_ascii},
      {"192.0.2.25", MxPatternError::ip_address},
      {"*example.com", MxPatternError::bad_wildcard},
      {"mail*.example.com", MxPatternError::bad_wildcard},
      {"*.*.example.com", MxPatternError::bad_wildcard},
      {"*", MxPatternError::bad_wildcard},
      {".example.com", MxPatternError::empty_label},
      {"a..example.com", MxPatternError::empty_label},
      {std::string_view(
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com"),
       MxPatternError::label_too_long},
      {"mx_1.example.com", MxPatternError::label_syntax},
      {"-mx.example.com", MxPatternError::label_syntax},
      {"mx-.example.com", MxPatternError::label_syntax},
  };
  for (const auto& [text, error] : cases) {
    const auto parsed = parse_mx_pattern(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error(), error) << text;
    EXPECT_FALSE(mtasts::core::describe(error).empty());
  }
}

TEST(MxPattern, RejectsOverlongName)
{
  std::string name;
  while (name.size() < 260) {
    name += "abcdefghi.";
  }
  name += "com";
  const auto parsed = parse_mx_pattern(name);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), MxPatternError::too_long);
}

TEST(MxPattern, NormalizeHostErrors)
{
  EXPECT_FALSE(normalize_host(""));
  EXPECT_FALSE(normalize_host("."));
  EXPECT_FALSE(normalize_host("a..b"));
  EXPECT_FALSE(normalize_host(std::string(64, 'a') + ".example"));
}

TEST(MxPattern, M01_HostIsNormalised)
{
  EXPECT_TRUE(matches("mx.example.com", "MX.EXAMPLE.COM."));
  EXPECT_FALSE(matches("mx.example.com", "mx.example.com.."));
}

TEST(MxPattern, M02_WildcardCoversExactlyOneLabel)
{
  EXPECT_TRUE(matches("*.example.com", "mail.example.com"));
  EXPECT_FALSE(matches("*.example.com", "example.com"));
  EXPECT_FALSE(matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(matches("*.example.com", "mail.example.com.evil.net"));
  EXPECT_FALSE(matches("*.example.com", "mailexample.com"));
  EXPECT_FALSE(matches("*.example.com", ".example.com"));
}

TEST(MxPattern, M03_ExactPatternIsAnchored)
{
  EXPECT_FALSE(matches("mail.example.com", "xmail.example.com"));
  EXPECT_FALSE(matches("mail.example.com", "mail.example.com.evil.net"));
}

TEST(MxPattern, M04_M05_RealWorldWildcards)
{
  EXPECT_FALSE(matches("*.mx.microsoft", "t-com.h-v1.mx.microsoft"));
  EXPECT_TRUE(matches("*.mail.protection.outlook.com", "contoso-com.mail.protection.outlook.com"));
}

TEST(MxPattern, ULabelHostsAreConvertedToALabels)
{
  const auto normalized = normalize_host("MX.B\xC3\xBC"
                                         "cher.example");
  ASSERT_TRUE(normalized) << normalized.error();
  EXPECT_EQ(*normalized, "mx.xn--bcher-kva.example");
  EXPECT_TRUE(matches("*.xn--bcher-kva.example", "mx.b\xC3\xBC"
                                                 "cher.example"));
}

TEST(MxPattern, FirstMatchingPatternInPolicyOrder)
{
  const std::vector<MxPattern> patterns = {MxPattern{"*.example.com"}, MxPattern{"mx.example.com"}};
  const auto* found = find_matching_pattern(patterns, "mx.example.com");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->text, "*.example.com");
  EXPECT_EQ(find_matching_pattern(patterns, "example.net"), nullptr);
}

TEST(MxPattern, PatternsAreLowercasedAndExposeTheirBase)
{
  const auto parsed = parse_mx_pattern("*.MX.Example.COM");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text, "*.mx.example.com");
  EXPECT_TRUE(parsed->is_wildcard());
  EXPECT_EQ(parsed->base(), "mx.example.com");
}
