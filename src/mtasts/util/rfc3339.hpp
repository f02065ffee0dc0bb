// RFC 3339 date-time parsing and UTC formatting, as used by TLSRPT reports (RFC 8460 §4.4,
// `start-datetime` / `end-datetime`). Pure: no clock, no locale, no time-zone database.
#pragma once

#include <mtasts/util/expected.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace mtasts::util {

// The earliest and latest instants that parse_rfc3339 accepts and format_rfc3339_utc writes:
// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
inline constexpr std::int64_t k_rfc3339_min_epoch = -62167219200;
inline constexpr std::int64_t k_rfc3339_max_epoch = 253402300799;

// A parsed date-time. The flags record tolerated deviations from the RFC 3339 §5.6 grammar so a
// caller can warn about them; none of them changes `epoch_seconds`.
struct Rfc3339Time
{
  // Seconds since 1970-01-01T00:00:00Z with the time-offset applied and any fraction truncated.
  std::int64_t epoch_seconds = 0;
  // The time-offset as written, in minutes east of UTC (`Z`, `+00:00` and `-00:00` are 0; a
  // missing offset is 0 too).
  std::int32_t offset_minutes = 0;
  // No time-offset at all (`2024-01-01T00:00:00`, seen from Microsoft); UTC was assumed.
  bool missing_timezone = false;
  // A space instead of `T` between date and time (RFC 3339 §5.6 NOTE allows it "for readability"
  // but the ABNF does not).
  bool space_separator = false;
  // Lower-case `t` or `z` (RFC 3339 §5.6 NOTE: allowed, upper case preferred).
  bool lowercase_designators = false;

  bool operator==(const Rfc3339Time&) const = default;
};

// Parses an RFC 3339 §5.6 `date-time`:
//   YYYY-MM-DD ("T" / "t" / " ") HH:MM:SS ["." 1*DIGIT] ["Z" / "z" / ("+" / "-") HH:MM]
// Every numeric field has exactly the digits shown. Accepted deviations set the flags above.
// Returns an error string, naming the 1-based character position where useful, when:
//   - a character is not what the grammar expects (wrong separator, non-digit, missing field),
//   - text follows the time-offset,
//   - the month is not 01-12, the day does not exist in that month (leap years per the
//     Gregorian calendar), the hour exceeds 23, the minute 59 or the second 60,
//   - the offset hour exceeds 23 or the offset minute 59,
//   - the instant, converted to UTC, lies outside 0000-01-01T00:00:00Z..9999-12-31T23:59:59Z.
// A leap second (:60) is counted as the first second of the following minute, as POSIX time
// does not number leap seconds.
Expected<Rfc3339Time, std::string> parse_rfc3339(std::string_view text);

// Formats an instant as `YYYY-MM-DDTHH:MM:SSZ`. Instants outside the range above are clamped to
// its ends, so the output always parses back with parse_rfc3339.
std::string format_rfc3339_utc(std::int64_t epoch_seconds);

} // namespace mtasts::util
