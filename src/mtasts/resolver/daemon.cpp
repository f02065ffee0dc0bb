#include <mtasts/core/socketmap.hpp>
#include <mtasts/net/tls.hpp>
#include <mtasts/resolver/daemon.hpp>
#include <mtasts/resolver/engine.hpp>
#include <mtasts/store/policy_store.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <type_traits>
#include <unordered_map>

namespace mtasts::resolver {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using local_stream = asio::local::stream_protocol;
using net::Awaitable;

namespace {

// --- small helpers

void notify_systemd(std::string_view state)
{
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || (path[0] != '/' && path[0] != '@')) {
    return;
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string_view name(path);
  const auto length = std::min(name.size(), sizeof(address.sun_path) - 1);
  std::copy_n(name.data(), length, address.sun_path);
  if (address.sun_path[0] == '@') {
    address.sun_path[0] = '\0'; // abstract namespace
  }
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&address), size);
  ::close(fd);
}

void raise_file_limit()
{
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

util::Expected<tcp::endpoint, std::string> parse_tcp_endpoint(std::string_view text)
{
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return util::Unexpected(std::string("expected [IPv6]:PORT, got \"") + std::string(text) +
                              "\"");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return util::Unexpected("expected IP:PORT, got \"" + std::string(text) + "\"");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  unsigned number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec || error != std::errc{} || end != port.data() + port.size() || number > 65535) {
    return util::Unexpected("\"" + std::string(text) + "\" is not IP:PORT");
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(number));
}

// open + (TCP: SO_REUSEADDR) + bind + listen.
template <typename Acceptor, typename Endpoint>
boost::system::error_code listen_on(Acceptor& acceptor, const Endpoint& endpoint)
{
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
    if (!ec) {
      acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  return ec;
}

// A listening TCP acceptor for "IP:PORT" / "[IPv6]:PORT"; errors say which and why.
util::Expected<std::unique_ptr<tcp::acceptor>, std::string> open_tcp_listener(asio::io_context& io,
                                                                              std::string_view text)
{
  auto endpoint = parse_tcp_endpoint(text);
  if (!endpoint) {
    return util::Unexpected(endpoint.error());
  }
  auto acceptor = std::make_unique<tcp::acceptor>(io);
  if (const auto ec = listen_on(*acceptor, *endpoint)) {
    return util::Unexpected(std::string(text) + ": " + ec.message());
  }
  return acceptor;
}

spdlog::level::level_enum level_of(std::string_view name)
{
  if (name == "off") {
    return spdlog::level::off;
  }
  return spdlog::level::from_str(std::string(name));
}

void setup_logging(const ResolverConfig& config)
{
  static bool initialised = false;
  if (!initialised) {
    auto logger = spdlog::stderr_logger_st("mtasts");
    // journald adds its own timestamps.
    logger->set_pattern(std::getenv("JOURNAL_STREAM") != nullptr ? "<%l> %v"
                                                                 : "%Y-%m-%dT%H:%M:%S%z %l %v");
    spdlog::set_default_logger(logger);
    initialised = true;
  }
  spdlog::set_level(level_of(config.log_level));
}

struct NetParts
{
  std::shared_ptr<net::DnsResolver> dns;
  std::shared_ptr<asio::ssl::context> tls;
};

util::Expected<NetParts, std::string> make_net(asio::io_context& io, const ResolverConfig& config)
{
  net::DnsOptions dns_options;
  dns_options.servers = config.dns_servers;
  dns_options.trust_anchor_file = config.trust_anchor;
  dns_options.timeout = config.dns_timeout;
  auto dns = net::DnsResolver::create(io, dns_options);
  if (!dns) {
    return util::Unexpected("dns: " + dns.error());
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
  options.fetch.total_timeout = config.fetch_timeout;
  options.fetch.connect_timeout = std::min(config.fetch_timeout, std::chrono::milliseconds(10000));
  options.max_domains = config.max_domains;
  options.dane_lookups = config.dane_lookups;
  options.observe_testing = config.observe_testing;
  options.observe_interval = config.observe_interval;
  options.observe.probe.helo_name = config.observe_helo.empty() ? host_name() : config.observe_helo;
  return options;
}

// Appends the netstring of the reply to `answer` without building it first (hot path).
void append_reply(std::string& out, const core::Answer& answer)
{
  std::string_view word = "NOTFOUND ";
  if (answer.kind == core::AnswerKind::ok) {
    word = "OK ";
  } else if (answer.kind == core::AnswerKind::temp) {
    word = "TEMP ";
  }
  const std::string_view data = answer.kind == core::AnswerKind::notfound
                                    ? std::string_view()
                                    : std::string_view(answer.data);
  if (word.size() + data.size() > core::k_socketmap_reply_limit) {
    core::append_netstring(out, "TEMP policy answer too large");
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}:{}{},", word.size() + data.size(), word, data);
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

// --- the daemon

class Daemon
{
public:
  Daemon(asio::io_context& io, DaemonOptions options, ResolverConfig config)
      : m_io(io), m_options(std::move(options)), m_config(std::move(config))
  {}

  // Binds everything; errors are fatal at start.
  util::Expected<bool, std::string> start();
  Awaitable<void> handle_signals();

private:
  struct Session
  {
    std::function<void()> close;
    bool busy = false; // answering a request: let it finish on stop
  };

  template <typename Acceptor>
  Awaitable<void> accept_loop(Acceptor& acceptor);
  template <typename Socket>
  Awaitable<void> serve(Socket socket);
  // Shared by a connection and its idle watchdog, which may outlive the connection's frame.
  struct Watch
  {
    explicit Watch(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> close;
    bool done = false;
  };
  Awaitable<void> watchdog(std::shared_ptr<Watch> watch);
  Awaitable<void> handle_request(std::string_view payload, std::string& out);
  Awaitable<void> admin_accept_loop();
  Awaitable<void> admin_session(tcp::socket socket);
  Awaitable<http::response<http::string_body>>
  admin_route(const http::request<http::string_body>& request);
  void reload();
  void begin_stop();

  asio::io_context& m_io;
  DaemonOptions m_options;
  ResolverConfig m_config;
  Metrics m_metrics;
  std::unique_ptr<PolicyEngine> m_engine;
  std::vector<std::unique_ptr<tcp::acceptor>> m_tcp_acceptors;
  std::vector<std::unique_ptr<local_stream::acceptor>> m_unix_acceptors;
  std::vector<std::string> m_unix_paths;
  std::unique_ptr<tcp::acceptor> m_admin;
  std::unordered_map<std::uint64_t, Session> m_sessions;
  std::uint64_t m_next_session = 0;
  bool m_stopping = false;
};

util::Expected<bool, std::string> Daemon::start()
{
  auto parts = make_net(m_io, m_config);
  if (!parts) {
    return util::Unexpected(parts.error());
  }
  auto store = store::open_policy_store(m_config.cache);
  if (!store) {
    return util::Unexpected("cache " + m_config.cache + ": " + store.error());
  }
  m_engine = std::make_unique<PolicyEngine>(m_io, parts->dns, parts->tls,
                                            std::make_unique<StoreWorker>(std::move(*store)),
                                            m_metrics, engine_options(m_config));
  for (const auto& listen : m_config.listen) {
    if (listen.starts_with("unix:")) {
      const std::string path = listen.substr(5);
      struct stat info
      {};
      if (::lstat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) {
        ::unlink(path.c_str()); // a stale socket of an earlier run
      }
      auto acceptor = std::make_unique<local_stream::acceptor>(m_io);
      if (const auto ec = listen_on(*acceptor, local_stream::endpoint(path))) {
        return util::Unexpected("listen " + listen + ": " + ec.message());
      }
      if (::chmod(path.c_str(), static_cast<mode_t>(m_config.socket_mode)) != 0) {
        return util::Unexpected("listen " + listen + ": chmod: " + std::strerror(errno));
      }
      uid_t uid = static_cast<uid_t>(-1);
      gid_t gid = static_cast<gid_t>(-1);
      if (!m_config.socket_owner.empty()) {
        const passwd* user = ::getpwnam(m_config.socket_owner.c_str());
        if (user == nullptr) {
          return util::Unexpected("socket_owner: no user \"" + m_config.socket_owner + "\"");
        }
        uid = user->pw_uid;
      }
      if (!m_config.socket_group.empty()) {
        const group* g = ::getgrnam(m_config.socket_group.c_str());
        if (g == nullptr) {
          return util::Unexpected("socket_group: no group \"" + m_config.socket_group + "\"");
        }
        gid = g->gr_gid;
      }
      if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
          ::chown(path.c_str(), uid, gid) != 0) {
        return util::Unexpected("listen " + listen + ": chown: " + std::strerror(errno));
      }
      m_unix_paths.push_back(path);
      m_unix_acceptors.push_back(std::move(acceptor));
      continue;
    }
    auto acceptor = open_tcp_listener(m_io, listen);
    if (!acceptor) {
      return util::Unexpected("listen: " + acceptor.error());
    }
    m_tcp_acceptors.push_back(std::move(*acceptor));
  }
  if (!m_config.admin_listen.empty()) {
    auto acceptor = open_tcp_listener(m_io, m_config.admin_listen);
    if (!acceptor) {
      return util::Unexpected("admin_listen: " + acceptor.error());
    }
    m_admin = std::move(*acceptor);
  }
  asio::co_spawn(
      m_io,
      [this]() -> Awaitable<void> {
        const auto loaded = co_await m_engine->warm_from_store();
        spdlog::info("cache {}: {} valid policies loaded", m_engine->store_kind(), loaded);
        co_await m_engine->maintenance_loop();
      },
      asio::detached);
  for (auto& acceptor : m_tcp_acceptors) {
    asio::co_spawn(m_io, accept_loop(*acceptor), asio::detached);
  }
  for (auto& acceptor : m_unix_acceptors) {
    asio::co_spawn(m_io, accept_loop(*acceptor), asio::detached);
  }
  if (m_admin) {
    asio::co_spawn(m_io, admin_accept_loop(), asio::detached);
  }
  asio::co_spawn(m_io, handle_signals(), asio::detached);
  spdlog::info("resolver listening on {}; admin {}; cache {}", fmt::join(m_config.listen, ", "),
               m_config.admin_listen.empty() ? "off" : m_config.admin_listen, m_config.cache);
  notify_systemd("READY=1\nSTATUS=answering socketmap lookups");
  return true;
}

template <typename Acceptor>
Awaitable<void> Daemon::accept_loop(Acceptor& acceptor)
{
  while (!m_stopping) {
    boost::system::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (m_stopping || ec == asio::error::operation_aborted) {
        break;
      }
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("accept: {}", ec.message());
      asio::steady_timer pause(m_io, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (m_sessions.size() >= m_config.max_connections) {
      m_metrics.connection_refused();
      socket.close(ec);
      continue;
    }
    asio::co_spawn(m_io, serve(std::move(socket)), asio::detached);
  }
}

Awaitable<void> Daemon::watchdog(std::shared_ptr<Watch> watch)
{
  while (!watch->done) {
    watch->timer.expires_at(watch->deadline);
    boost::system::error_code ec;
    co_await watch->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (watch->done) {
      break;
    }
    if (std::chrono::steady_clock::now() >= watch->deadline) {
      watch->close(); // idle too long: the pending read fails and serve() ends
      break;
    }
  }
}

template <typename Socket>
Awaitable<void> Daemon::serve(Socket socket)
{
  m_metrics.connection_opened();
  const auto id = m_next_session++;
  auto& session = m_sessions[id];
  session.close = [&socket] {
    boost::system::error_code ignored;
    socket.close(ignored);
  };
  auto watch = std::make_shared<Watch>(m_io);
  watch->deadline = std::chrono::steady_clock::now() + m_config.idle_timeout;
  watch->close = session.close;
  asio::co_spawn(m_io, watchdog(watch), asio::detached);
  std::string input;
  std::string output;
  std::array<char, 4096> chunk{};
  while (!m_stopping) {
    boost::system::error_code ec;
    const auto n = co_await socket.async_read_some(asio::buffer(chunk),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      break;
    }
    watch->deadline = std::chrono::steady_clock::now() + m_config.idle_timeout;
    input.append(chunk.data(), n);
    std::size_t position = 0;
    bool broken = false;
    session.busy = true;
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
    session.busy = false;
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
  watch->done = true;
  watch->timer.cancel();
  boost::system::error_code ignored;
  socket.close(ignored);
  m_sessions.erase(id);
  m_metrics.connection_closed();
  if (m_stopping && m_sessions.empty()) {
    m_io.stop();
  }
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
  core::Answer answer;
  switch (key.kind) {
  case core::PolicyKeyKind::domain: {
    const auto& settings = m_config.answer_settings(request.name);
    if (const auto* fast = m_engine->try_answer(key.domain, settings)) {
      append_reply(out, *fast);
      m_metrics.count_lookup(kind_name(fast->kind), fast->reason,
                             std::chrono::steady_clock::now() - started);
      co_return;
    } else {
      answer = co_await m_engine->answer(key.domain, settings);
    }
    break;
  }
  case core::PolicyKeyKind::parent_domain:
    answer.reason = "parent-domain";
    break;
  case core::PolicyKeyKind::address_literal:
    answer.reason = "address-literal";
    break;
  case core::PolicyKeyKind::invalid:
    answer.reason = "invalid-key";
    break;
  }
  append_reply(out, answer);
  m_metrics.count_lookup(kind_name(answer.kind), answer.reason,
                         std::chrono::steady_clock::now() - started);
}

Awaitable<void> Daemon::admin_accept_loop()
{
  while (!m_stopping) {
    boost::system::error_code ec;
    auto socket = co_await m_admin->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (m_stopping || ec == asio::error::operation_aborted) {
        break;
      }
      continue;
    }
    asio::co_spawn(m_io, admin_session(std::move(socket)), asio::detached);
  }
}

Awaitable<void> Daemon::admin_session(tcp::socket socket)
{
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer(16384);
  for (int i = 0; i < 100 && !m_stopping; ++i) {
    stream.expires_after(std::chrono::seconds(10));
    http::request_parser<http::string_body> parser;
    parser.header_limit(8192);
    parser.body_limit(4096);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      break;
    }
    auto request = parser.release();
    auto response = co_await admin_route(request);
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    stream.expires_after(std::chrono::seconds(10));
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !request.keep_alive()) {
      break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

Awaitable<http::response<http::string_body>>
Daemon::admin_route(const http::request<http::string_body>& request)
{
  http::response<http::string_body> response;
  response.set(http::field::server, "mtasts-resolver");
  auto reply = [&](http::status status, std::string_view type, std::string body) {
    response.result(status);
    response.set(http::field::content_type, type);
    response.body() = std::move(body);
  };
  const auto target = boost::urls::parse_origin_form(request.target());
  if (!target) {
    reply(http::status::bad_request, "text/plain", "malformed request target\n");
    co_return response;
  }
  const auto path = target->path();
  const auto params = target->params();
  auto param = [&](std::string_view name) -> std::optional<std::string> {
    const auto found = params.find(name);
    if (found == params.end()) {
      return std::nullopt;
    }
    return std::string((*found).value);
  };
  if (path == "/metrics" && request.method() == http::verb::get) {
    reply(http::status::ok, "text/plain; version=0.0.4",
          m_metrics.render(m_engine->domains(), m_engine->policies(), m_engine->in_flight()));
  } else if (path == "/query" && request.method() == http::verb::get) {
    const auto domain = param("domain");
    const auto map = param("map").value_or("postfix");
    const auto key = core::classify_policy_key(domain.value_or(""));
    if (key.kind != core::PolicyKeyKind::domain) {
      json::object body{{"key", domain.value_or("")},
                        {"answer", "NOTFOUND "},
                        {"reason", key.kind == core::PolicyKeyKind::parent_domain ? "parent-domain"
                                   : key.kind == core::PolicyKeyKind::address_literal
                                       ? "address-literal"
                                       : "invalid-key"}};
      reply(http::status::ok, "application/json", json::serialize(body) + "\n");
    } else {
      const auto settings = m_config.answer_settings(map);
      if (!m_engine->try_answer(key.domain, settings)) {
        (void)co_await m_engine->answer(key.domain, settings);
      }
      auto body = m_engine->explain(key.domain, settings);
      body["map"] = map;
      reply(http::status::ok, "application/json", json::serialize(body) + "\n");
    }
  } else if (path == "/flush" && request.method() == http::verb::post) {
    if (param("all") == std::optional<std::string>("1")) {
      const auto flushed = co_await m_engine->flush_all();
      reply(http::status::ok, "application/json",
            json::serialize(json::object{{"flushed", flushed}}) + "\n");
    } else if (const auto domain = param("domain")) {
      const auto key = core::classify_policy_key(*domain);
      if (key.kind != core::PolicyKeyKind::domain) {
        reply(http::status::bad_request, "application/json",
              json::serialize(json::object{{"error", "not a domain: " + *domain}}) + "\n");
      } else {
        const bool present = co_await m_engine->flush(key.domain);
        reply(http::status::ok, "application/json",
              json::serialize(json::object{{"domain", key.domain}, {"flushed", present}}) + "\n");
      }
    } else {
      reply(http::status::bad_request, "application/json",
            "{\"error\":\"give domain=D or all=1\"}\n");
    }
  } else {
    reply(http::status::not_found, "text/plain",
          "GET /metrics, GET /query?domain=D[&map=NAME], POST /flush?domain=D or ?all=1\n");
  }
  co_return response;
}

Awaitable<void> Daemon::handle_signals()
{
  asio::signal_set signals(m_io, SIGTERM, SIGINT, SIGHUP);
  while (true) {
    boost::system::error_code ec;
    const int signal = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    if (signal == SIGHUP) {
      reload();
      continue;
    }
    begin_stop();
    co_return;
  }
}

void Daemon::reload()
{
  notify_systemd("RELOADING=1");
  auto config = effective_config(m_options);
  if (!config) {
    spdlog::error("reload: {}; keeping the running configuration", config.error());
    notify_systemd("READY=1");
    return;
  }
  if (config->listen != m_config.listen || config->admin_listen != m_config.admin_listen ||
      config->cache != m_config.cache) {
    spdlog::warn("reload: listen, admin_listen and cache changes take effect after a restart");
    config->listen = m_config.listen;
    config->admin_listen = m_config.admin_listen;
    config->cache = m_config.cache;
  }
  auto parts = make_net(m_io, *config);
  if (!parts) {
    spdlog::error("reload: {}; keeping the running configuration", parts.error());
    notify_systemd("READY=1");
    return;
  }
  m_config = std::move(*config);
  setup_logging(m_config);
  m_engine->reconfigure(parts->dns, parts->tls, engine_options(m_config));
  spdlog::info("configuration reloaded");
  notify_systemd("READY=1");
}

void Daemon::begin_stop()
{
  spdlog::info("stopping: finishing {} connection(s)", m_sessions.size());
  notify_systemd("STOPPING=1");
  m_stopping = true;
  boost::system::error_code ignored;
  for (auto& acceptor : m_tcp_acceptors) {
    acceptor->close(ignored);
  }
  for (auto& acceptor : m_unix_acceptors) {
    acceptor->close(ignored);
  }
  for (const auto& path : m_unix_paths) {
    ::unlink(path.c_str());
  }
  if (m_admin) {
    m_admin->close(ignored);
  }
  m_engine->stop();
  // Idle connections are closed now; busy ones after their reply (serve() checks m_stopping).
  std::vector<std::function<void()>> closers;
  for (auto& [id, session] : m_sessions) {
    if (!session.busy) {
      closers.push_back(session.close);
    }
  }
  for (auto& close : closers) {
    close();
  }
  if (m_sessions.empty()) {
    m_io.stop();
    return;
  }
  auto grace = std::make_shared<asio::steady_timer>(m_io, std::chrono::seconds(10));
  grace->async_wait([this, grace](boost::system::error_code) { m_io.stop(); });
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
  if (options.log_level) {
    config->log_level = *options.log_level;
  }
  return config;
}

int run_daemon(const DaemonOptions& options, std::ostream& out, std::ostream& err)
{
  auto config = effective_config(options);
  if (!config) {
    err << "mtasts resolver: " << config.error() << '\n';
    return 2;
  }
  if (options.check_config) {
    // Everything that can be checked without binding: endpoints, the cache URL, DNS, TLS.
    for (const auto& listen : config->listen) {
      if (!listen.starts_with("unix:")) {
        if (auto endpoint = parse_tcp_endpoint(listen); !endpoint) {
          err << "mtasts resolver: listen: " << endpoint.error() << '\n';
          return 2;
        }
      }
    }
    asio::io_context io;
    if (auto parts = make_net(io, *config); !parts) {
      err << "mtasts resolver: " << parts.error() << '\n';
      return 2;
    }
    out << describe(*config) << "configuration OK\n";
    return 0;
  }
  setup_logging(*config);
  raise_file_limit();
  // One event loop thread does nearly all allocation; the store worker and libunbound's thread
  // allocate little. Per-thread malloc arenas would mostly hold fragmentation.
  (void)::mallopt(M_ARENA_MAX, 1);
  ::signal(SIGPIPE, SIG_IGN);
  asio::io_context io(1);
  Daemon daemon(io, options, std::move(*config));
  if (auto started = daemon.start(); !started) {
    err << "mtasts resolver: " << started.error() << '\n';
    return 1;
  }
  io.run();
  spdlog::info("stopped");
  return 0;
}

int query_direct(const DaemonOptions& options, const std::string& key_text,
                 const std::string& map_name, std::ostream& out, std::ostream& err)
{
  auto config = effective_config(options);
  if (!config) {
    err << "mtasts resolver query: " << config.error() << '\n';
    return 2;
  }
  const auto key = core::classify_policy_key(key_text);
  if (key.kind != core::PolicyKeyKind::domain) {
    out << json::serialize(json::object{{"key", key_text}, {"answer", "NOTFOUND "}}) << '\n';
    return 0;
  }
  spdlog::set_level(spdlog::level::err);
  asio::io_context io(1);
  auto parts = make_net(io, *config);
  if (!parts) {
    err << "mtasts resolver query: " << parts.error() << '\n';
    return 2;
  }
  auto memory = store::open_policy_store("memory:");
  if (!memory) {
    err << "mtasts resolver query: " << memory.error() << '\n';
    return 1;
  }
  Metrics metrics;
  auto direct_options = engine_options(*config);
  direct_options.observe_testing = false; // one answer now; observing is the daemon's job
  PolicyEngine engine(io, parts->dns, parts->tls, std::make_unique<StoreWorker>(std::move(*memory)),
                      metrics, direct_options);
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
  result["map"] = map_name;
  out << json::serialize(result) << '\n';
  return 0;
}

} // namespace mtasts::resolver
