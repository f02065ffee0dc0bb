// "Did you mean ...?" for unknown commands and options, and decimal number arguments: the
// command-line front end's shared helpers (pure).
#pragma once

#include <mtasts/util/expected.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mtasts::cli {

// The candidate closest to `word` by edit distance (insertions, deletions, substitutions and
// adjacent transpositions), or one that `word` is a prefix of; nullopt when none is close
// enough to be a likely typo (distance at most 2, and less than half the word).
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates);

// "unknown command 'polcy'; did you mean 'policy'?", or with `context` "unknown option '--jsn'
// for 'mtasts policy lint'; did you mean '--json'?" (the suggestion only when one is close).
std::string unknown_message(std::string_view kind, std::string_view word,
                            std::span<const std::string> candidates, std::string_view context = {});

// A non-negative decimal integer from `min` to `max` (digits only: no sign, no "0x", no
// exponent; leading zeros are decimal). Errors say what is wrong, e.g. "'0x10' is not a
// decimal number", "40000000 is out of range (0 to 31557600)".
util::Expected<std::uint64_t, std::string>
parse_decimal_argument(std::string_view text, std::uint64_t min, std::uint64_t max);

// A decimal number of seconds with an optional fraction ("2", "0.5"), from `min` to `max`.
util::Expected<double, std::string> parse_seconds_argument(std::string_view text, double min,
                                                           double max);

} // namespace mtasts::cli
