#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/resolver/config.hpp>

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

namespace mtasts::resolver {

namespace {

using Error = util::Unexpected<std::string>;

std::string where(const std::string& path, const toml::node& node, std::string_view key)
{
  return fmt::format("{}:{}: {}", path, node.source().begin.line, key);
}

std::string where(const std::string& path, const toml::table& table, std::string_view key)
{
  if (const auto* node = table.get(key)) {
    return where(path, *node, key);
  }
  return fmt::format("{}: {}", path, key);
}

struct Reader
{
  const std::string& path;
  std::string error;

  bool fail(std::string message)
  {
    if (error.empty()) {
      error = std::move(message);
    }
    return false;
  }

  void check_keys(const toml::table& table, std::string_view section,
                  std::initializer_list<std::string_view> known)
  {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        fail(fmt::format("{}:{}: unknown key \"{}\" in [{}]", path, node.source().begin.line,
                         key.str(), section));
      }
    }
  }

  void string(const toml::table& table, std::string_view key, std::string& out)
  {
    if (const auto* node = table.get(key)) {
      if (const auto value = node->value<std::string>()) {
        out = *value;
      } else {
        fail(where(path, *node, key) + ": expected a string");
      }
    }
  }

  void boolean(const toml::table& table, std::string_view key, bool& out)
  {
    if (const auto* node = table.get(key)) {
      if (const auto value = node->value<bool>()) {
        out = *value;
      } else {
        fail(where(path, *node, key) + ": expected true or false");
      }
    }
  }

  template <typename Integer>
  void integer(const toml::table& table, std::string_view key, Integer& out, std::int64_t min,
               std::int64_t max)
  {
    if (const auto* node = table.get(key)) {
      const auto value = node->value<std::int64_t>();
      if (!value || *value < min || *value > max) {
        fail(fmt::format("{}: expected an integer from {} to {}", where(path, *node, key), min,
                         max));
        return;
      }
      out = static_cast<Integer>(*value);
    }
  }

  template <typename Duration>
  void duration(const toml::table& table, std::string_view key, Duration& out)
  {
    if (const auto* node = table.get(key)) {
      std::optional<std::chrono::milliseconds> value;
      if (const auto seconds = node->value<std::int64_t>(); seconds && *seconds >= 0) {
        value = std::chrono::seconds(*seconds);
      } else if (const auto text = node->value<std::string>()) {
        value = parse_duration(*text);
      }
      if (!value) {
        fail(where(path, *node, key) +
             ": expected a duration (seconds, or a number with ms, s, m, h or d)");
        return;
      }
      out = std::chrono::duration_cast<Duration>(*value);
    }
  }

  void strings(const toml::table& table, std::string_view key, std::vector<std::string>& out)
  {
    if (const auto* node = table.get(key)) {
      const auto* array = node->as_array();
      if (array == nullptr) {
        fail(where(path, *node, key) + ": expected an array of strings");
        return;
      }
      out.clear();
      for (const auto& element : *array) {
        if (const auto value = element.value<std::string>()) {
          out.push_back(*value);
        } else {
          fail(where(path, element, key) + ": expected an array of strings");
          return;
        }
      }
    }
  }

  void answer(const toml::table& table, std::string_view section, core::AnswerSettings& out)
  {
    check_keys(table, section,
               {"strict_testing", "on_fetch_failure", "dane", "servername", "tlsrpt_attributes"});
    boolean(table, "strict_testing", out.strict_testing);
    boolean(table, "servername", out.postfix.servername);
    boolean(table, "tlsrpt_attributes", out.postfix.tlsrpt_attributes);
    std::string text;
    string(table, "on_fetch_failure", text);
    if (text == "temp") {
      out.on_failure = core::FailureAnswer::temp;
    } else if (text == "notfound") {
      out.on_failure = core::FailureAnswer::notfound;
    } else if (!text.empty()) {
      fail(where(path, table, "on_fetch_failure") + ": expected \"notfound\" or \"temp\"");
    }
    text.clear();
    string(table, "dane", text);
    if (text == "dane-only") {
      out.dane = core::DaneAnswer::dane_only;
    } else if (text == "notfound") {
      out.dane = core::DaneAnswer::notfound;
    } else if (!text.empty()) {
      fail(where(path, table, "dane") + ": expected \"dane-only\" or \"notfound\"");
    }
  }
};

std::string_view failure_name(core::FailureAnswer answer)
{
  return answer == core::FailureAnswer::temp ? "temp" : "notfound";
}

std::string_view dane_name(core::DaneAnswer answer)
{
  return answer == core::DaneAnswer::dane_only ? "dane-only" : "notfound";
}

std::string describe_answer(const core::AnswerSettings& s)
{
  return fmt::format("strict_testing={} on_fetch_failure={} dane={} servername={} "
                     "tlsrpt_attributes={}",
                     s.strict_testing, failure_name(s.on_failure), dane_name(s.dane),
                     s.postfix.servername, s.postfix.tlsrpt_attributes);
}

} // namespace

const core::AnswerSettings& ResolverConfig::answer_settings(std::string_view map_name) const
{
  const auto zone = zones.find(map_name);
  return zone == zones.end() ? default_answer : zone->second;
}

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

util::Expected<ResolverConfig, std::string> load_resolver_config(const std::string& path,
                                                                 bool must_exist)
{
  ResolverConfig config;
  std::error_code ignored;
  if (!must_exist && !std::filesystem::exists(path, ignored)) {
    return config;
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return Error(fmt::format("{}:{}:{}: {}", path, begin.line, begin.column, e.description()));
  }
  Reader read{path, {}};
  read.check_keys(root, "top level",
                  {"dns", "tls", "resolver", "check", "serve", "reporter", "store", "metrics"});
  if (const auto* dns = root["dns"].as_table()) {
    read.check_keys(*dns, "dns", {"servers", "trust_anchor", "timeout"});
    read.strings(*dns, "servers", config.dns_servers);
    read.string(*dns, "trust_anchor", config.trust_anchor);
    read.duration(*dns, "timeout", config.dns_timeout);
  }
  if (const auto* tls = root["tls"].as_table()) {
    read.check_keys(*tls, "tls", {"ca_file"});
    read.string(*tls, "ca_file", config.ca_file);
  }
  if (const auto* r = root["resolver"].as_table()) {
    // (kept bin-packed by hand: clang-format would put each key on its own line)
    // clang-format off
    read.check_keys(*r, "resolver",
                    {"listen", "socket_owner", "socket_group", "socket_mode", "cache",
                     "admin_listen", "log_level", "fetch_timeout", "idle_timeout",
                     "max_connections", "max_domains", "refresh_interval", "fetch_backoff",
                     "negative_ttl_max", "dane_lookups", "observe_testing", "observe_interval",
                     "observe_helo", "answer", "zones"});
    // clang-format on
    read.strings(*r, "listen", config.listen);
    read.string(*r, "socket_owner", config.socket_owner);
    read.string(*r, "socket_group", config.socket_group);
    std::string mode;
    read.string(*r, "socket_mode", mode);
    if (!mode.empty()) {
      unsigned value = 0;
      const auto [end, error] = std::from_chars(mode.data(), mode.data() + mode.size(), value, 8);
      if (error != std::errc{} || end != mode.data() + mode.size() || value > 0777) {
        read.fail(where(path, *r, "socket_mode") + ": expected an octal mode such as \"0660\"");
      }
      config.socket_mode = value;
    }
    read.string(*r, "cache", config.cache);
    read.string(*r, "admin_listen", config.admin_listen);
    read.string(*r, "log_level", config.log_level);
    static const std::set<std::string, std::less<>> levels{"error", "warn",  "info",
                                                           "debug", "trace", "off"};
    if (!levels.contains(config.log_level)) {
      read.fail(where(path, *r, "log_level") +
                ": expected one of error, warn, info, debug, trace, off");
    }
    read.duration(*r, "fetch_timeout", config.fetch_timeout);
    read.duration(*r, "idle_timeout", config.idle_timeout);
    read.integer(*r, "max_connections", config.max_connections, 1, 1000000);
    read.integer(*r, "max_domains", config.max_domains, 1, 100000000);
    read.duration(*r, "refresh_interval", config.engine.refresh_interval);
    read.duration(*r, "fetch_backoff", config.engine.fetch_backoff);
    read.duration(*r, "negative_ttl_max", config.engine.max_discovery_ttl);
    read.boolean(*r, "dane_lookups", config.dane_lookups);
    read.boolean(*r, "observe_testing", config.observe_testing);
    read.duration(*r, "observe_interval", config.observe_interval);
    if (config.observe_interval < std::chrono::minutes(1)) {
      read.fail(where(path, *r, "observe_interval") + ": expected at least 1 minute");
    }
    read.string(*r, "observe_helo", config.observe_helo);
    // RFC 5321 §4.1.1.1: EHLO takes a Domain (LDH labels), the syntax of an `mx:` host name.
    const auto helo = core::parse_mx_pattern(config.observe_helo);
    if (!config.observe_helo.empty() && (!helo || helo->is_wildcard())) {
      read.fail(where(path, *r, "observe_helo") + ": expected a host name");
    }
    if (const auto* answer = (*r)["answer"].as_table()) {
      read.answer(*answer, "resolver.answer", config.default_answer);
    }
    if (const auto* zones = (*r)["zones"].as_table()) {
      for (const auto& [name, node] : *zones) {
        auto settings = config.default_answer;
        if (const auto* table = node.as_table()) {
          read.answer(*table, "resolver.zones." + std::string(name.str()), settings);
        } else {
          read.fail(where(path, node, name.str()) + ": expected a table");
        }
        config.zones.emplace(std::string(name.str()), settings);
      }
    }
  }
  if (!read.error.empty()) {
    return Error(read.error);
  }
  return config;
}

std::string describe(const ResolverConfig& c)
{
  std::string out;
  auto add = std::back_inserter(out);
  fmt::format_to(add, "listen: {}\n", fmt::join(c.listen, ", "));
  fmt::format_to(add, "admin (metrics, query, flush): {}\n",
                 c.admin_listen.empty() ? "off" : c.admin_listen);
  fmt::format_to(add, "cache: {}\n", c.cache);
  fmt::format_to(add, "dns: {} (timeout {} ms, trust anchor {})\n",
                 c.dns_servers.empty() ? "system resolver"
                                       : fmt::format("{}", fmt::join(c.dns_servers, ", ")),
                 c.dns_timeout.count(), c.trust_anchor.empty() ? "default" : c.trust_anchor);
  fmt::format_to(add, "tls trust: {}\n", c.ca_file.empty() ? "system store" : c.ca_file);
  fmt::format_to(add,
                 "fetch timeout {} ms, refresh every {} s, backoff {} s, negative TTL <= {} s\n",
                 c.fetch_timeout.count(), c.engine.refresh_interval.count(),
                 c.engine.fetch_backoff.count(), c.engine.max_discovery_ttl.count());
  fmt::format_to(add, "testing policies observed as under enforce: {}\n",
                 c.observe_testing ? fmt::format("every {} s", c.observe_interval.count())
                                   : std::string("off"));
  fmt::format_to(add, "default answers: {}\n", describe_answer(c.default_answer));
  for (const auto& [name, settings] : c.zones) {
    fmt::format_to(add, "zone {}: {}\n", name, describe_answer(settings));
  }
  return out;
}

} // namespace mtasts::resolver
