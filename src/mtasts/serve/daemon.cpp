#include <mtasts/core/policy.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/sts_discovery.hpp>
#include <mtasts/serve/acme_manager.hpp>
#include <mtasts/serve/daemon.hpp>
#include <mtasts/serve/policy_host.hpp>
#include <mtasts/serve/records.hpp>
#include <mtasts/server/admin.hpp>
#include <mtasts/server/connections.hpp>
#include <mtasts/server/listener.hpp>
#include <mtasts/server/logging.hpp>
#include <mtasts/server/process.hpp>
#include <mtasts/server/sni_certificates.hpp>
#include <mtasts/store/served_policy_store.hpp>
#include <mtasts/util/version.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <map>
#include <ranges>
#include <unordered_map>

namespace mtasts::serve {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = server::http;
namespace json = boost::json;
using net::Awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view k_default_config_file = "/etc/mtasts/mtasts.toml";
constexpr std::size_t k_header_limit = 8192;
constexpr std::size_t k_body_limit = 16384;
constexpr int k_requests_per_connection = 1000;
constexpr std::chrono::seconds k_certificate_poll{5};
constexpr std::chrono::seconds k_stop_grace{10};

// One served domain.
struct Site
{
  std::string domain;
  std::string source = "config"; // "config" (the file) or "runtime" (mtasts domains add)
  DomainSettings settings;
  std::int64_t forget_at = 0; // offboarding: forgotten at this time (0 = served normally)
  bool acme = false;          // the certificate comes from ACME
  std::string mode;
  std::string body; // canonical policy, CRLF
  std::string id;
  std::int64_t changed_at = 0;
  std::vector<std::string> rua;
  server::CertificateFiles files;
};
// By policy host name ("mta-sts.<domain>").
using SiteTable = std::unordered_map<std::string, Site>;

std::string config_path(const std::string& given)
{
  return given.empty() ? std::string(k_default_config_file) : given;
}

// A domain added through the admin API, as the store keeps it.
struct RuntimeEntry
{
  DomainConfig domain;
  std::int64_t forget_at = 0;
};

json::object settings_json(const DomainSettings& settings)
{
  json::array mx(settings.mx.begin(), settings.mx.end());
  json::array rua(settings.rua.begin(), settings.rua.end());
  return json::object{{"name", settings.name}, {"mode", settings.mode},
                      {"mx", std::move(mx)},   {"max_age", settings.max_age},
                      {"rua", std::move(rua)}, {"certificate", settings.certificate},
                      {"key", settings.key}};
}

// Reads the fields present in `object` over `settings`; errors name the field.
std::vector<FieldError> read_settings(const json::object& object, DomainSettings& settings)
{
  std::vector<FieldError> errors;
  const auto text = [&](std::string_view key, std::string& out) {
    if (const auto* value = object.if_contains(key)) {
      if (value->is_string()) {
        out = std::string(value->as_string());
      } else {
        errors.push_back({std::string(key), fmt::format("{} must be a string", key)});
      }
    }
  };
  const auto list = [&](std::string_view key, std::vector<std::string>& out) {
    if (const auto* value = object.if_contains(key)) {
      if (!value->is_array()) {
        errors.push_back({std::string(key), fmt::format("{} must be a list of strings", key)});
        return;
      }
      out.clear();
      for (const auto& item : value->as_array()) {
        if (!item.is_string()) {
          errors.push_back({std::string(key), fmt::format("{} must be a list of strings", key)});
          return;
        }
        out.emplace_back(item.as_string());
      }
    }
  };
  text("mode", settings.mode);
  list("mx", settings.mx);
  list("rua", settings.rua);
  text("certificate", settings.certificate);
  text("key", settings.key);
  if (const auto* value = object.if_contains("max_age")) {
    if (value->is_int64()) {
      settings.max_age = value->as_int64();
    } else if (value->is_uint64() && value->as_uint64() <= 0x7fffffffU) {
      settings.max_age = static_cast<std::int64_t>(value->as_uint64());
    } else {
      errors.push_back({"max_age", "max_age must be an integer"});
    }
  }
  static constexpr std::array<std::string_view, 7> k_known{"name", "mode",        "mx", "max_age",
                                                           "rua",  "certificate", "key"};
  for (const auto& item : object) {
    const std::string_view key = item.key();
    if (std::ranges::find(k_known, key) == k_known.end()) {
      errors.push_back({std::string(key), fmt::format("unknown field \"{}\"", key)});
    }
  }
  return errors;
}

// The runtime domains of the store; entries that no longer pass the checks, or that the file
// now configures, are left out with a warning.
std::vector<RuntimeEntry> load_runtime(const store::ServedPolicyStore& store,
                                       const ServeConfig& config)
{
  std::vector<RuntimeEntry> entries;
  auto rows = store.load_runtime_domains();
  if (!rows) {
    spdlog::error("{}", rows.error());
    return entries;
  }
  for (const auto& row : *rows) {
    if (std::ranges::any_of(config.domains, [&](const auto& d) { return d.name == row.name; })) {
      spdlog::warn("{}: configured in {} and added at run time: the file wins", row.name,
                   config.file);
      continue;
    }
    boost::system::error_code ec;
    const auto value = json::parse(row.settings, ec);
    DomainSettings settings;
    settings.name = row.name;
    auto errors = ec || !value.is_object() ? std::vector<FieldError>{{"settings", "not JSON"}}
                                           : read_settings(value.as_object(), settings);
    auto domain =
        errors.empty()
            ? make_domain(settings)
            : util::Expected<DomainConfig, std::vector<FieldError>>(util::Unexpected(errors));
    if (!domain) {
      spdlog::error("{}: stored settings are not valid ({}); not served", row.name,
                    domain.error().front().message);
      continue;
    }
    entries.push_back(RuntimeEntry{std::move(*domain), row.forget_at});
  }
  return entries;
}

// The sites of `config` and `runtime` with their ids: unchanged policies keep the stored id;
// new or changed ones get a fresh id, saved before it is returned. `changes` gets one line per
// new id.
util::Expected<SiteTable, std::string>
build_sites(const ServeConfig& config, const std::vector<RuntimeEntry>& runtime,
            const store::ServedPolicyStore& store, std::chrono::sys_seconds now,
            std::vector<std::string>& changes, const AcmeManager* acme)
{
  auto rows = store.load_all();
  if (!rows) {
    return util::Unexpected(rows.error());
  }
  std::unordered_map<std::string, store::ServedPolicy> stored;
  for (auto& row : *rows) {
    stored.emplace(row.domain, std::move(row));
  }
  SiteTable sites;
  const auto add = [&](const DomainConfig& domain, std::string source,
                       std::int64_t forget_at) -> util::Expected<bool, std::string> {
    Site site;
    site.domain = domain.name;
    site.source = std::move(source);
    site.settings = domain_settings(domain);
    site.forget_at = forget_at;
    site.mode = std::string(core::mode_name(domain.policy.mode));
    site.body = core::serialize_policy(domain.policy);
    site.rua = domain.rua;
    site.files = server::CertificateFiles{domain.certificate, domain.key};
    if (domain.certificate.empty() && acme != nullptr) {
      site.files = acme->files_for(domain.policy_host());
      site.acme = true;
    }
    const auto found = stored.find(domain.name);
    if (found != stored.end() && found->second.policy == site.body) {
      site.id = found->second.id;
      site.changed_at = found->second.changed_at;
    } else {
      site.id = core::next_sts_id(found == stored.end() ? "" : found->second.id, now);
      site.changed_at = now.time_since_epoch().count();
      if (auto saved =
              store.save(store::ServedPolicy{site.domain, site.body, site.id, site.changed_at});
          !saved) {
        return util::Unexpected(saved.error());
      }
      changes.push_back(
          fmt::format("{}: {} policy (mode {}), id {}: publish _mta-sts.{}. TXT \"v=STSv1; id={}\"",
                      site.domain, found == stored.end() ? "new" : "changed", site.mode, site.id,
                      site.domain, site.id));
    }
    sites.emplace(domain.policy_host(), std::move(site));
    return true;
  };
  for (const auto& domain : config.domains) {
    if (auto added = add(domain, "config", 0); !added) {
      return util::Unexpected(added.error());
    }
  }
  for (const auto& entry : runtime) {
    if (auto added = add(entry.domain, "runtime", entry.forget_at); !added) {
      return util::Unexpected(added.error());
    }
  }
  return sites;
}

// The policy hosts whose certificates come from ACME.
std::vector<std::string> acme_hosts(const SiteTable& sites)
{
  std::vector<std::string> hosts;
  for (const auto& [host, site] : sites) {
    if (site.acme) {
      hosts.push_back(host);
    }
  }
  return hosts;
}

std::map<std::string, server::CertificateFiles, std::less<>>
certificate_names(const SiteTable& sites)
{
  std::map<std::string, server::CertificateFiles, std::less<>> names;
  for (const auto& [host, site] : sites) {
    names.emplace(host, site.files);
  }
  return names;
}

// The A/AAAA values for `serve records`: public_addresses, else the listen addresses that are
// not wildcards.
std::vector<std::string> record_addresses(const ServeConfig& config)
{
  if (!config.public_addresses.empty()) {
    return config.public_addresses;
  }
  std::vector<std::string> addresses;
  for (const auto& text : config.https_listen) {
    if (const auto address = server::parse_listen_address(text);
        address && !address->is_unix() && !address->endpoint.address().is_unspecified()) {
      addresses.push_back(address->endpoint.address().to_string());
    }
  }
  return addresses;
}

std::string lowercase(std::string_view text)
{
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

std::string http_date(std::chrono::system_clock::time_point now)
{
  return fmt::format("{:%a, %d %b %Y %H:%M:%S} GMT", std::chrono::floor<std::chrono::seconds>(now));
}

class ServeDaemon
{
public:
  ServeDaemon(asio::io_context& io, ServeOptions options, ServeConfig config,
              std::unique_ptr<store::ServedPolicyStore> store,
              std::unique_ptr<server::SniCertificates> sni, SiteTable sites,
              std::vector<RuntimeEntry> runtime, std::unique_ptr<AcmeManager> acme)
      : m_io(io), m_options(std::move(options)), m_config(std::move(config)),
        m_store(std::move(store)), m_sni(std::move(sni)), m_acme(std::move(acme)),
        m_runtime(std::move(runtime)),
        m_ssl(SSL_CTX_up_ref(m_sni->base()) == 1 ? m_sni->base() : nullptr),
        m_sites(std::move(sites)), m_connections(io), m_admin(io, "mtasts-serve")
  {}

  util::Expected<bool, std::string> start(const std::string& admin_token);

private:
  // Counts a connection against its client address while it lives.
  struct ClientSlot
  {
    ServeDaemon* daemon = nullptr;
    asio::ip::address address;
    ClientSlot(ServeDaemon* owner, asio::ip::address client) : daemon(owner), address(client)
    {
      ++daemon->m_per_client[address];
    }
    ClientSlot(const ClientSlot&) = delete;
    ClientSlot& operator=(const ClientSlot&) = delete;
    ~ClientSlot()
    {
      const auto found = daemon->m_per_client.find(address);
      if (found != daemon->m_per_client.end() && --found->second == 0) {
        daemon->m_per_client.erase(found);
      }
    }
  };

  void accept(tcp::socket socket, bool https);
  Awaitable<void> https_session(tcp::socket socket, asio::ip::address client);
  Awaitable<void> http_session(tcp::socket socket, asio::ip::address client);
  template <typename Stream, typename Respond>
  Awaitable<void> exchanges(Stream& stream, beast::tcp_stream& lowest, std::uint64_t id,
                            Respond respond);
  PolicyResponse answer(const http::request<http::string_body>& request,
                        const std::string& server_name) const;
  Awaitable<void> watch_certificates();
  void add_admin_routes();
  void reload();
  // Serves `config`'s domains and m_runtime: new policies first, then their ids are logged.
  util::Expected<bool, std::string> rebuild(const ServeConfig& config);
  json::object domain_json(const std::string& host, const Site& site) const;
  const Site* find_domain(std::string_view name) const;
  util::Expected<bool, std::string> save_runtime(const DomainConfig& domain,
                                                 std::int64_t forget_at);
  Awaitable<void> forget_offboarded();
  // MX coverage (serve/policy_host.hpp mx_coverage_warnings): checked in the background after
  // start and after every policy change, one domain at a time.
  struct MxCheck
  {
    std::string domain;
    std::string mode;
    std::vector<std::string> previous;
    std::vector<std::string> current;
  };
  void queue_mx_checks(const SiteTable& before, const SiteTable& after);
  Awaitable<void> check_mx_coverage();
  void begin_stop();
  void log_missing_certificates() const;

  asio::io_context& m_io;
  ServeOptions m_options;
  ServeConfig m_config;
  std::unique_ptr<store::ServedPolicyStore> m_store;
  std::unique_ptr<server::SniCertificates> m_sni;
  std::unique_ptr<AcmeManager> m_acme; // null without [acme]
  std::vector<RuntimeEntry> m_runtime;
  std::unique_ptr<net::DnsResolver> m_dns;
  std::deque<MxCheck> m_mx_checks;
  std::map<std::string, std::vector<std::string>> m_mx_warnings; // by domain
  std::unique_ptr<asio::steady_timer> m_mx_wake;
  asio::ssl::context m_ssl;
  SiteTable m_sites;
  std::vector<std::unique_ptr<server::Listener>> m_listeners;
  std::map<asio::ip::address, std::size_t> m_per_client;
  server::Connections m_connections;
  server::AdminServer m_admin;
  std::uint64_t m_requests = 0;
  std::uint64_t m_refused_connections = 0;
  bool m_stopping = false;
};

util::Expected<bool, std::string> ServeDaemon::start(const std::string& admin_token)
{
  const server::UnixSocketOptions no_unix{};
  for (const auto& [list, https] :
       {std::pair{&m_config.https_listen, true}, std::pair{&m_config.http_listen, false}}) {
    for (const auto& text : *list) {
      auto address = server::parse_listen_address(text);
      if (!address) {
        m_listeners.clear();
        return util::Unexpected(address.error());
      }
      auto listener = server::Listener::open(m_io, *address, no_unix);
      if (!listener) {
        m_listeners.clear();
        return util::Unexpected(
            fmt::format("{}: {}", https ? "https_listen" : "http_listen", listener.error()));
      }
      asio::co_spawn(m_io, (*listener)->accept_loop([this, https](auto socket) {
        if constexpr (std::is_same_v<decltype(socket), tcp::socket>) {
          accept(std::move(socket), https);
        }
      }),
                     asio::detached);
      m_listeners.push_back(std::move(*listener));
    }
  }
  add_admin_routes();
  if (!m_config.admin_listen.empty()) {
    const auto address = server::parse_listen_address(m_config.admin_listen);
    auto listening =
        address ? m_admin.listen(*address, admin_token, server::UnixSocketOptions{"", "", 0600})
                : util::Expected<bool, std::string>(util::Unexpected(address.error()));
    if (!listening) {
      m_listeners.clear();
      return util::Unexpected("[admin] listen: " + listening.error());
    }
  }
  asio::co_spawn(m_io, watch_certificates(), asio::detached);
  if (m_acme) {
    asio::co_spawn(m_io, m_acme->run(), asio::detached);
  }
  asio::co_spawn(m_io, forget_offboarded(), asio::detached);
  net::DnsOptions dns;
  dns.servers = m_config.dns_servers;
  dns.dnssec = net::DnssecMode::off; // coverage needs the names only
  dns.timeout = m_config.dns_timeout;
  dns.queries_in_flight = 16;
  if (auto resolver = net::DnsResolver::create(m_io, dns); resolver) {
    m_dns = std::move(*resolver);
    m_mx_wake = std::make_unique<asio::steady_timer>(m_io);
    queue_mx_checks({}, m_sites);
    asio::co_spawn(m_io, check_mx_coverage(), asio::detached);
  } else {
    spdlog::warn("MX coverage checks are off: {}", resolver.error());
  }
  asio::co_spawn(m_io, server::handle_signals([this] { reload(); }, [this] { begin_stop(); }),
                 asio::detached);
  log_missing_certificates();
  spdlog::info("mtasts serve {} started: {} domain(s), https on {}{}", util::k_version,
               m_sites.size(), fmt::join(m_config.https_listen, ", "),
               m_config.http_listen.empty()
                   ? std::string()
                   : fmt::format(", http on {}", fmt::join(m_config.http_listen, ", ")));
  server::notify_systemd("READY=1\nSTATUS=serving MTA-STS policies");
  return true;
}

void ServeDaemon::log_missing_certificates() const
{
  for (const auto& [host, site] : m_sites) {
    std::error_code ec;
    if (site.acme) {
      continue; // the ACME manager says what it does for these
    }
    if (!std::filesystem::exists(site.files.certificate, ec) ||
        !std::filesystem::exists(site.files.key, ec)) {
      spdlog::warn("{}: certificate {} or key {} does not exist: handshakes for {} are refused "
                   "until it does",
                   site.domain, site.files.certificate, site.files.key, host);
    }
  }
}

void ServeDaemon::accept(tcp::socket socket, bool https)
{
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec || m_stopping) {
    socket.close(ec);
    return;
  }
  const auto client = remote.address();
  const auto found = m_per_client.find(client);
  if (m_connections.size() >= m_config.max_connections ||
      (found != m_per_client.end() && found->second >= m_config.max_connections_per_client)) {
    ++m_refused_connections;
    spdlog::debug("refused a connection from {}: {} open in all, {} from this address",
                  client.to_string(), m_connections.size(),
                  found == m_per_client.end() ? 0 : found->second);
    socket.close(ec);
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  asio::co_spawn(m_io,
                 https ? https_session(std::move(socket), client)
                       : http_session(std::move(socket), client),
                 asio::detached);
}

PolicyResponse ServeDaemon::answer(const http::request<http::string_body>& request,
                                   const std::string& server_name) const
{
  const auto site = m_sites.find(server_name);
  if (site == m_sites.end()) {
    PolicyResponse gone;
    gone.status = 404;
    gone.cache_control = "no-store";
    gone.body = fmt::format("{} is no longer served here\n", server_name);
    return gone;
  }
  PolicyRequest facts;
  facts.method = request.method_string();
  facts.target = request.target();
  if (const auto host = request.find(http::field::host); host != request.end()) {
    facts.host = host->value();
  }
  facts.version = request.version();
  facts.server_name = server_name;
  return answer_policy_request(facts, site->second.body, m_config.cache_max_age);
}

template <typename Stream, typename Respond>
Awaitable<void> ServeDaemon::exchanges(Stream& stream, beast::tcp_stream& lowest, std::uint64_t id,
                                       Respond respond)
{
  beast::flat_buffer buffer(k_header_limit + k_body_limit);
  for (int n = 0; n < k_requests_per_connection && !m_connections.draining(); ++n) {
    boost::system::error_code ec;
    if (n > 0 && buffer.size() == 0) {
      // Between requests: idle_timeout until the next request's first byte.
      lowest.expires_after(m_config.idle_timeout);
      const auto got = co_await stream.async_read_some(
          buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        break;
      }
      buffer.commit(got);
    }
    lowest.expires_after(m_config.header_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(k_header_limit);
    parser.body_limit(k_body_limit);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    PolicyResponse answer;
    bool keep_alive = false;
    bool head = false;
    unsigned version = 11;
    if (ec == http::error::header_limit) {
      answer =
          PolicyResponse{431, "text/plain", "request header larger than 8 KiB\n", "", "no-store"};
    } else if (ec == http::error::body_limit) {
      answer = PolicyResponse{413, "text/plain", "request body too large\n", "", "no-store"};
    } else if (ec == http::error::bad_method || ec == http::error::bad_target ||
               ec == http::error::bad_version || ec == http::error::bad_field ||
               ec == http::error::bad_value || ec == http::error::bad_line_ending ||
               ec == http::error::bad_content_length || ec == http::error::bad_transfer_encoding ||
               ec == http::error::bad_chunk || ec == http::error::bad_obs_fold) {
      answer =
          PolicyResponse{400, "text/plain", "bad request: " + ec.message() + "\n", "", "no-store"};
    } else if (ec) {
      break; // closed, timed out, or TLS failed: nothing to answer
    } else {
      const auto& request = parser.get();
      ++m_requests;
      m_connections.set_busy(id, true);
      answer = respond(request);
      keep_alive =
          request.keep_alive() && !m_connections.draining() && n + 1 < k_requests_per_connection;
      head = request.method() == http::verb::head;
      version = request.version();
    }
    http::response<http::string_body> response{static_cast<http::status>(answer.status), version};
    response.set(http::field::server, "mtasts");
    response.set(http::field::date, http_date(m_options.clock()));
    response.set(http::field::content_type, answer.content_type);
    if (!answer.cache_control.empty()) {
      response.set(http::field::cache_control, answer.cache_control);
    }
    if (!answer.allow.empty()) {
      response.set(http::field::allow, answer.allow);
    }
    response.set("X-Content-Type-Options", "nosniff");
    response.body() = std::move(answer.body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    lowest.expires_after(m_config.header_timeout);
    http::response_serializer<http::string_body> serializer(response);
    if (head) {
      co_await http::async_write_header(stream, serializer,
                                        asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await http::async_write(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
    }
    m_connections.set_busy(id, false);
    if (ec || !keep_alive) {
      break;
    }
  }
}

Awaitable<void> ServeDaemon::https_session(tcp::socket socket, asio::ip::address client)
{
  ClientSlot slot(this, client);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), m_ssl);
  auto& lowest = beast::get_lowest_layer(stream);
  const auto id = m_connections.add([&lowest] { lowest.close(); });
  lowest.expires_after(m_config.header_timeout);
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    spdlog::debug("TLS handshake with {} failed: {}", slot.address.to_string(), ec.message());
  } else {
    if (server::SniCertificates::answered_challenge(stream.native_handle())) {
      // RFC 8737 §3: the handshake was the tls-alpn-01 answer; nothing else is served on it.
      lowest.close();
      m_connections.remove(id);
      co_return;
    }
    const char* requested = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    const std::string server_name = lowercase(requested == nullptr ? "" : requested);
    co_await exchanges(stream, lowest, id, [this, &server_name](const auto& request) {
      return answer(request, server_name);
    });
    // close_notify, briefly: a client that is gone must not hold the connection.
    lowest.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
  lowest.close();
  m_connections.remove(id);
}

Awaitable<void> ServeDaemon::http_session(tcp::socket socket, asio::ip::address client)
{
  ClientSlot slot(this, client);
  beast::tcp_stream stream(std::move(socket));
  const auto id = m_connections.add([&stream] { stream.close(); });
  co_await exchanges(stream, stream, id, [this](const auto& request) {
    // RFC 8555 §8.3: http-01 answers come from the plain-HTTP listener.
    constexpr std::string_view k_challenge_path = "/.well-known/acme-challenge/";
    const std::string_view target = request.target();
    if (m_acme && request.method() == http::verb::get && target.starts_with(k_challenge_path)) {
      if (auto answer = m_acme->http01_answer(target.substr(k_challenge_path.size()))) {
        return PolicyResponse{200, "application/octet-stream", *answer, "", "no-store"};
      }
    }
    return answer_plain_http_request();
  });
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
  m_connections.remove(id);
}

Awaitable<void> ServeDaemon::watch_certificates()
{
  asio::steady_timer timer(m_io);
  while (!m_stopping) {
    timer.expires_after(k_certificate_poll);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (m_stopping) {
      break;
    }
    for (const auto& change : m_sni->refresh_changed()) {
      spdlog::info("{}", change);
    }
  }
}

void ServeDaemon::add_admin_routes()
{
  const auto error = [](http::status status, std::string kind, std::string message,
                        const std::vector<FieldError>& fields = {}) {
    json::array list;
    for (const auto& field : fields) {
      list.push_back(json::object{{"field", field.field}, {"message", field.message}});
    }
    json::object document{
        {"error", json::object{{"kind", std::move(kind)}, {"message", std::move(message)}}}};
    if (!fields.empty()) {
      document["error"].as_object()["fields"] = std::move(list);
    }
    return server::AdminResponse{status, "application/json", json::serialize(document) + "\n"};
  };
  const auto ok = [](json::object document, http::status status = http::status::ok) {
    return server::AdminResponse{status, "application/json", json::serialize(document) + "\n"};
  };
  m_admin.route(
      http::verb::get, "/domains",
      [this, ok](const server::AdminRequest&) -> Awaitable<server::AdminResponse> {
        std::map<std::string, json::object> ordered;
        for (const auto& [host, site] : m_sites) {
          ordered.emplace(site.domain, domain_json(host, site));
        }
        json::array domains;
        for (auto& [name, entry] : ordered) {
          domains.push_back(std::move(entry));
        }
        co_return ok(json::object{{"domains", std::move(domains)}});
      },
      "GET /domains                 every served domain (JSON)");
  m_admin.route(
      http::verb::get, "/domains/show",
      [this, ok, error](const server::AdminRequest& request) -> Awaitable<server::AdminResponse> {
        const auto name = request.param("name").value_or("");
        const auto* site = find_domain(name);
        if (site == nullptr) {
          co_return error(http::status::not_found, "unknown-domain",
                          fmt::format("{} is not served here", name));
        }
        co_return ok(
            domain_json(site->settings.name.empty() ? "" : "mta-sts." + site->domain, *site));
      },
      "GET /domains/show?name=D     one domain (JSON)");
  const auto parse_body = [](const std::string& body, std::vector<FieldError>& errors) {
    if (body.empty()) {
      return json::object{};
    }
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    if (ec || !value.is_object()) {
      errors.push_back({"body", "the body must be a JSON object"});
      return json::object{};
    }
    return value.as_object();
  };
  m_admin.route(
      http::verb::post, "/domains/add",
      [this, ok, error,
       parse_body](const server::AdminRequest& request) -> Awaitable<server::AdminResponse> {
        DomainSettings settings;
        settings.name = request.param("name").value_or("");
        std::vector<FieldError> errors;
        const auto body = parse_body(request.body, errors);
        if (errors.empty()) {
          errors = read_settings(body, settings);
        }
        auto domain =
            errors.empty()
                ? make_domain(settings)
                : util::Expected<DomainConfig, std::vector<FieldError>>(util::Unexpected(errors));
        if (!domain) {
          co_return error(http::status::bad_request, "invalid",
                          fmt::format("{}: {}", settings.name, domain.error().front().message),
                          domain.error());
        }
        if (const auto* existing = find_domain(domain->name)) {
          co_return error(http::status::conflict, "exists",
                          fmt::format("{} is already served ({})", domain->name,
                                      existing->source == "config"
                                          ? "configured in " + m_config.file
                                          : "added at run time; use set"));
        }
        if (auto problem = unsupported_domain(*domain, m_acme != nullptr)) {
          co_return error(http::status::bad_request, "unsupported", *problem);
        }
        if (auto saved = save_runtime(*domain, 0); !saved) {
          co_return error(http::status::internal_server_error, "store", saved.error());
        }
        const auto* site = find_domain(domain->name);
        co_return ok(domain_json(domain->policy_host(), *site), http::status::created);
      },
      "POST /domains/add?name=D     add a domain; body {\"mode\",\"mx\",\"max_age\",\"rua\","
      "\"certificate\",\"key\"}");
  m_admin.route(
      http::verb::post, "/domains/set",
      [this, ok, error,
       parse_body](const server::AdminRequest& request) -> Awaitable<server::AdminResponse> {
        const auto name = request.param("name").value_or("");
        const auto* site = find_domain(name);
        if (site == nullptr) {
          co_return error(http::status::not_found, "unknown-domain",
                          fmt::format("{} is not served here", name));
        }
        if (site->source == "config") {
          co_return error(http::status::conflict, "configured",
                          fmt::format("{} is configured in {}: change it there and reload",
                                      site->domain, m_config.file));
        }
        if (site->forget_at != 0) {
          co_return error(http::status::conflict, "offboarding",
                          fmt::format("{} is being removed", site->domain));
        }
        DomainSettings settings = site->settings;
        std::vector<FieldError> errors;
        const auto body = parse_body(request.body, errors);
        if (errors.empty()) {
          errors = read_settings(body, settings);
        }
        auto domain =
            errors.empty()
                ? make_domain(settings)
                : util::Expected<DomainConfig, std::vector<FieldError>>(util::Unexpected(errors));
        if (!domain) {
          co_return error(http::status::bad_request, "invalid",
                          fmt::format("{}: {}", settings.name, domain.error().front().message),
                          domain.error());
        }
        if (auto problem = unsupported_domain(*domain, m_acme != nullptr)) {
          co_return error(http::status::bad_request, "unsupported", *problem);
        }
        if (auto saved = save_runtime(*domain, 0); !saved) {
          co_return error(http::status::internal_server_error, "store", saved.error());
        }
        co_return ok(domain_json(domain->policy_host(), *find_domain(domain->name)));
      },
      "POST /domains/set?name=D     change a run-time domain; body: the fields to change");
  m_admin.route(
      http::verb::post, "/domains/remove",
      [this, ok, error](const server::AdminRequest& request) -> Awaitable<server::AdminResponse> {
        const auto name = request.param("name").value_or("");
        const auto* site = find_domain(name);
        if (site == nullptr) {
          co_return error(http::status::not_found, "unknown-domain",
                          fmt::format("{} is not served here", name));
        }
        if (site->source == "config") {
          co_return error(http::status::conflict, "configured",
                          fmt::format("{} is configured in {}: remove it there and reload",
                                      site->domain, m_config.file));
        }
        if (site->forget_at != 0) {
          co_return ok(domain_json("mta-sts." + site->domain, *site));
        }
        // RFC 8461 §8.3: serve mode none with a new id for the old max_age, then forget.
        DomainSettings settings = site->settings;
        const auto old_max_age = settings.max_age;
        settings.mode = "none";
        auto domain = make_domain(settings);
        if (!domain) {
          co_return error(http::status::internal_server_error, "invalid",
                          domain.error().front().message);
        }
        const auto now = std::chrono::floor<std::chrono::seconds>(m_options.clock());
        if (auto saved = save_runtime(*domain, now.time_since_epoch().count() + old_max_age);
            !saved) {
          co_return error(http::status::internal_server_error, "store", saved.error());
        }
        spdlog::info("{}: offboarding: serving mode none until its old max_age ({} s) has "
                     "passed, then forgotten",
                     domain->name, old_max_age);
        co_return ok(domain_json(domain->policy_host(), *find_domain(domain->name)));
      },
      "POST /domains/remove?name=D  offboard: mode none with a new id for the old max_age, "
      "then forget");
  m_admin.route(
      http::verb::get, "/status",
      [this](const server::AdminRequest&) -> Awaitable<server::AdminResponse> {
        json::array domains;
        for (const auto& [host, site] : m_sites) {
          domains.push_back(domain_json(host, site));
        }
        json::object document{
            {"version", util::k_version},
            {"domains", std::move(domains)},
            {"connections", m_connections.size()},
            {"requests", m_requests},
            {"refused_connections", m_refused_connections},
            {"acme_bad_nonce_retries",
             m_acme ? json::value(m_acme->bad_nonce_retries()) : json::value(nullptr)},
            {"refused_handshakes", json::object{{"unknown_name", m_sni->refused_unknown()},
                                                {"no_sni", m_sni->refused_no_sni()},
                                                {"no_certificate", m_sni->refused_unloadable()}}}};
        co_return server::AdminResponse{http::status::ok, "application/json",
                                        json::serialize(document) + "\n"};
      },
      "GET /status   domains, ids and certificates (JSON)");
  m_admin.route(
      http::verb::get, "/records",
      [this](const server::AdminRequest&) -> Awaitable<server::AdminResponse> {
        const auto addresses = record_addresses(m_config);
        std::map<std::string, const Site*> ordered;
        for (const auto& [host, site] : m_sites) {
          ordered.emplace(site.domain, &site);
        }
        json::array domains;
        for (const auto& [name, site] : ordered) {
          json::array records;
          for (const auto& record : domain_records(site->domain, site->id, site->rua, addresses)) {
            records.push_back(json::object{{"name", record.name},
                                           {"type", record.type},
                                           {"value", record.value},
                                           {"zone_line", zone_line(record)}});
          }
          domains.push_back(
              json::object{{"name", site->domain},
                           {"id", site->id},
                           {"policy_url", fmt::format("https://mta-sts.{}/.well-known/mta-sts.txt",
                                                      site->domain)},
                           {"records", std::move(records)}});
        }
        json::array warnings;
        if (addresses.empty()) {
          warnings.push_back(json::string(
              fmt::format("no address record: https_listen ({}) has only wildcard addresses; set "
                          "[serve] public_addresses to this server's public addresses",
                          fmt::join(m_config.https_listen, ", "))));
        }
        json::object document{{"domains", std::move(domains)}, {"warnings", std::move(warnings)}};
        co_return server::AdminResponse{http::status::ok, "application/json",
                                        json::serialize(document) + "\n"};
      },
      "GET /records  the DNS records to publish for every domain (JSON)");
}

void ServeDaemon::reload()
{
  server::notify_systemd("RELOADING=1");
  auto config = load_serve_config(config_path(m_options.config_file), true);
  std::vector<std::string> problems;
  if (!config) {
    problems.push_back(config.error());
  } else if (auto unsupported = unsupported_features(*config); !unsupported.empty()) {
    problems = std::move(unsupported);
  }
  if (!problems.empty()) {
    for (const auto& problem : problems) {
      spdlog::error("reload: {}", problem);
    }
    spdlog::error("reload: configuration not applied; still serving the previous one");
    server::notify_systemd("READY=1");
    return;
  }
  if (config->https_listen != m_config.https_listen ||
      config->http_listen != m_config.http_listen ||
      config->admin_listen != m_config.admin_listen ||
      config->store_url() != m_config.store_url()) {
    spdlog::warn("reload: listeners, the admin listener and the store change at restart only");
  }
  m_runtime = load_runtime(*m_store, *config);
  if (auto rebuilt = rebuild(*config); !rebuilt) {
    spdlog::error("reload: {}; still serving the previous configuration", rebuilt.error());
    server::notify_systemd("READY=1");
    return;
  }
  const auto keep_listen = std::pair{m_config.https_listen, m_config.http_listen};
  const auto keep_admin = m_config.admin_listen;
  const auto keep_store = m_config.store;
  const auto keep_state = m_config.state_dir;
  m_config = std::move(*config);
  std::tie(m_config.https_listen, m_config.http_listen) = keep_listen;
  m_config.admin_listen = keep_admin;
  m_config.store = keep_store;
  m_config.state_dir = keep_state;
  server::setup_logging(m_options.log_level.value_or(m_config.log_level));
  spdlog::info("reloaded: {} domain(s)", m_sites.size());
  server::notify_systemd("READY=1");
}

util::Expected<bool, std::string> ServeDaemon::rebuild(const ServeConfig& config)
{
  std::vector<std::string> changes;
  const auto now = std::chrono::floor<std::chrono::seconds>(m_options.clock());
  auto sites = build_sites(config, m_runtime, *m_store, now, changes, m_acme.get());
  if (!sites) {
    return util::Unexpected(sites.error());
  }
  // New policies are served from here on; only then are their new ids announced.
  m_sni->set_names(certificate_names(*sites));
  if (m_acme) {
    m_acme->set_names(acme_hosts(*sites));
  }
  queue_mx_checks(m_sites, *sites);
  m_sites = std::move(*sites);
  // Names whose files did not change keep their loaded context; changed files are reread.
  for (const auto& change : m_sni->refresh_changed()) {
    spdlog::info("{}", change);
  }
  for (const auto& change : changes) {
    spdlog::info("{}", change);
  }
  log_missing_certificates();
  return true;
}

const Site* ServeDaemon::find_domain(std::string_view name) const
{
  const auto found = m_sites.find("mta-sts." + lowercase(name));
  return found == m_sites.end() ? nullptr : &found->second;
}

json::object ServeDaemon::domain_json(const std::string& host, const Site& site) const
{
  json::object entry{
      {"name", site.domain},
      {"source", site.source},
      {"policy_host", host},
      {"policy_url", fmt::format("https://{}{}", host, k_policy_path)},
      {"mode", site.mode},
      {"mx", json::array(site.settings.mx.begin(), site.settings.mx.end())},
      {"max_age", site.settings.max_age},
      {"rua", json::array(site.rua.begin(), site.rua.end())},
      {"id", site.id},
      {"changed_at", site.changed_at},
      {"policy", site.body},
      {"forget_at", site.forget_at == 0 ? json::value(nullptr) : json::value(site.forget_at)}};
  const auto status = m_sni->status(host);
  json::object certificate{{"file", site.files.certificate}};
  if (status && status->loaded) {
    certificate["state"] = "loaded";
    certificate["not_after"] = status->not_after;
    certificate["subject"] = status->subject;
  } else {
    certificate["state"] =
        status && status->error.starts_with("not loaded yet") ? "not-loaded-yet" : "refused";
  }
  if (site.acme) {
    certificate["acme"] = m_acme->state(host);
  }
  if (status && !status->error.empty()) {
    certificate["error"] = status->error;
  }
  entry["certificate"] = std::move(certificate);
  json::array warnings;
  if (const auto found = m_mx_warnings.find(site.domain); found != m_mx_warnings.end()) {
    for (const auto& warning : found->second) {
      warnings.emplace_back(warning);
    }
  }
  entry["warnings"] = std::move(warnings);
  return entry;
}

util::Expected<bool, std::string> ServeDaemon::save_runtime(const DomainConfig& domain,
                                                            std::int64_t forget_at)
{
  auto saved = m_store->save_runtime_domain(store::RuntimeDomain{
      domain.name, json::serialize(settings_json(domain_settings(domain))), forget_at});
  if (!saved) {
    return saved;
  }
  std::erase_if(m_runtime, [&](const RuntimeEntry& e) { return e.domain.name == domain.name; });
  m_runtime.push_back(RuntimeEntry{domain, forget_at});
  return rebuild(m_config);
}

// RFC 8461 §8.3: an offboarded domain serves "mode: none" for its old max_age, then is
// forgotten. Checked every 5 s.
Awaitable<void> ServeDaemon::forget_offboarded()
{
  asio::steady_timer timer(m_io);
  while (!m_stopping) {
    timer.expires_after(std::chrono::seconds(5));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    const auto now = std::chrono::floor<std::chrono::seconds>(m_options.clock());
    std::vector<std::string> due;
    for (const auto& entry : m_runtime) {
      if (entry.forget_at != 0 && entry.forget_at <= now.time_since_epoch().count()) {
        due.push_back(entry.domain.name);
      }
    }
    for (const auto& name : due) {
      if (auto removed = m_store->remove_runtime_domain(name); !removed) {
        spdlog::error("{}", removed.error());
        continue;
      }
      std::erase_if(m_runtime, [&](const RuntimeEntry& e) { return e.domain.name == name; });
      spdlog::info("{}: offboarding done (its old max_age has passed): forgotten", name);
    }
    if (!due.empty()) {
      if (auto rebuilt = rebuild(m_config); !rebuilt) {
        spdlog::error("{}", rebuilt.error());
      }
    }
  }
}

void ServeDaemon::queue_mx_checks(const SiteTable& before, const SiteTable& after)
{
  if (!m_dns) {
    return;
  }
  for (const auto& [host, site] : after) {
    const auto old = before.find(host);
    if (old != before.end() && old->second.settings.mx == site.settings.mx &&
        old->second.mode == site.mode) {
      continue;
    }
    m_mx_checks.push_back(
        MxCheck{site.domain, site.mode,
                old == before.end() ? std::vector<std::string>{} : old->second.settings.mx,
                site.settings.mx});
  }
  if (!m_mx_checks.empty()) {
    m_mx_wake->cancel();
  }
}

Awaitable<void> ServeDaemon::check_mx_coverage()
{
  while (!m_stopping) {
    if (m_mx_checks.empty()) {
      m_mx_wake->expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await m_mx_wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const auto check = std::move(m_mx_checks.front());
    m_mx_checks.pop_front();
    const auto answer = co_await m_dns->query(check.domain, net::rrtype::mx);
    if (answer.failed()) {
      spdlog::debug("{}: MX lookup for the coverage check failed: {}", check.domain,
                    answer.failure);
      continue;
    }
    std::vector<std::string> hosts;
    for (const auto& record : net::to_mx_answer(answer).records) {
      if (!record.exchange.empty()) {
        hosts.push_back(record.exchange);
      }
    }
    auto warnings =
        mx_coverage_warnings(check.domain, check.mode, check.previous, check.current, hosts);
    for (const auto& warning : warnings) {
      spdlog::warn("{}", warning);
    }
    m_mx_warnings[check.domain] = std::move(warnings);
  }
}

void ServeDaemon::begin_stop()
{
  if (m_stopping) {
    return;
  }
  m_stopping = true;
  server::notify_systemd("STOPPING=1");
  spdlog::info("stopping: finishing {} open connection(s)", m_connections.size());
  for (auto& listener : m_listeners) {
    listener->close();
  }
  m_admin.close();
  if (m_mx_wake) {
    m_mx_wake->cancel();
  }
  if (m_acme) {
    m_acme->stop();
  }
  m_connections.drain(k_stop_grace, [this] { m_io.stop(); });
}

struct Prepared
{
  ServeConfig config;
  std::string admin_token;
  std::unique_ptr<store::ServedPolicyStore> store;
};

// Every check startup makes, without listening. Errors: one message per problem.
util::Expected<Prepared, std::vector<std::string>> prepare(const ServeOptions& options,
                                                           bool load_certificates)
{
  std::vector<std::string> problems;
  auto config = load_serve_config(config_path(options.config_file), true);
  if (!config) {
    return util::Unexpected(std::vector<std::string>{config.error()});
  }
  if (options.log_level) {
    config->log_level = *options.log_level;
  }
  problems = unsupported_features(*config);
  Prepared prepared;
  if (!config->admin_listen.empty()) {
    const auto address = server::parse_listen_address(config->admin_listen);
    if (!config->admin_token_file.empty()) {
      auto token = server::read_token_file(config->admin_token_file);
      if (!token) {
        problems.push_back("[admin] " + token.error());
      } else {
        prepared.admin_token = std::move(*token);
      }
    }
    if (address) {
      if (auto refused = server::admin_access_error(*address, !config->admin_token_file.empty())) {
        problems.push_back("[admin] " + *refused);
      }
    }
  }
  if (load_certificates) {
    for (const auto& domain : config->domains) {
      if (domain.certificate.empty()) {
        continue;
      }
      if (auto loaded = server::load_server_context(
              server::CertificateFiles{domain.certificate, domain.key}, domain.policy_host());
          !loaded) {
        problems.push_back(fmt::format("[[domain]] {}: {}", domain.name, loaded.error()));
      }
    }
  }
  const auto url = config->store_url();
  const std::string path = url.substr(std::string_view("sqlite://").size());
  const auto directory = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!directory.empty() && !std::filesystem::is_directory(directory, ec)) {
    problems.push_back(fmt::format(
        "store {}: the directory {} does not exist (create it, owned by the user mtasts runs as)",
        url, directory.string()));
  } else if (problems.empty()) {
    auto opened = store::ServedPolicyStore::open(path);
    if (!opened) {
      problems.push_back(opened.error());
    } else {
      prepared.store = std::move(*opened);
    }
  }
  if (!problems.empty()) {
    return util::Unexpected(std::move(problems));
  }
  prepared.config = std::move(*config);
  return prepared;
}

} // namespace

int run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err)
{
  const auto report = [&](std::string_view message) {
    std::string_view rest = message;
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      err << "mtasts serve: " << rest.substr(0, end) << '\n';
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  };
  (void)::mallopt(M_ARENA_MAX, 1);
  ::signal(SIGPIPE, SIG_IGN);
  auto prepared = prepare(options, options.check_config);
  if (!prepared) {
    for (const auto& problem : prepared.error()) {
      report(problem);
    }
    return 2;
  }
  auto& config = prepared->config;
  if (options.check_config) {
    out << fmt::format(
        "{} domain(s): {}\n", config.domains.size(),
        fmt::join(config.domains | std::views::transform([](const auto& d) { return d.name; }),
                  ", "));
    out << fmt::format("https_listen: {}\nhttp_listen: {}\nadmin: {}\nstore: {}\n",
                       fmt::join(config.https_listen, ", "), fmt::join(config.http_listen, ", "),
                       config.admin_listen.empty() ? "off" : config.admin_listen,
                       config.store_url());
    out << "# configuration OK\n";
    return 0;
  }
  server::setup_logging(config.log_level);
  server::raise_file_limit();
  auto sni = server::SniCertificates::create();
  if (!sni) {
    report(sni.error());
    return 1;
  }
  asio::io_context io(1);
  std::unique_ptr<AcmeManager> acme;
  if (config.acme.present) {
    auto created = AcmeManager::create(io, config.acme, config.state_dir, **sni, options.clock);
    if (!created) {
      report(created.error());
      return 1;
    }
    acme = std::move(*created);
  }
  std::vector<std::string> changes;
  const auto now = std::chrono::floor<std::chrono::seconds>(options.clock());
  auto runtime = load_runtime(*prepared->store, config);
  auto sites = build_sites(config, runtime, *prepared->store, now, changes, acme.get());
  if (!sites) {
    report(sites.error());
    return 1;
  }
  (*sni)->set_names(certificate_names(*sites));
  if (acme) {
    acme->set_names(acme_hosts(*sites));
  }
  ServeDaemon daemon(io, options, std::move(config), std::move(prepared->store), std::move(*sni),
                     std::move(*sites), std::move(runtime), std::move(acme));
  if (auto started = daemon.start(prepared->admin_token); !started) {
    report(started.error());
    return 1;
  }
  for (const auto& change : changes) {
    spdlog::info("{}", change);
  }
  io.run();
  spdlog::info("stopped");
  return 0;
}

util::Expected<ServeAdminEndpoint, std::string> serve_admin_endpoint(const std::string& config_file)
{
  auto config = load_serve_config(config_path(config_file), !config_file.empty());
  if (!config) {
    return util::Unexpected(config.error());
  }
  if (config->admin_listen.empty()) {
    return util::Unexpected("[admin] listen is empty: the serve daemon has no admin listener");
  }
  ServeAdminEndpoint endpoint{config->admin_listen, ""};
  if (!config->admin_token_file.empty()) {
    auto token = server::read_token_file(config->admin_token_file);
    if (!token) {
      return util::Unexpected(token.error());
    }
    endpoint.token = std::move(*token);
  }
  return endpoint;
}

} // namespace mtasts::serve
