#include <mtasts/server/config_reader.hpp>

#include <charconv>
#include <utility>

namespace mtasts::server {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text)
{
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc{} || end == text.data() || number > 100U * 365 * 86400 * 1000) {
    return std::nullopt;
  }
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  const auto n = static_cast<std::int64_t>(number);
  if (unit == "ms") {
    return std::chrono::milliseconds(n);
  }
  if (unit == "s" || unit.empty()) {
    return std::chrono::seconds(n);
  }
  if (unit == "m") {
    return std::chrono::minutes(n);
  }
  if (unit == "h") {
    return std::chrono::hours(n);
  }
  if (unit == "d") {
    return std::chrono::hours(24 * n);
  }
  return std::nullopt;
}

// The largest unit that divides the duration: "1d", "90s", "500ms".
std::string duration_text(std::chrono::milliseconds value)
{
  const auto ms = value.count();
  for (const auto& [unit, size] : {std::pair{"d", 86400000LL}, std::pair{"h", 3600000LL},
                                   std::pair{"m", 60000LL}, std::pair{"s", 1000LL}}) {
    if (ms != 0 && ms % size == 0) {
      return fmt::format("{}{}", ms / size, unit);
    }
  }
  return fmt::format("{}ms", ms);
}

util::Expected<toml::table, std::string> parse_toml_file(const std::string& path)
{
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return util::Unexpected(
        fmt::format("{}:{}:{}: {}", path, begin.line, begin.column, e.description()));
  }
}

toml::array string_array(const std::vector<std::string>& values)
{
  toml::array array;
  for (const auto& value : values) {
    array.push_back(value);
  }
  return array;
}

} // namespace mtasts::server
