#include <mtasts/util/strings.hpp>

#include <gtest/gtest.h>

using namespace mtasts::util;

TEST(Strings, ParseDecimalRejectsEverythingButDigits)
{
  EXPECT_FALSE(parse_decimal(""));
  EXPECT_FALSE(parse_decimal("-1"));
  EXPECT_FALSE(parse_decimal("+1"));
  EXPECT_FALSE(parse_decimal("1 "));
  EXPECT_FALSE(parse_decimal("12345678901", 10));
  EXPECT_FALSE(parse_decimal("99999999999999999999", 20)); // overflows 64 bits
  EXPECT_EQ(parse_decimal("0000086400", 10), 86400U);
  EXPECT_EQ(parse_decimal("18446744073709551615", 20), UINT64_MAX);
}

TEST(Strings, Utf8Validation)
{
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));         // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_TRUE(is_valid_utf8("b\xC3\xBC"
                            "cher \xE2\x82\xAC \xF0\x9F\x93\xA7"));
}

TEST(Strings, TrimSplitAndPrintable)
{
  EXPECT_EQ(trim_wsp(" \t a b \t"), "a b");
  EXPECT_EQ(split("a;;b", ';').size(), 3U);
  EXPECT_EQ(printable("a\x01\n"), "a\\x01\\n");
  EXPECT_EQ(printable(std::string(100, 'x'), 5), "xxxxx...");
  EXPECT_TRUE(iequals_ascii("STSv1", "stsV1"));
  EXPECT_FALSE(iequals_ascii("STSv1", "STSv"));
}
