#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/serve/config.hpp>
#include <mtasts/server/config_reader.hpp>
#include <mtasts/server/listener.hpp>
#include <mtasts/server/logging.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <set>

namespace mtasts::serve {

namespace {

struct Reader : server::ConfigReader
{
  int line_of(const toml::table& table, std::string_view key)
  {
    const auto* node = table.get(key);
    return node == nullptr ? static_cast<int>(table.source().begin.line)
                           : static_cast<int>(node->source().begin.line);
  }
  void fail_at(int line, std::string_view what)
  {
    errors.push_back(fmt::format("{}:{}: {}", path, line, what));
  }

  void listen_list(const toml::table& table, std::string_view key, std::vector<std::string>& out)
  {
    strings(table, key, out);
    for (const auto& text : out) {
      const auto address = server::parse_listen_address(text);
      if (!address) {
        fail(*table.get(key), key, address.error());
      } else if (address->is_unix()) {
        fail(*table.get(key), key, fmt::format("\"{}\": expected IP:PORT or [IPv6]:PORT", text));
      }
    }
  }

  void serve(const toml::table& s, ServeConfig& config)
  {
    // clang-format off
    check_keys(s, "serve",
               {"https_listen", "http_listen", "state_dir", "store", "public_addresses",
                "log_level", "max_connections", "max_connections_per_client", "header_timeout",
                "idle_timeout", "cache_max_age"});
    // clang-format on
    listen_list(s, "https_listen", config.https_listen);
    if (const auto* node = s.get("https_listen"); node != nullptr && config.https_listen.empty()) {
      fail(*node, "https_listen", "at least one HTTPS listener is needed");
    }
    listen_list(s, "http_listen", config.http_listen);
    string(s, "state_dir", config.state_dir);
    if (config.state_dir.empty() || config.state_dir.front() != '/') {
      fail_at(line_of(s, "state_dir"), "state_dir: expected an absolute path");
    }
    string(s, "store", config.store);
    if (!config.store.empty() && !config.store.starts_with("sqlite://")) {
      fail(*s.get("store"), "store",
           "expected sqlite:///PATH (PostgreSQL replicas are not in this version)");
    }
    strings(s, "public_addresses", config.public_addresses);
    for (const auto& text : config.public_addresses) {
      boost::system::error_code ec;
      const auto address = net::asio::ip::make_address(text, ec);
      if (ec || address.is_unspecified()) {
        fail(*s.get("public_addresses"), "public_addresses",
             fmt::format("\"{}\" is not an IPv4 or IPv6 address", text));
      }
    }
    string(s, "log_level", config.log_level);
    if (!server::is_log_level(config.log_level)) {
      fail(*s.get("log_level"), "log_level",
           "expected one of error, warn, info, debug, trace, off");
    }
    integer(s, "max_connections", config.max_connections, 1, 1000000);
    integer(s, "max_connections_per_client", config.max_connections_per_client, 1, 1000000);
    duration(s, "header_timeout", config.header_timeout);
    duration(s, "idle_timeout", config.idle_timeout);
    duration(s, "cache_max_age", config.cache_max_age);
    if (config.cache_max_age > std::chrono::hours(1)) {
      fail(*s.get("cache_max_age"), "cache_max_age", "expected at most one hour");
    }
  }

  void domain(const toml::table& d, ServeConfig& config, std::set<std::string>& names)
  {
    check_keys(d, "domain", {"name", "mode", "mx", "max_age", "rua", "certificate", "key"});
    const int table_line = static_cast<int>(d.source().begin.line);
    DomainSettings settings;
    string(d, "name", settings.name);
    if (settings.name.empty()) {
      fail_at(table_line, "[[domain]]: name is required");
      return;
    }
    string(d, "mode", settings.mode);
    strings(d, "mx", settings.mx);
    integer(d, "max_age", settings.max_age, 0, core::k_max_age_limit);
    strings(d, "rua", settings.rua);
    string(d, "certificate", settings.certificate);
    string(d, "key", settings.key);
    // Duplicates are found by name even when a table has other problems.
    if (auto normalized = core::normalize_host(settings.name);
        normalized && !names.insert(*normalized).second) {
      fail_at(line_of(d, "name"), fmt::format("name: \"{}\" is configured twice", *normalized));
    }
    auto domain = make_domain(settings);
    if (!domain) {
      for (const auto& error : domain.error()) {
        const int line =
            error.field == "name" || error.field == "rua" ? line_of(d, error.field) : table_line;
        fail_at(line, error.field == "name"
                          ? error.message
                          : fmt::format("[[domain]] {}: {}", settings.name, error.message));
      }
      return;
    }
    domain->line = table_line;
    config.domains.push_back(std::move(*domain));
  }

  static constexpr auto npos = std::string::npos;
};

} // namespace

util::Expected<DomainConfig, std::vector<FieldError>> make_domain(const DomainSettings& settings)
{
  std::vector<FieldError> errors;
  DomainConfig domain;
  auto normalized = core::normalize_host(settings.name);
  const auto as_name = normalized ? core::parse_mx_pattern(*normalized)
                                  : util::Expected<core::MxPattern, core::MxPatternError>(
                                        util::Unexpected(core::MxPatternError::label_syntax));
  if (!normalized || !as_name || as_name->is_wildcard() ||
      normalized->find('.') == std::string::npos) {
    return util::Unexpected(std::vector<FieldError>{
        {"name", fmt::format("name: \"{}\" is not a domain name", settings.name)}});
  }
  domain.name = *normalized;
  domain.rua = settings.rua;
  domain.certificate = settings.certificate;
  domain.key = settings.key;
  if (settings.certificate.empty() != settings.key.empty()) {
    errors.push_back({"certificate", "set both certificate and key, or neither"});
  }
  if (settings.max_age < 0 || settings.max_age > core::k_max_age_limit) {
    errors.push_back({"max_age", fmt::format("max_age must be 0 to {}", core::k_max_age_limit)});
  }
  // The policy as `policy new` builds it: what we serve must pass our own strict lint.
  std::string draft = fmt::format("version: STSv1\nmode: {}\n", settings.mode);
  for (const auto& pattern : settings.mx) {
    draft += fmt::format("mx: {}\n", pattern);
  }
  draft += fmt::format("max_age: {}\n", settings.max_age);
  const auto linted = core::parse_policy(draft, core::Profile::strict);
  for (const auto& diagnostic : linted.diagnostics) {
    if (diagnostic.severity == core::Severity::error) {
      errors.push_back({diagnostic.code.starts_with("mode") ? "mode" : "mx",
                        fmt::format("[{}] {}", diagnostic.code, diagnostic.message)});
    }
  }
  if (settings.mode != "none" && settings.mx.empty()) {
    errors.push_back({"mx", fmt::format("mode {} needs at least one mx pattern", settings.mode)});
  }
  if (!settings.rua.empty()) {
    core::TlsrptRecord record;
    record.rua = settings.rua;
    const auto checked =
        core::parse_tlsrpt_record(core::serialize_tlsrpt_record(record), core::Profile::strict);
    for (const auto& diagnostic : checked.diagnostics) {
      if (diagnostic.severity == core::Severity::error) {
        errors.push_back({"rua", fmt::format("rua: [{}] {}", diagnostic.code, diagnostic.message)});
      }
    }
  }
  if (!errors.empty() || !linted.value) {
    return util::Unexpected(std::move(errors));
  }
  domain.policy = *linted.value;
  return domain;
}

DomainSettings domain_settings(const DomainConfig& domain)
{
  DomainSettings settings;
  settings.name = domain.name;
  settings.mode = std::string(core::mode_name(domain.policy.mode));
  for (const auto& pattern : domain.policy.mx) {
    settings.mx.push_back(pattern.text);
  }
  settings.max_age = domain.policy.max_age;
  settings.rua = domain.rua;
  settings.certificate = domain.certificate;
  settings.key = domain.key;
  return settings;
}

std::string ServeConfig::store_url() const
{
  return store.empty() ? "sqlite://" + state_dir + "/serve.db" : store;
}

util::Expected<ServeConfig, std::string> load_serve_config(const std::string& path, bool must_exist)
{
  ServeConfig config;
  std::error_code ignored;
  if (!must_exist && !std::filesystem::exists(path, ignored)) {
    return config;
  }
  auto parsed = server::parse_toml_file(path);
  if (!parsed) {
    return util::Unexpected(parsed.error());
  }
  config.file = path;
  const toml::table& root = *parsed;
  Reader read{{path, {}}};
  // [resolver] (and the reporter's tables) are checked by their own jobs.
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
  if (const auto* serve = read.table(root, "serve")) {
    read.serve(*serve, config);
  }
  if (const auto* admin = read.table(root, "admin")) {
    read.check_keys(*admin, "admin", {"listen", "token_file"});
    read.string(*admin, "listen", config.admin_listen);
    read.string(*admin, "token_file", config.admin_token_file);
    if (!config.admin_listen.empty()) {
      if (const auto address = server::parse_listen_address(config.admin_listen); !address) {
        read.fail(*admin->get("listen"), "listen", address.error());
      }
    }
  }
  if (const auto* acme = read.table(root, "acme")) {
    config.acme.present = true;
    read.check_keys(*acme, "acme", {"directory", "email", "ca_file", "challenge", "renew_before"});
    read.string(*acme, "directory", config.acme.directory);
    read.string(*acme, "email", config.acme.email);
    read.string(*acme, "ca_file", config.acme.ca_file);
    read.string(*acme, "challenge", config.acme.challenge);
    if (config.acme.challenge != "tls-alpn-01" && config.acme.challenge != "http-01") {
      read.fail(*acme->get("challenge"), "challenge", "expected \"tls-alpn-01\" or \"http-01\"");
    }
    read.duration(*acme, "renew_before", config.acme.renew_before);
  }
  if (const auto* update = read.table(root, "dns_update")) {
    config.dns_update.present = true;
    read.check_keys(*update, "dns_update", {"server", "tsig_key_file", "zone", "ttl"});
    read.string(*update, "server", config.dns_update.server);
    read.string(*update, "tsig_key_file", config.dns_update.tsig_key_file);
    read.string(*update, "zone", config.dns_update.zone);
    read.integer(*update, "ttl", config.dns_update.ttl, 1, 2147483647);
  }
  if (const auto* hosting = read.table(root, "hosting")) {
    config.hosting.present = true;
    read.check_keys(*hosting, "hosting", {"zone", "target"});
    read.string(*hosting, "zone", config.hosting.zone);
    read.string(*hosting, "target", config.hosting.target);
  }
  if (const auto* node = root.get("domain")) {
    const auto* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      read.fail(*node, "domain", "expected [[domain]] tables");
    } else {
      std::set<std::string> names;
      for (const auto& element : *array) {
        read.domain(*element.as_table(), config, names);
      }
    }
  }
  if (!read.errors.empty()) {
    return util::Unexpected(fmt::format("{}", fmt::join(read.errors, "\n")));
  }
  return config;
}

std::optional<std::string> unsupported_domain(const DomainConfig& domain, bool acme_configured)
{
  if (domain.certificate.empty() && !acme_configured) {
    return fmt::format("[[domain]] {}: no certificate and key, and no [acme] to get one: set "
                       "certificate and key (PEM files, e.g. from certbot) or configure [acme]",
                       domain.name);
  }
  return std::nullopt;
}

std::vector<std::string> unsupported_features(const ServeConfig& config)
{
  std::vector<std::string> problems;
  for (const auto& domain : config.domains) {
    if (auto problem = unsupported_domain(domain, config.acme.present)) {
      problems.push_back(std::move(*problem));
    }
  }
  if (config.acme.present) {
    if (config.acme.directory.empty()) {
      problems.emplace_back("[acme] directory: the ACME server's directory URL is required");
    } else if (!config.acme.directory.starts_with("https://")) {
      problems.emplace_back("[acme] directory: expected an https:// URL");
    }
    if (config.acme.challenge == "http-01" && config.http_listen.empty()) {
      problems.emplace_back("[acme] challenge http-01 needs an http_listen listener (port 80)");
    }
  }
  if (config.dns_update.present) {
    problems.emplace_back("[dns_update]: RFC 2136 updates are not in this version of mtasts "
                          "serve; publish the _mta-sts record that `mtasts serve records` prints");
  }
  if (config.hosting.present) {
    problems.emplace_back("[hosting]: provider mode is not in this version of mtasts serve");
  }
  return problems;
}

} // namespace mtasts::serve
