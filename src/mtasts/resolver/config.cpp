#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/resolver/config.hpp>
#include <mtasts/server/config_reader.hpp>
#include <mtasts/server/logging.hpp>

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>

namespace mtasts::resolver {

using server::duration_text;
using server::string_array;

namespace {

constexpr std::chrono::seconds k_min_negative_ttl{60};

struct Reader : server::ConfigReader
{
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
      fail(*table.get("on_fetch_failure"), "on_fetch_failure", "expected \"notfound\" or \"temp\"");
    }
    text.clear();
    string(table, "dane", text);
    if (text == "dane-only") {
      out.dane = core::DaneAnswer::dane_only;
    } else if (text == "notfound") {
      out.dane = core::DaneAnswer::notfound;
    } else if (!text.empty()) {
      fail(*table.get("dane"), "dane", "expected \"dane-only\" or \"notfound\"");
    }
  }

  void resolver(const toml::table& r, ResolverConfig& config)
  {
    // (kept bin-packed by hand: clang-format would put each key on its own line)
    // clang-format off
    check_keys(r, "resolver",
               {"listen", "socket_owner", "socket_group", "socket_mode", "cache",
                "admin_listen", "admin_token_file", "log_level", "fetch_timeout", "idle_timeout",
                "max_connections", "max_domains", "refresh_interval", "fetch_backoff",
                "negative_ttl_max", "dane_lookups", "observe_testing", "observe_interval",
                "observe_helo", "answer", "zones"});
    // clang-format on
    strings(r, "listen", config.listen);
    if (const auto* node = r.get("listen"); node != nullptr && config.listen.empty()) {
      fail(*node, "listen", "at least one listener is needed");
    }
    string(r, "socket_owner", config.socket_owner);
    string(r, "socket_group", config.socket_group);
    std::string mode;
    string(r, "socket_mode", mode);
    if (!mode.empty()) {
      unsigned value = 0;
      const auto [end, error] = std::from_chars(mode.data(), mode.data() + mode.size(), value, 8);
      if (error != std::errc{} || end != mode.data() + mode.size() || value > 0777) {
        fail(*r.get("socket_mode"), "socket_mode", "expected an octal mode such as \"0660\"");
      }
      config.socket_mode = value;
    }
    string(r, "cache", config.cache);
    string(r, "admin_listen", config.admin_listen);
    string(r, "admin_token_file", config.admin_token_file);
    string(r, "log_level", config.log_level);
    if (!server::is_log_level(config.log_level)) {
      fail(*r.get("log_level"), "log_level",
           "expected one of error, warn, info, debug, trace, off");
    }
    duration(r, "fetch_timeout", config.fetch_timeout);
    duration(r, "idle_timeout", config.idle_timeout);
    integer(r, "max_connections", config.max_connections, 1, 1000000);
    integer(r, "max_domains", config.max_domains, 1, 100000000);
    duration(r, "refresh_interval", config.engine.refresh_interval);
    duration(r, "fetch_backoff", config.engine.fetch_backoff);
    duration(r, "negative_ttl_max", config.engine.max_discovery_ttl, k_min_negative_ttl);
    boolean(r, "dane_lookups", config.dane_lookups);
    boolean(r, "observe_testing", config.observe_testing);
    duration(r, "observe_interval", config.observe_interval, std::chrono::minutes(1));
    string(r, "observe_helo", config.observe_helo);
    // RFC 5321 §4.1.1.1: EHLO takes a Domain (LDH labels), the syntax of an `mx:` host name.
    const auto helo = core::parse_mx_pattern(config.observe_helo);
    if (!config.observe_helo.empty() && (!helo || helo->is_wildcard())) {
      fail(*r.get("observe_helo"), "observe_helo", "expected a host name");
    }
    if (const auto* answer_table = table(r, "answer")) {
      answer(*answer_table, "resolver.answer", config.default_answer);
    }
    if (const auto* zones = table(r, "zones")) {
      for (const auto& [name, node] : *zones) {
        auto settings = config.default_answer;
        if (const auto* zone = node.as_table()) {
          answer(*zone, "resolver.zones." + std::string(name.str()), settings);
        } else {
          fail(node, name.str(), "expected a table");
        }
        config.zones.emplace(std::string(name.str()), settings);
      }
    }
  }
};

std::string_view failure_name(core::FailureAnswer answer)
{
  return answer == core::FailureAnswer::temp ? "temp" : "notfound";
}

std::string_view dane_answer_name(core::DaneAnswer answer)
{
  return answer == core::DaneAnswer::dane_only ? "dane-only" : "notfound";
}

toml::table answer_table(const core::AnswerSettings& s)
{
  return toml::table{{"strict_testing", s.strict_testing},
                     {"on_fetch_failure", std::string(failure_name(s.on_failure))},
                     {"dane", std::string(dane_answer_name(s.dane))},
                     {"servername", s.postfix.servername},
                     {"tlsrpt_attributes", s.postfix.tlsrpt_attributes}};
}

} // namespace

const core::AnswerSettings& ResolverConfig::answer_settings(std::string_view map_name) const
{
  const auto zone = zones.find(map_name);
  return zone == zones.end() ? default_answer : zone->second;
}

util::Expected<ResolverConfig, std::string> load_resolver_config(const std::string& path,
                                                                 bool must_exist)
{
  ResolverConfig config;
  std::error_code ignored;
  if (!must_exist && !std::filesystem::exists(path, ignored)) {
    return config;
  }
  auto parsed = server::parse_toml_file(path);
  if (!parsed) {
    return util::Unexpected(parsed.error());
  }
  const toml::table& root = *parsed;
  Reader read{{path, {}}};
  // The tables of the other jobs are theirs to check (mtasts serve --check-config).
  read.check_keys(
      root, "",
      {"dns", "tls", "resolver", "serve", "acme", "dns_update", "hosting", "admin", "domain"});
  if (const auto* dns = read.table(root, "dns")) {
    read.check_keys(*dns, "dns", {"servers", "trust_anchor", "dnssec", "timeout"});
    read.strings(*dns, "servers", config.dns_servers);
    read.string(*dns, "trust_anchor", config.trust_anchor);
    read.boolean(*dns, "dnssec", config.dnssec);
    read.duration(*dns, "timeout", config.dns_timeout);
  }
  if (const auto* tls = read.table(root, "tls")) {
    read.check_keys(*tls, "tls", {"ca_file"});
    read.string(*tls, "ca_file", config.ca_file);
  }
  if (const auto* resolver = read.table(root, "resolver")) {
    read.resolver(*resolver, config);
  }
  if (!read.errors.empty()) {
    return util::Unexpected(fmt::format("{}", fmt::join(read.errors, "\n")));
  }
  return config;
}

std::vector<std::string> check_resolver_values(const ResolverConfig& config)
{
  std::vector<std::string> errors;
  if (!server::is_log_level(config.log_level)) {
    errors.push_back(fmt::format("log_level \"{}\": expected one of error, warn, info, debug, "
                                 "trace, off",
                                 config.log_level));
  }
  if (config.listen.empty()) {
    errors.emplace_back("listen: at least one listener is needed");
  }
  return errors;
}

std::string to_toml(const ResolverConfig& c)
{
  toml::table zones;
  for (const auto& [name, settings] : c.zones) {
    zones.insert(name, answer_table(settings));
  }
  toml::table resolver{
      {"listen", string_array(c.listen)},
      {"socket_owner", c.socket_owner},
      {"socket_group", c.socket_group},
      {"socket_mode", fmt::format("0{:o}", c.socket_mode)},
      {"cache", c.cache},
      {"admin_listen", c.admin_listen},
      {"admin_token_file", c.admin_token_file},
      {"log_level", c.log_level},
      {"fetch_timeout", duration_text(c.fetch_timeout)},
      {"idle_timeout", duration_text(c.idle_timeout)},
      {"max_connections", static_cast<std::int64_t>(c.max_connections)},
      {"max_domains", static_cast<std::int64_t>(c.max_domains)},
      {"refresh_interval", duration_text(c.engine.refresh_interval)},
      {"fetch_backoff", duration_text(c.engine.fetch_backoff)},
      {"negative_ttl_max", duration_text(c.engine.max_discovery_ttl)},
      {"dane_lookups", c.dane_lookups},
      {"observe_testing", c.observe_testing},
      {"observe_interval", duration_text(c.observe_interval)},
      {"observe_helo", c.observe_helo},
      {"answer", answer_table(c.default_answer)},
  };
  if (!zones.empty()) {
    resolver.insert("zones", std::move(zones));
  }
  const toml::table root{
      {"dns", toml::table{{"servers", string_array(c.dns_servers)},
                          {"trust_anchor", c.trust_anchor},
                          {"dnssec", c.dnssec},
                          {"timeout", duration_text(c.dns_timeout)}}},
      {"tls", toml::table{{"ca_file", c.ca_file}}},
      {"resolver", std::move(resolver)},
  };
  std::ostringstream out;
  out << root << '\n';
  return out.str();
}

} // namespace mtasts::resolver
