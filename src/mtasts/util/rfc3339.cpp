#include <mtasts/util/rfc3339.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace mtasts::util {

namespace {

constexpr std::int64_t k_seconds_per_day = 86400;

// Walks the input left to right; every error names the 1-based position it stopped at.
class Scanner
{
public:
  explicit Scanner(std::string_view text) : m_text(text) {}

  bool at_end() const { return m_position >= m_text.size(); }
  std::optional<char> peek() const
  {
    return at_end() ? std::nullopt : std::optional<char>(m_text[m_position]);
  }
  void advance() { ++m_position; }
  std::size_t position() const { return m_position + 1; }

  // Reads exactly `count` ASCII digits.
  Expected<int, std::string> digits(std::size_t count, std::string_view what)
  {
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const auto c = peek();
      if (!c || !is_ascii_digit(*c)) {
        return Unexpected(fmt::format("expected the {} as {} digits at position {}, found {}", what,
                                      count, position(), found()));
      }
      value = value * 10 + (*c - '0');
      advance();
    }
    return value;
  }

  // Consumes `expected`; returns an error message when the cursor holds anything else.
  std::optional<std::string> literal(char expected, std::string_view context)
  {
    if (peek() != expected) {
      return fmt::format("expected '{}' {} at position {}, found {}", expected, context, position(),
                         found());
    }
    advance();
    return std::nullopt;
  }

  // Describes the character at the cursor for an error message.
  std::string found() const
  {
    if (at_end()) {
      return "the end of the text";
    }
    return fmt::format("'{}'", printable(m_text.substr(m_position, 1)));
  }

  std::string_view rest() const { return m_text.substr(std::min(m_position, m_text.size())); }

private:
  std::string_view m_text;
  std::size_t m_position = 0;
};

std::string_view month_name(unsigned month)
{
  static constexpr std::string_view k_names[] = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};
  return month >= 1 && month <= 12 ? k_names[month - 1] : "?";
}

} // namespace

Expected<Rfc3339Time, std::string> parse_rfc3339(std::string_view text)
{
  Rfc3339Time result;
  Scanner scanner(text);

  TRY_ASSIGN(year, scanner.digits(4, "year"));
  if (auto error = scanner.literal('-', "after the year")) {
    return Unexpected(std::move(*error));
  }
  TRY_ASSIGN(month, scanner.digits(2, "month"));
  if (auto error = scanner.literal('-', "after the month")) {
    return Unexpected(std::move(*error));
  }
  TRY_ASSIGN(day, scanner.digits(2, "day"));

  const auto separator = scanner.peek();
  if (separator == 't') {
    result.lowercase_designators = true;
  } else if (separator == ' ') {
    result.space_separator = true;
  } else if (separator != 'T') {
    return Unexpected(fmt::format("expected 'T' between date and time at position {}, found {}",
                                  scanner.position(), scanner.found()));
  }
  scanner.advance();

  TRY_ASSIGN(hour, scanner.digits(2, "hour"));
  if (auto error = scanner.literal(':', "after the hour")) {
    return Unexpected(std::move(*error));
  }
  TRY_ASSIGN(minute, scanner.digits(2, "minute"));
  if (auto error = scanner.literal(':', "after the minute")) {
    return Unexpected(std::move(*error));
  }
  TRY_ASSIGN(second, scanner.digits(2, "second"));

  if (scanner.peek() == '.') {
    scanner.advance();
    const auto first = scanner.peek();
    if (!first || !is_ascii_digit(*first)) {
      return Unexpected(fmt::format("expected a digit after '.' at position {}, found {}",
                                    scanner.position(), scanner.found()));
    }
    while (scanner.peek() && is_ascii_digit(*scanner.peek())) {
      scanner.advance();
    }
  }

  int offset_hour = 0;
  int offset_minute = 0;
  int offset_sign = 1;
  const char zone = scanner.peek().value_or('\0');
  if (scanner.at_end()) {
    result.missing_timezone = true;
  } else if (zone == 'Z' || zone == 'z') {
    result.lowercase_designators = result.lowercase_designators || zone == 'z';
    scanner.advance();
  } else if (zone == '+' || zone == '-') {
    offset_sign = zone == '-' ? -1 : 1;
    scanner.advance();
    TRY_ASSIGN(parsed_hour, scanner.digits(2, "offset hour"));
    if (auto error = scanner.literal(':', "in the time offset")) {
      return Unexpected(std::move(*error));
    }
    TRY_ASSIGN(parsed_minute, scanner.digits(2, "offset minute"));
    offset_hour = parsed_hour;
    offset_minute = parsed_minute;
  } else {
    return Unexpected(
        fmt::format("expected 'Z' or a +HH:MM / -HH:MM time offset at position {}, found {}",
                    scanner.position(), scanner.found()));
  }
  if (!scanner.at_end()) {
    return Unexpected(fmt::format("unexpected text \"{}\" after the time offset at position {}",
                                  printable(scanner.rest(), 20), scanner.position()));
  }

  const auto month_number = static_cast<unsigned>(month);
  if (month_number < 1 || month_number > 12) {
    return Unexpected(fmt::format("month {:02} is out of range 01-12", month));
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month_number},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) {
    const std::chrono::year_month_day_last last{std::chrono::year{year},
                                                std::chrono::month_day_last{date.month()}};
    return Unexpected(fmt::format("day {:02} does not exist in {} {:04} (it has {} days)", day,
                                  month_name(month_number), year,
                                  static_cast<unsigned>(last.day())));
  }
  if (hour > 23) {
    return Unexpected(fmt::format("hour {:02} is out of range 00-23", hour));
  }
  if (minute > 59) {
    return Unexpected(fmt::format("minute {:02} is out of range 00-59", minute));
  }
  if (second > 60) {
    return Unexpected(fmt::format("second {:02} is out of range 00-60", second));
  }
  if (offset_hour > 23) {
    return Unexpected(fmt::format("time offset hour {:02} is out of range 00-23", offset_hour));
  }
  if (offset_minute > 59) {
    return Unexpected(fmt::format("time offset minute {:02} is out of range 00-59", offset_minute));
  }

  result.offset_minutes = offset_sign * (offset_hour * 60 + offset_minute);
  const auto days =
      static_cast<std::int64_t>(std::chrono::sys_days{date}.time_since_epoch().count());
  const std::int64_t local = days * k_seconds_per_day + std::int64_t{hour} * 3600 +
                             std::int64_t{minute} * 60 + std::int64_t{second};
  const std::int64_t utc = local - std::int64_t{result.offset_minutes} * 60;
  if (utc < k_rfc3339_min_epoch || utc > k_rfc3339_max_epoch) {
    return Unexpected(
        std::string("the instant lies outside the years 0000-9999 once converted to UTC"));
  }
  result.epoch_seconds = utc;
  return result;
}

std::string format_rfc3339_utc(std::int64_t epoch_seconds)
{
  const auto clamped = std::clamp(epoch_seconds, k_rfc3339_min_epoch, k_rfc3339_max_epoch);
  const std::chrono::sys_seconds instant{std::chrono::seconds{clamped}};
  const auto day_start = std::chrono::floor<std::chrono::days>(instant);
  const std::chrono::year_month_day date{day_start};
  const std::chrono::hh_mm_ss time{instant - day_start};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

} // namespace mtasts::util
