// Reading a daemon's TOML configuration (DESIGN.md: one file, a section per job plus the shared
// [dns] and [tls]): typed getters that collect every problem of the file, one per line, each
// with file:line, instead of stopping at the first. Shared by `resolver` and `serve`.
#pragma once

#include <mtasts/util/expected.hpp>

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::server {

// "30s" -> 30 s etc.: an integer (seconds) with an optional unit ms, s, m, h or d; nullopt when
// malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest text parse_duration() reads back to `value` ("90s", "5m", "1d", "250ms").
std::string duration_text(std::chrono::milliseconds value);

// Parses `path`; the error is "<path>:<line>:<column>: <what>".
util::Expected<toml::table, std::string> parse_toml_file(const std::string& path);

// An array of strings as a TOML value (for --check-config output).
toml::array string_array(const std::vector<std::string>& values);

struct ConfigReader
{
  std::string path;
  std::vector<std::string> errors;

  std::string where(const toml::node& node, std::string_view key) const
  {
    return fmt::format("{}:{}: {}", path, node.source().begin.line, key);
  }

  void fail(const toml::node& node, std::string_view key, std::string_view message)
  {
    errors.push_back(fmt::format("{}: {}", where(node, key), message));
  }

  // Every key of `table` must be in `known`: tables among them are checked by their readers.
  void check_keys(const toml::table& table, std::string_view section,
                  std::initializer_list<std::string_view> known)
  {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) {
        continue;
      }
      const bool is_table = node.is_table();
      errors.push_back(fmt::format(
          "{}:{}: unknown {} {}{}", path, node.source().begin.line, is_table ? "table" : "key",
          is_table
              ? fmt::format("[{}{}]", section.empty() ? "" : std::string(section) + ".", key.str())
              : fmt::format("\"{}\"", key.str()),
          section.empty() || is_table ? std::string() : fmt::format(" in [{}]", section)));
    }
  }

  const toml::table* table(const toml::table& parent, std::string_view key)
  {
    const auto* node = parent.get(key);
    if (node == nullptr) {
      return nullptr;
    }
    if (const auto* t = node->as_table()) {
      return t;
    }
    fail(*node, key, "expected a table");
    return nullptr;
  }

  void string(const toml::table& table, std::string_view key, std::string& out)
  {
    if (const auto* node = table.get(key)) {
      if (const auto value = node->value<std::string>()) {
        out = *value;
      } else {
        fail(*node, key, "expected a string");
      }
    }
  }

  void boolean(const toml::table& table, std::string_view key, bool& out)
  {
    if (const auto* node = table.get(key)) {
      if (const auto value = node->value<bool>()) {
        out = *value;
      } else {
        fail(*node, key, "expected true or false");
      }
    }
  }

  template <typename Integer>
  void integer(const toml::table& table, std::string_view key, Integer& out, std::int64_t min,
               std::int64_t max)
  {
    if (const auto* node = table.get(key)) {
      const auto value = node->is_integer() ? node->value<std::int64_t>() : std::nullopt;
      if (!value || *value < min || *value > max) {
        fail(*node, key, fmt::format("expected an integer from {} to {}", min, max));
        return;
      }
      out = static_cast<Integer>(*value);
    }
  }

  // A duration more than `min` (zero breaks every duration this daemon has).
  template <typename Duration>
  void duration(const toml::table& table, std::string_view key, Duration& out,
                std::chrono::milliseconds min = std::chrono::milliseconds(1))
  {
    const auto* node = table.get(key);
    if (node == nullptr) {
      return;
    }
    std::optional<std::chrono::milliseconds> value;
    if (node->is_integer()) {
      if (const auto seconds = node->value<std::int64_t>(); seconds && *seconds >= 0) {
        value = std::chrono::seconds(*seconds);
      }
    } else if (const auto text = node->value<std::string>()) {
      value = parse_duration(*text);
    }
    if (!value) {
      fail(*node, key, "expected a duration (seconds, or a number with ms, s, m, h or d)");
      return;
    }
    if (*value < min) {
      const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(min).count();
      fail(*node, key,
           min == std::chrono::milliseconds(1) ? std::string("must be more than zero")
           : min % std::chrono::minutes(1) == std::chrono::milliseconds(0)
               ? fmt::format("expected at least {} minute{}", minutes, minutes == 1 ? "" : "s")
               : fmt::format("expected at least {} s",
                             std::chrono::duration_cast<std::chrono::seconds>(min).count()));
      return;
    }
    if (std::chrono::duration_cast<Duration>(*value) == Duration::zero()) {
      fail(*node, key, "must be at least one second");
      return;
    }
    out = std::chrono::duration_cast<Duration>(*value);
  }

  void strings(const toml::table& table, std::string_view key, std::vector<std::string>& out)
  {
    if (const auto* node = table.get(key)) {
      const auto* array = node->as_array();
      if (array == nullptr) {
        fail(*node, key, "expected an array of strings");
        return;
      }
      out.clear();
      for (const auto& element : *array) {
        if (const auto value = element.value<std::string>()) {
          out.push_back(*value);
        } else {
          fail(element, key, "expected an array of strings");
          return;
        }
      }
    }
  }
};

} // namespace mtasts::server
