#include <mtasts/util/rfc3339.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace {

using mtasts::util::format_rfc3339_utc;
using mtasts::util::k_rfc3339_max_epoch;
using mtasts::util::k_rfc3339_min_epoch;
using mtasts::util::parse_rfc3339;

std::string error_of(std::string_view text)
{
  const auto parsed = parse_rfc3339(text);
  if (parsed) {
    return "(parsed to " + std::to_string(parsed->epoch_seconds) + ")";
  }
  return parsed.error();
}

std::int64_t epoch_of(std::string_view text)
{
  const auto parsed = parse_rfc3339(text);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << (parsed ? "" : parsed.error());
  return parsed ? parsed->epoch_seconds : std::numeric_limits<std::int64_t>::min();
}

// --- Errors: grammar ---

TEST(UtilRfc3339, EmptyTextNamesTheYear)
{
  EXPECT_EQ(error_of(""), "expected the year as 4 digits at position 1, found the end of the text");
}

TEST(UtilRfc3339, ShortYear)
{
  EXPECT_EQ(error_of("24-09-03T00:00:00Z"),
            "expected the year as 4 digits at position 3, found '-'");
}

TEST(UtilRfc3339, WrongDateSeparator)
{
  EXPECT_EQ(error_of("2024/09/03T00:00:00Z"),
            "expected '-' after the year at position 5, found '/'");
  EXPECT_EQ(error_of("2024-09/03T00:00:00Z"),
            "expected '-' after the month at position 8, found '/'");
}

TEST(UtilRfc3339, SingleDigitMonth)
{
  EXPECT_EQ(error_of("2024-9-03T00:00:00Z"),
            "expected the month as 2 digits at position 7, found '-'");
}

TEST(UtilRfc3339, DateOnly)
{
  EXPECT_EQ(error_of("2024-09-03"),
            "expected 'T' between date and time at position 11, found the end of the text");
}

TEST(UtilRfc3339, WrongDateTimeSeparator)
{
  EXPECT_EQ(error_of("2024-09-03_00:00:00Z"),
            "expected 'T' between date and time at position 11, found '_'");
}

TEST(UtilRfc3339, MissingSeconds)
{
  EXPECT_EQ(error_of("2024-09-03T00:00Z"),
            "expected ':' after the minute at position 17, found 'Z'");
}

TEST(UtilRfc3339, WrongTimeSeparator)
{
  EXPECT_EQ(error_of("2024-09-03T00.00:00Z"),
            "expected ':' after the hour at position 14, found '.'");
}

TEST(UtilRfc3339, EmptyFraction)
{
  EXPECT_EQ(error_of("2024-09-03T00:00:00.Z"),
            "expected a digit after '.' at position 21, found 'Z'");
}

TEST(UtilRfc3339, OffsetWithoutColon)
{
  EXPECT_EQ(error_of("2024-09-03T00:00:00+0200"),
            "expected ':' in the time offset at position 23, found '0'");
}

TEST(UtilRfc3339, ShortOffset)
{
  EXPECT_EQ(error_of("2024-09-03T00:00:00+2"),
            "expected the offset hour as 2 digits at position 22, found the end of the text");
}

TEST(UtilRfc3339, UnknownZoneDesignator)
{
  EXPECT_EQ(error_of("2024-09-03T00:00:00 UTC"),
            "expected 'Z' or a +HH:MM / -HH:MM time offset at position 20, found ' '");
  EXPECT_EQ(error_of("2024-09-03T00:00:00\xc3\xa9"),
            "expected 'Z' or a +HH:MM / -HH:MM time offset at position 20, found '\\xc3'");
}

TEST(UtilRfc3339, TextAfterTheOffset)
{
  EXPECT_EQ(error_of("2024-09-03T00:00:00Zjunk"),
            "unexpected text \"junk\" after the time offset at position 21");
  EXPECT_EQ(error_of("2024-09-03T00:00:00+00:00\n"),
            "unexpected text \"\\n\" after the time offset at position 26");
}

// --- Errors: ranges ---

TEST(UtilRfc3339, MonthOutOfRange)
{
  EXPECT_EQ(error_of("2024-13-01T00:00:00Z"), "month 13 is out of range 01-12");
  EXPECT_EQ(error_of("2024-00-01T00:00:00Z"), "month 00 is out of range 01-12");
}

TEST(UtilRfc3339, DayDoesNotExist)
{
  EXPECT_EQ(error_of("2023-02-29T00:00:00Z"),
            "day 29 does not exist in February 2023 (it has 28 days)");
  EXPECT_EQ(error_of("1900-02-29T00:00:00Z"),
            "day 29 does not exist in February 1900 (it has 28 days)");
  EXPECT_EQ(error_of("2024-04-31T00:00:00Z"),
            "day 31 does not exist in April 2024 (it has 30 days)");
  EXPECT_EQ(error_of("2024-01-00T00:00:00Z"),
            "day 00 does not exist in January 2024 (it has 31 days)");
}

TEST(UtilRfc3339, TimeFieldsOutOfRange)
{
  EXPECT_EQ(error_of("2024-09-03T24:00:00Z"), "hour 24 is out of range 00-23");
  EXPECT_EQ(error_of("2024-09-03T00:60:00Z"), "minute 60 is out of range 00-59");
  EXPECT_EQ(error_of("2024-09-03T00:00:61Z"), "second 61 is out of range 00-60");
}

TEST(UtilRfc3339, OffsetOutOfRange)
{
  EXPECT_EQ(error_of("2024-09-03T00:00:00+24:00"), "time offset hour 24 is out of range 00-23");
  EXPECT_EQ(error_of("2024-09-03T00:00:00-01:60"), "time offset minute 60 is out of range 00-59");
}

TEST(UtilRfc3339, InstantOutsideFourDigitYears)
{
  EXPECT_EQ(error_of("0000-01-01T00:00:00+00:01"),
            "the instant lies outside the years 0000-9999 once converted to UTC");
  EXPECT_EQ(error_of("9999-12-31T23:59:59-00:01"),
            "the instant lies outside the years 0000-9999 once converted to UTC");
  EXPECT_EQ(error_of("9999-12-31T23:59:60Z"),
            "the instant lies outside the years 0000-9999 once converted to UTC");
}

// --- Valid input ---

TEST(UtilRfc3339, UtcInstants)
{
  EXPECT_EQ(epoch_of("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(epoch_of("2024-09-03T00:00:00Z"), 1725321600); // Google report, corpus filename
  EXPECT_EQ(epoch_of("2024-09-03T23:59:59Z"), 1725407999);
  EXPECT_EQ(epoch_of("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(epoch_of("2000-02-29T12:00:00Z"), 951825600);
  EXPECT_EQ(epoch_of("0000-01-01T00:00:00Z"), k_rfc3339_min_epoch);
  EXPECT_EQ(epoch_of("9999-12-31T23:59:59Z"), k_rfc3339_max_epoch);
}

TEST(UtilRfc3339, StrictFormSetsNoFlags)
{
  const auto parsed = parse_rfc3339("2024-09-03T00:00:00Z");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->missing_timezone);
  EXPECT_FALSE(parsed->space_separator);
  EXPECT_FALSE(parsed->lowercase_designators);
  EXPECT_EQ(parsed->offset_minutes, 0);
}

TEST(UtilRfc3339, OffsetsAreApplied)
{
  const auto east = parse_rfc3339("2024-09-03T02:00:00+02:00");
  ASSERT_TRUE(east);
  EXPECT_EQ(east->epoch_seconds, 1725321600);
  EXPECT_EQ(east->offset_minutes, 120);

  const auto west = parse_rfc3339("2024-09-02T18:30:00-05:30");
  ASSERT_TRUE(west);
  EXPECT_EQ(west->epoch_seconds, 1725321600);
  EXPECT_EQ(west->offset_minutes, -330);

  EXPECT_EQ(epoch_of("2024-09-03T00:00:00-00:00"), 1725321600);
  EXPECT_EQ(epoch_of("2024-09-03T00:00:00+00:00"), 1725321600);
}

TEST(UtilRfc3339, FractionIsTruncated)
{
  EXPECT_EQ(epoch_of("2024-09-03T00:00:00.999999999Z"), 1725321600);
  EXPECT_EQ(epoch_of("2024-09-03T00:00:00.5+00:00"), 1725321600);
  EXPECT_EQ(epoch_of("1969-12-31T23:59:59.9Z"), -1);
}

TEST(UtilRfc3339, LeapSecondIsTheNextMinute)
{
  EXPECT_EQ(epoch_of("2016-12-31T23:59:60Z"), epoch_of("2017-01-01T00:00:00Z"));
}

TEST(UtilRfc3339, MissingTimezoneIsUtc)
{
  const auto parsed = parse_rfc3339("2024-01-01T00:00:00");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->missing_timezone);
  EXPECT_EQ(parsed->epoch_seconds, 1704067200);

  const auto with_fraction = parse_rfc3339("2024-01-01T00:00:00.123");
  ASSERT_TRUE(with_fraction);
  EXPECT_TRUE(with_fraction->missing_timezone);
  EXPECT_EQ(with_fraction->epoch_seconds, 1704067200);
}

TEST(UtilRfc3339, SpaceSeparator)
{
  const auto parsed = parse_rfc3339("2024-01-01 00:00:00Z");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->space_separator);
  EXPECT_FALSE(parsed->lowercase_designators);
  EXPECT_EQ(parsed->epoch_seconds, 1704067200);
}

TEST(UtilRfc3339, LowercaseDesignators)
{
  const auto both = parse_rfc3339("2024-01-01t00:00:00z");
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->lowercase_designators);
  EXPECT_EQ(both->epoch_seconds, 1704067200);

  const auto zone_only = parse_rfc3339("2024-01-01T00:00:00z");
  ASSERT_TRUE(zone_only);
  EXPECT_TRUE(zone_only->lowercase_designators);
}

TEST(UtilRfc3339, FormatUtc)
{
  EXPECT_EQ(format_rfc3339_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339_utc(1725321600), "2024-09-03T00:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(1725407999), "2024-09-03T23:59:59Z");
  EXPECT_EQ(format_rfc3339_utc(951825600), "2000-02-29T12:00:00Z");
}

TEST(UtilRfc3339, FormatClampsToFourDigitYears)
{
  EXPECT_EQ(format_rfc3339_utc(std::numeric_limits<std::int64_t>::min()), "0000-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(std::numeric_limits<std::int64_t>::max()), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339_utc(k_rfc3339_min_epoch), "0000-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(k_rfc3339_max_epoch), "9999-12-31T23:59:59Z");
}

TEST(UtilRfc3339, FormatThenParseIsIdentity)
{
  // A stride that is not a multiple of a day or a minute visits every field value over the range.
  const std::int64_t stride = 86400 * 97 + 3661;
  for (std::int64_t epoch = k_rfc3339_min_epoch; epoch <= k_rfc3339_max_epoch; epoch += stride) {
    const std::string text = format_rfc3339_utc(epoch);
    const auto parsed = parse_rfc3339(text);
    ASSERT_TRUE(parsed) << text;
    ASSERT_EQ(parsed->epoch_seconds, epoch) << text;
  }
}

} // namespace
