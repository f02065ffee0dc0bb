#include <mtasts/cli/suggest.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace mtasts::cli {

namespace {

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits).
std::size_t edit_distance(std::string_view a, std::string_view b)
{
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

} // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates)
{
  if (word.empty()) {
    return std::nullopt;
  }
  std::optional<std::string> best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    const std::size_t distance = candidate.starts_with(word) ? 1 : edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, word.size() / 2));
  if (!best || best_distance > limit) {
    return std::nullopt;
  }
  return best;
}

std::string unknown_message(std::string_view kind, std::string_view word,
                            std::span<const std::string> candidates, std::string_view context)
{
  std::string message = fmt::format("unknown {} '{}'", kind, word);
  if (!context.empty()) {
    message += fmt::format(" for '{}'", context);
  }
  if (const auto match = closest_match(word, candidates)) {
    message += fmt::format("; did you mean '{}'?", *match);
  }
  return message;
}

util::Expected<std::uint64_t, std::string>
parse_decimal_argument(std::string_view text, std::uint64_t min, std::uint64_t max)
{
  const auto value = util::parse_decimal(text, 20);
  if (!value) {
    return util::Unexpected(fmt::format("'{}' is not a decimal number", util::printable(text)));
  }
  if (*value < min || *value > max) {
    return util::Unexpected(fmt::format("{} is out of range ({} to {})", text, min, max));
  }
  return *value;
}

util::Expected<double, std::string> parse_seconds_argument(std::string_view text, double min,
                                                           double max)
{
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const bool digits =
      !whole.empty() && std::ranges::all_of(whole, util::is_ascii_digit) && whole.size() <= 9 &&
      (dot == std::string_view::npos || (!fraction.empty() && fraction.size() <= 6 &&
                                         std::ranges::all_of(fraction, util::is_ascii_digit)));
  if (!digits) {
    return util::Unexpected(
        fmt::format("'{}' is not a decimal number of seconds", util::printable(text)));
  }
  double value = static_cast<double>(*util::parse_decimal(whole, 9));
  double scale = 0.1;
  for (const char c : fraction) {
    value += (c - '0') * scale;
    scale /= 10;
  }
  if (value < min || value > max) {
    return util::Unexpected(fmt::format("{} is out of range ({} to {})", text, min, max));
  }
  return value;
}

} // namespace mtasts::cli
