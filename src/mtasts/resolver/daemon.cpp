#include <mtasts/core/socketmap.hpp>
#include <mtasts/net/tls.hpp>
#include <mtasts/resolver/daemon.hpp>
#include <mtasts/resolver/engine.hpp>
#include <mtasts/resolver/network.hpp>
#include <mtasts/server/admin.hpp>
#include <mtasts/server/connections.hpp>
#include <mtasts/server/listener.hpp>
#include <mtasts/server/logging.hpp>
#include <mtasts/server/process.hpp>
#include <mtasts/store/policy_store.hpp>
#include <mtasts/util/version.hpp>

#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <unistd.h>

#include <array>
#include <csignal>

namespace mtasts::resolver {

namespace asio = net::asio;
namespace json = boost::json;
namespace http = server::http;
using net::Awaitable;

namespace {

// --- what startup needs, built and checked once (also by --check-config)

struct NetParts
{
  std::shared_ptr<net::DnsResolver> dns;
  std::shared_ptr<asio::ssl::context> tls;
};

// Why a daemon cannot start: a configuration error (exit 2) or a runtime failure (exit 1).
struct StartError
{
  int exit_code = 2;
  std::string message;
};

// This host's name (gethostname), the EHLO name Postfix also uses by default (myhostname);
// "localhost" when it has none.
std::string host_name()
{
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return std::string(name.data());
}

EngineOptions engine_options(const ResolverConfig& config)
{
  EngineOptions options;
  options.engine = config.engine;
  options.max_domains = config.max_domains;
  options.dane_lookups = config.dane_lookups;
  options.observe_testing = config.observe_testing;
  options.observe_interval = config.observe_interval;
  return options;
}

NetworkOptions network_options(const ResolverConfig& config)
{
  NetworkOptions options;
  options.fetch.total_timeout = config.fetch_timeout;
  options.fetch.connect_timeout = std::min(config.fetch_timeout, std::chrono::milliseconds(10000));
  options.dane_lookups = config.dane_lookups;
  options.probe.helo_name = config.observe_helo.empty() ? host_name() : config.observe_helo;
  return options;
}

std::shared_ptr<SenderNetwork> make_network(const NetParts& parts, const ResolverConfig& config)
{
  return std::make_shared<LiveNetwork>(parts.dns, parts.tls, network_options(config));
}

net::DnsOptions dns_options(const ResolverConfig& config, bool validate)
{
  net::DnsOptions options;
  options.servers = config.dns_servers;
  options.trust_anchor_file = config.trust_anchor;
  options.timeout = config.dns_timeout;
  options.dnssec = validate && config.dnssec ? net::DnssecMode::required : net::DnssecMode::off;
  return options;
}

// DNS (with the trust anchor primed through the configured servers) and the TLS trust store.
// A trust anchor that cannot be primed would make every answer bogus, so the resolver then
// runs without DNSSEC and says so in `warnings`. Runs `io` for the probe: call before anything
// else is started on it.
util::Expected<NetParts, std::string> make_net(asio::io_context& io, const ResolverConfig& config,
                                               std::vector<std::string>& warnings)
{
  auto dns = net::DnsResolver::create(io, dns_options(config, true));
  if (!dns) {
    return util::Unexpected("dns: " + dns.error());
  }
  std::optional<std::string> unprimed;
  asio::co_spawn(
      io, [&]() -> Awaitable<void> { unprimed = co_await (*dns)->probe_trust_anchor(); },
      asio::detached);
  io.run();
  io.restart();
  if (unprimed) {
    warnings.push_back(fmt::format("DNSSEC is not validated: {}; DANE cannot be recognised, so "
                                   "enforce policies are answered with MTA-STS alone (point "
                                   "[dns] servers at a validating resolver or set trust_anchor)",
                                   *unprimed));
    dns = net::DnsResolver::create(io, dns_options(config, false));
    if (!dns) {
      return util::Unexpected("dns: " + dns.error());
    }
  } else if (!config.dnssec) {
    warnings.emplace_back("DNSSEC is off (dnssec = false): DANE cannot be recognised, so "
                          "enforce policies are answered with MTA-STS alone");
  }
  net::TlsClientOptions tls_options;
  tls_options.ca_file = config.ca_file;
  auto context = net::make_client_context(tls_options);
  if (!context) {
    return util::Unexpected("tls: " + context.error());
  }
  return NetParts{std::shared_ptr<net::DnsResolver>(std::move(*dns)),
                  std::make_shared<asio::ssl::context>(context->release())};
}

struct Prepared
{
  ResolverConfig config;
  std::vector<server::ListenAddress> listen;
  std::optional<server::ListenAddress> admin;
  std::string admin_token;
  std::unique_ptr<store::PolicyStore> store;
  NetParts net;
  std::vector<std::string> warnings;
};

// Every check startup makes before it binds anything; configuration errors are reported all
// at once.
util::Expected<Prepared, StartError> prepare(asio::io_context& io, const DaemonOptions& options)
{
  auto config = effective_config(options);
  if (!config) {
    return util::Unexpected(StartError{2, config.error()});
  }
  Prepared prepared;
  prepared.config = std::move(*config);
  const auto& c = prepared.config;
  std::vector<std::string> errors;
  for (const auto& text : c.listen) {
    if (auto address = server::parse_listen_address(text)) {
      prepared.listen.push_back(std::move(*address));
    } else {
      errors.push_back("listen: " + address.error());
    }
  }
  if (!c.admin_token_file.empty()) {
    if (auto token = server::read_token_file(c.admin_token_file)) {
      prepared.admin_token = std::move(*token);
    } else {
      errors.push_back("admin_token_file: " + token.error());
    }
  }
  if (!c.admin_listen.empty()) {
    if (auto address = server::parse_listen_address(c.admin_listen)) {
      if (auto refused = server::admin_access_error(*address, !c.admin_token_file.empty())) {
        errors.push_back("admin_listen: " + *refused);
      }
      prepared.admin = std::move(*address);
    } else {
      errors.push_back("admin_listen: " + address.error());
    }
  }
  if (!errors.empty()) {
    return util::Unexpected(StartError{2, fmt::format("{}", fmt::join(errors, "\n"))});
  }
  auto net = make_net(io, c, prepared.warnings);
  if (!net) {
    return util::Unexpected(StartError{2, net.error()});
  }
  prepared.net = std::move(*net);
  // The trust-anchor probe's resolver context (and a validating one replaced after a failed
  // probe) is gone: give its pages back instead of keeping them for the daemon's lifetime.
  ::malloc_trim(0);
  auto store = store::open_policy_store(c.cache);
  if (!store) {
    return util::Unexpected(StartError{1, "cache " + c.cache + ": " + store.error()});
  }
  prepared.store = std::move(*store);
  const auto limit = server::raise_file_limit();
  // Besides the connections: the daemon's own files and its DNS queries in flight.
  if (auto warning = server::connection_limit_warning(c.max_connections, limit,
                                                      64 + net::k_default_queries_in_flight)) {
    prepared.warnings.push_back(*warning);
  }
  return prepared;
}

std::string_view kind_name(core::AnswerKind kind)
{
  switch (kind) {
  case core::AnswerKind::ok:
    return "ok";
  case core::AnswerKind::notfound:
    return "notfound";
  case core::AnswerKind::temp:
    return "temp";
  }
  return "notfound";
}

json::object non_domain_explanation(const std::string& key, core::PolicyKeyKind kind)
{
  const auto answer = core::non_domain_answer(kind);
  return json::object{{"key", key},
                      {"domain", nullptr},
                      {"answer", core::socketmap_reply(answer)},
                      {"reason", answer.reason}};
}

// --- the daemon

class Daemon
{
public:
  Daemon(asio::io_context& io, DaemonOptions options, Prepared prepared)
      : m_io(io), m_options(std::move(options)), m_prepared(std::move(prepared)),
        m_config(m_prepared.config), m_connections(io), m_admin(io, "mtasts-resolver")
  {}

  // Binds everything (all or nothing); errors are fatal at start.
  util::Expected<bool, std::string> start();

private:
  template <typename Socket>
  Awaitable<void> serve(Socket socket);
  Awaitable<void> handle_request(std::string_view payload, std::string& out);
  void add_admin_routes();
  Awaitable<void> reload();
  void begin_stop();

  asio::io_context& m_io;
  DaemonOptions m_options;
  Prepared m_prepared;
  ResolverConfig m_config;
  bool m_dnssec_validating = false;
  Metrics m_metrics;
  std::unique_ptr<PolicyEngine> m_engine;
  std::vector<std::unique_ptr<server::Listener>> m_listeners;
  server::Connections m_connections;
  server::AdminServer m_admin;
  bool m_stopping = false;
};

util::Expected<bool, std::string> Daemon::start()
{
  const server::UnixSocketOptions unix_options{m_config.socket_owner, m_config.socket_group,
                                               m_config.socket_mode};
  for (const auto& address : m_prepared.listen) {
    auto listener = server::Listener::open(m_io, address, unix_options);
    if (!listener) {
      m_listeners.clear(); // closes the ones opened so far, removing only their own sockets
      return util::Unexpected(listener.error());
    }
    m_listeners.push_back(std::move(*listener));
  }
  add_admin_routes();
  if (m_prepared.admin) {
    // The admin socket is for root and the daemon's own user only.
    auto listening = m_admin.listen(*m_prepared.admin, m_prepared.admin_token,
                                    server::UnixSocketOptions{"", "", 0600});
    if (!listening) {
      m_listeners.clear();
      return util::Unexpected("admin_listen: " + listening.error());
    }
  }
  m_dnssec_validating = m_prepared.net.dns->validating();
  m_engine =
      std::make_unique<PolicyEngine>(m_io, make_network(m_prepared.net, m_config),
                                     std::make_unique<StoreWorker>(std::move(m_prepared.store)),
                                     m_metrics, engine_options(m_config));
  for (auto& listener : m_listeners) {
    asio::co_spawn(m_io, listener->accept_loop([this](auto socket) {
      if (m_connections.size() >= m_config.max_connections) {
        m_metrics.connection_refused();
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
      }
      asio::co_spawn(m_io, serve(std::move(socket)), asio::detached);
    }),
                   asio::detached);
  }
  asio::co_spawn(
      m_io,
      [this]() -> Awaitable<void> {
        const auto loaded = co_await m_engine->warm_from_store();
        spdlog::info("mtasts resolver {} started: {} cached policies ({}), listening on {}",
                     util::k_version, loaded, m_engine->store_kind(),
                     fmt::join(m_config.listen, ", "));
        server::notify_systemd("READY=1\nSTATUS=answering socketmap lookups");
        co_await m_engine->maintenance_loop();
      },
      asio::detached);
  asio::co_spawn(m_io,
                 server::handle_signals([this] { asio::co_spawn(m_io, reload(), asio::detached); },
                                        [this] { begin_stop(); }),
                 asio::detached);
  return true;
}

template <typename Socket>
Awaitable<void> Daemon::serve(Socket socket)
{
  m_metrics.connection_opened();
  const auto close = [&socket] {
    boost::system::error_code ignored;
    socket.close(ignored);
  };
  const auto id = m_connections.add(close);
  auto watch = server::IdleWatch::start(m_io, m_config.idle_timeout, close);
  std::string input;
  std::string output;
  std::array<char, 4096> chunk{};
  while (!m_connections.draining()) {
    boost::system::error_code ec;
    const auto n = co_await socket.async_read_some(asio::buffer(chunk),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      break;
    }
    watch->touch();
    input.append(chunk.data(), n);
    std::size_t position = 0;
    bool broken = false;
    m_connections.set_busy(id, true);
    while (position < input.size()) {
      const auto frame = core::parse_netstring(std::string_view(input).substr(position),
                                               core::k_socketmap_request_limit);
      if (frame.status == core::NetstringParse::Status::incomplete) {
        break;
      }
      if (frame.status == core::NetstringParse::Status::invalid) {
        m_metrics.count_protocol_error();
        spdlog::debug("socketmap: {}; closing the connection", frame.error);
        broken = true;
        break;
      }
      co_await handle_request(frame.payload, output);
      position += frame.consumed;
    }
    m_connections.set_busy(id, false);
    input.erase(0, position);
    if (!output.empty()) {
      co_await asio::async_write(socket, asio::buffer(output),
                                 asio::redirect_error(asio::use_awaitable, ec));
      output.clear();
      if (ec) {
        break;
      }
    }
    if (broken) {
      break;
    }
  }
  watch->stop();
  close();
  m_metrics.connection_closed();
  m_connections.remove(id);
}

Awaitable<void> Daemon::handle_request(std::string_view payload, std::string& out)
{
  const auto started = std::chrono::steady_clock::now();
  core::SocketmapRequest request;
  if (!core::parse_socketmap_request(payload, request)) {
    m_metrics.count_protocol_error();
    core::append_netstring(out, "PERM malformed request: expected \"name key\"");
    co_return;
  }
  const auto key = core::classify_policy_key(request.key);
  if (key.kind != core::PolicyKeyKind::domain) {
    const auto answer = core::non_domain_answer(key.kind);
    core::append_socketmap_reply(out, answer);
    m_metrics.count_lookup(kind_name(answer.kind), answer.reason,
                           std::chrono::steady_clock::now() - started);
    co_return;
  }
  const auto& settings = m_config.answer_settings(request.name);
  if (const auto* fast = m_engine->try_answer(key.domain, settings)) {
    core::append_socketmap_reply(out, *fast);
    m_metrics.count_lookup(kind_name(fast->kind), fast->reason,
                           std::chrono::steady_clock::now() - started);
    co_return;
  }
  const auto answer = co_await m_engine->answer(key.domain, settings);
  core::append_socketmap_reply(out, answer);
  m_metrics.count_lookup(kind_name(answer.kind), answer.reason,
                         std::chrono::steady_clock::now() - started);
}

void Daemon::add_admin_routes()
{
  const auto json_reply = [](const json::object& body, http::status status = http::status::ok) {
    return server::AdminResponse{status, "application/json", json::serialize(body) + "\n"};
  };
  m_admin.route(
      http::verb::get, "/metrics",
      [this](const server::AdminRequest&) -> Awaitable<server::AdminResponse> {
        co_return server::AdminResponse{
            http::status::ok, "text/plain; version=0.0.4",
            m_metrics.render(Metrics::Gauges{util::k_version, m_engine->domains(),
                                             m_engine->policies(), m_engine->in_flight(),
                                             m_dnssec_validating})};
      },
      "GET /metrics");
  m_admin.route(
      http::verb::get, "/query",
      [this, json_reply](const server::AdminRequest& request) -> Awaitable<server::AdminResponse> {
        const auto text = request.param("domain").value_or("");
        const auto map = request.param("map").value_or("postfix");
        const auto key = core::classify_policy_key(text);
        if (key.kind != core::PolicyKeyKind::domain) {
          auto body = non_domain_explanation(text, key.kind);
          body["map"] = map;
          co_return json_reply(body);
        }
        const auto settings = m_config.answer_settings(map);
        if (m_engine->try_answer(key.domain, settings) == nullptr) {
          (void)co_await m_engine->answer(key.domain, settings);
        }
        auto body = m_engine->explain(key.domain, settings);
        body["key"] = text;
        body["map"] = map;
        co_return json_reply(body);
      },
      "GET /query?domain=D[&map=NAME]");
  m_admin.route(
      http::verb::post, "/flush",
      [this, json_reply](const server::AdminRequest& request) -> Awaitable<server::AdminResponse> {
        if (request.param("all") == std::optional<std::string>("1")) {
          const auto flushed = co_await m_engine->flush_all();
          co_return json_reply(json::object{{"flushed", flushed}});
        }
        const auto domain = request.param("domain");
        if (!domain) {
          co_return json_reply(json::object{{"error", "give domain=D or all=1"}},
                               http::status::bad_request);
        }
        const auto key = core::classify_policy_key(*domain);
        if (key.kind != core::PolicyKeyKind::domain) {
          co_return json_reply(json::object{{"error", "not a domain: " + *domain}},
                               http::status::bad_request);
        }
        const bool present = co_await m_engine->flush(key.domain);
        co_return json_reply(json::object{{"domain", key.domain}, {"flushed", present}});
      },
      "POST /flush?domain=D or ?all=1");
}

Awaitable<void> Daemon::reload()
{
  server::notify_systemd("RELOADING=1");
  auto config = effective_config(m_options);
  if (!config) {
    spdlog::error("reload: {}; keeping the running configuration", config.error());
    server::notify_systemd("READY=1");
    co_return;
  }
  if (config->listen != m_config.listen || config->admin_listen != m_config.admin_listen ||
      config->cache != m_config.cache) {
    spdlog::warn("reload: listen, admin_listen and cache changes take effect after a restart");
    config->listen = m_config.listen;
    config->admin_listen = m_config.admin_listen;
    config->cache = m_config.cache;
  }
  std::string token;
  if (!config->admin_token_file.empty()) {
    auto read = server::read_token_file(config->admin_token_file);
    if (!read) {
      spdlog::error("reload: admin_token_file: {}; keeping the running configuration",
                    read.error());
      server::notify_systemd("READY=1");
      co_return;
    }
    token = std::move(*read);
  }
  // The trust anchor is primed on a private loop: the daemon's own keeps serving meanwhile.
  std::vector<std::string> warnings;
  auto dns = net::DnsResolver::create(m_io, dns_options(*config, true));
  if (!dns) {
    spdlog::error("reload: dns: {}; keeping the running configuration", dns.error());
    server::notify_systemd("READY=1");
    co_return;
  }
  std::shared_ptr<net::DnsResolver> resolver(std::move(*dns));
  if (const auto unprimed = co_await resolver->probe_trust_anchor()) {
    warnings.push_back(fmt::format("DNSSEC is not validated: {}", *unprimed));
    auto plain = net::DnsResolver::create(m_io, dns_options(*config, false));
    if (!plain) {
      spdlog::error("reload: dns: {}; keeping the running configuration", plain.error());
      server::notify_systemd("READY=1");
      co_return;
    }
    resolver = std::move(*plain);
  }
  net::TlsClientOptions tls_options;
  tls_options.ca_file = config->ca_file;
  auto context = net::make_client_context(tls_options);
  if (!context) {
    spdlog::error("reload: tls: {}; keeping the running configuration", context.error());
    server::notify_systemd("READY=1");
    co_return;
  }
  const NetParts parts{resolver, std::make_shared<asio::ssl::context>(context->release())};
  m_config = std::move(*config);
  server::setup_logging(m_config.log_level);
  m_admin.set_token(std::move(token));
  m_dnssec_validating = resolver->validating();
  m_engine->reconfigure(make_network(parts, m_config), engine_options(m_config));
  for (const auto& warning : warnings) {
    spdlog::warn("{}", warning);
  }
  spdlog::info("configuration reloaded");
  server::notify_systemd("READY=1");
}

void Daemon::begin_stop()
{
  spdlog::info("stopping: finishing {} connection(s)", m_connections.size());
  server::notify_systemd("STOPPING=1");
  m_stopping = true;
  for (auto& listener : m_listeners) {
    listener->close();
  }
  m_admin.close();
  m_engine->stop();
  m_connections.drain(std::chrono::seconds(10), [this] { m_io.stop(); });
}

} // namespace

util::Expected<ResolverConfig, std::string> effective_config(const DaemonOptions& options)
{
  const bool explicit_file = !options.config_file.empty();
  auto config = load_resolver_config(
      explicit_file ? options.config_file : std::string(k_default_config_file), explicit_file);
  if (!config) {
    return config;
  }
  if (!options.listen.empty()) {
    config->listen = options.listen;
  }
  if (!options.dns_servers.empty()) {
    config->dns_servers = options.dns_servers;
  }
  if (options.trust_anchor) {
    config->trust_anchor = *options.trust_anchor;
  }
  if (options.ca_file) {
    config->ca_file = *options.ca_file;
  }
  if (options.cache) {
    config->cache = *options.cache;
  }
  if (options.admin_listen) {
    config->admin_listen = *options.admin_listen;
  }
  if (options.admin_token_file) {
    config->admin_token_file = *options.admin_token_file;
  }
  if (options.log_level) {
    config->log_level = *options.log_level;
  }
  if (const auto errors = check_resolver_values(*config); !errors.empty()) {
    return util::Unexpected(fmt::format("{}", fmt::join(errors, "\n")));
  }
  return config;
}

int run_daemon(const DaemonOptions& options, std::ostream& out, std::ostream& err)
{
  const auto report = [&](std::string_view message) {
    std::string_view rest = message;
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      err << "mtasts resolver: " << rest.substr(0, end) << '\n';
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  };
  // One event loop thread does nearly all allocation; the store worker and libunbound's thread
  // allocate little. Per-thread malloc arenas would mostly hold fragmentation.
  (void)::mallopt(M_ARENA_MAX, 1);
  ::signal(SIGPIPE, SIG_IGN);
  asio::io_context io(1);
  auto prepared = prepare(io, options);
  if (!prepared) {
    report(prepared.error().message);
    return options.check_config ? 2 : prepared.error().exit_code;
  }
  if (options.check_config) {
    for (const auto& warning : prepared->warnings) {
      report("warning: " + warning);
    }
    // The TOML reads back as the same configuration; the last line is a comment.
    out << to_toml(prepared->config) << "# configuration OK\n";
    return 0;
  }
  server::setup_logging(prepared->config.log_level);
  for (const auto& warning : prepared->warnings) {
    spdlog::warn("{}", warning);
  }
  Daemon daemon(io, options, std::move(*prepared));
  if (auto started = daemon.start(); !started) {
    report(started.error());
    return 1;
  }
  io.run();
  spdlog::info("stopped");
  return 0;
}

util::Expected<std::string, std::string>
query_direct(const DaemonOptions& options, const std::string& key_text, const std::string& map_name)
{
  auto config = effective_config(options);
  if (!config) {
    return util::Unexpected(config.error());
  }
  const auto key = core::classify_policy_key(key_text);
  if (key.kind != core::PolicyKeyKind::domain) {
    auto body = non_domain_explanation(key_text, key.kind);
    body["map"] = map_name;
    return json::serialize(body);
  }
  spdlog::set_level(spdlog::level::err);
  asio::io_context io(1);
  std::vector<std::string> warnings;
  auto parts = make_net(io, *config, warnings);
  if (!parts) {
    return util::Unexpected(parts.error());
  }
  auto memory = store::open_policy_store("memory:");
  if (!memory) {
    return util::Unexpected(memory.error());
  }
  Metrics metrics;
  auto direct_options = engine_options(*config);
  direct_options.observe_testing = false; // one answer now; observing is the daemon's job
  PolicyEngine engine(io, make_network(*parts, *config),
                      std::make_unique<StoreWorker>(std::move(*memory)), metrics, direct_options);
  const auto settings = config->answer_settings(map_name);
  json::object result;
  asio::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        (void)co_await engine.answer(key.domain, settings);
        result = engine.explain(key.domain, settings);
      },
      asio::detached);
  io.run();
  result["key"] = key_text;
  result["map"] = map_name;
  if (!warnings.empty()) {
    result["warnings"] = json::array(warnings.begin(), warnings.end());
  }
  return json::serialize(result);
}

util::Expected<AdminEndpoint, std::string> admin_endpoint(const DaemonOptions& options)
{
  auto config = effective_config(options);
  if (!config) {
    return util::Unexpected(config.error());
  }
  AdminEndpoint endpoint{config->admin_listen, {}};
  if (!config->admin_token_file.empty()) {
    auto token = server::read_token_file(config->admin_token_file);
    if (!token) {
      return util::Unexpected(token.error());
    }
    endpoint.token = std::move(*token);
  }
  return endpoint;
}

} // namespace mtasts::resolver
