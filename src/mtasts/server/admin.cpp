#include <mtasts/server/admin.hpp>

#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <sys/stat.h>

#include <fstream>

namespace mtasts::server {

namespace beast = boost::beast;

namespace {

constexpr std::size_t k_header_limit = 8192;
constexpr std::size_t k_body_limit = 4096;
constexpr int k_requests_per_connection = 100;
constexpr std::chrono::seconds k_io_timeout{10};

std::string trimmed(std::string text)
{
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

bool same_token(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

std::optional<std::string> AdminRequest::param(std::string_view name) const
{
  const auto found = params.find(name);
  return found == params.end() ? std::nullopt : std::optional(found->second);
}

util::Expected<std::string, std::string> read_token_file(const std::string& path)
{
  std::ifstream file(path);
  if (!file) {
    return util::Unexpected(fmt::format("token file {}: cannot be read", path));
  }
  std::string line;
  std::getline(file, line);
  line = trimmed(std::move(line));
  if (line.size() < 16) {
    return util::Unexpected(
        fmt::format("token file {}: the token must be at least 16 characters", path));
  }
  return line;
}

std::optional<std::string> admin_access_error(const ListenAddress& address, bool has_token)
{
  if (has_token || address.local_only()) {
    return std::nullopt;
  }
  return fmt::format("the admin listener {} is reachable from other hosts and serves flush "
                     "without authentication: set admin_token_file (a bearer token) or listen "
                     "on loopback or a unix: socket",
                     address.text);
}

AdminServer::AdminServer(asio::io_context& io, std::string server_name)
    : m_io(io), m_server_name(std::move(server_name))
{}

AdminServer::~AdminServer() = default;

void AdminServer::route(http::verb method, std::string path, AdminHandler handler,
                        std::string usage)
{
  m_routes.push_back(Route{method, std::move(path), std::move(handler)});
  m_usage.push_back(std::move(usage));
}

util::Expected<bool, std::string> AdminServer::listen(const ListenAddress& address,
                                                      std::string token,
                                                      const UnixSocketOptions& unix_options)
{
  if (auto refused = admin_access_error(address, !token.empty())) {
    return util::Unexpected(*refused);
  }
  auto listener = Listener::open(m_io, address, unix_options);
  if (!listener) {
    return util::Unexpected(listener.error());
  }
  m_token = std::move(token);
  m_listener = std::move(*listener);
  asio::co_spawn(m_io, m_listener->accept_loop([this](auto socket) {
    asio::co_spawn(m_io, session(std::move(socket)), asio::detached);
  }),
                 asio::detached);
  return true;
}

void AdminServer::close()
{
  if (m_listener) {
    m_listener->close();
  }
}

net::Awaitable<http::response<http::string_body>>
AdminServer::respond(const http::request<http::string_body>& request)
{
  http::response<http::string_body> response;
  response.set(http::field::server, m_server_name);
  const auto reply = [&](http::status status, std::string_view type, std::string body) {
    response.result(status);
    response.set(http::field::content_type, type);
    response.body() = std::move(body);
  };
  if (!m_token.empty()) {
    const auto given = request[http::field::authorization];
    constexpr std::string_view k_scheme = "Bearer ";
    if (!given.starts_with(k_scheme) ||
        !same_token(given.substr(k_scheme.size()), std::string_view(m_token))) {
      response.set(http::field::www_authenticate, "Bearer realm=\"mtasts\"");
      reply(http::status::unauthorized, "text/plain",
            "a bearer token is required (Authorization: Bearer <token>)\n");
      co_return response;
    }
  }
  const auto target = boost::urls::parse_origin_form(request.target());
  if (!target) {
    reply(http::status::bad_request, "text/plain", "malformed request target\n");
    co_return response;
  }
  AdminRequest admin;
  admin.method = request.method();
  admin.path = std::string(target->path());
  for (const auto& param : target->params()) {
    admin.params.emplace(std::string(param.key), std::string(param.value));
  }
  admin.body = request.body();
  bool path_known = false;
  for (const auto& route : m_routes) {
    if (route.path != admin.path) {
      continue;
    }
    path_known = true;
    if (route.method == admin.method) {
      const auto answer = co_await route.handler(admin);
      reply(answer.status, answer.content_type, answer.body);
      co_return response;
    }
  }
  if (path_known) {
    std::string allow;
    for (const auto& route : m_routes) {
      if (route.path == admin.path) {
        allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(route.method));
      }
    }
    response.set(http::field::allow, allow);
    reply(http::status::method_not_allowed, "text/plain", "method not allowed\n");
    co_return response;
  }
  std::string usage;
  for (const auto& line : m_usage) {
    usage += line + "\n";
  }
  reply(http::status::not_found, "text/plain", usage);
  co_return response;
}

template <typename Socket>
net::Awaitable<void> AdminServer::session(Socket socket)
{
  beast::basic_stream<typename Socket::protocol_type> stream(std::move(socket));
  beast::flat_buffer buffer(16384);
  for (int i = 0; i < k_requests_per_connection; ++i) {
    stream.expires_after(k_io_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(k_header_limit);
    parser.body_limit(k_body_limit);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      break;
    }
    auto request = parser.release();
    auto response = co_await respond(request);
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    stream.expires_after(k_io_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !request.keep_alive()) {
      break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::socket_base::shutdown_both, ignored);
}

namespace {

template <typename Protocol>
net::Awaitable<void> exchange(typename Protocol::endpoint endpoint,
                              http::request<http::string_body> request,
                              std::chrono::milliseconds timeout, AdminReply& reply)
{
  beast::basic_stream<Protocol> stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout);
  boost::system::error_code ec;
  co_await stream.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  }
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  if (!ec) {
    co_await http::async_read(stream, buffer, response,
                              asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    reply.error = ec.message();
    co_return;
  }
  reply.status = static_cast<int>(response.result_int());
  reply.body = std::move(response.body());
}

} // namespace

AdminReply admin_request(std::string_view address, std::string_view token, http::verb method,
                         std::string target, std::chrono::milliseconds timeout, std::string body)
{
  AdminReply reply;
  auto parsed = parse_listen_address(address);
  if (!parsed) {
    reply.error = parsed.error();
    return reply;
  }
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, parsed->is_unix() ? std::string("localhost") : parsed->text);
  request.set(http::field::user_agent, "mtasts");
  if (!token.empty()) {
    request.set(http::field::authorization, "Bearer " + std::string(token));
  }
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
  }
  request.prepare_payload();
  asio::io_context io;
  if (parsed->is_unix()) {
    asio::co_spawn(io,
                   exchange<local_stream>(local_stream::endpoint(parsed->path), std::move(request),
                                          timeout, reply),
                   asio::detached);
  } else {
    asio::co_spawn(io, exchange<tcp>(parsed->endpoint, std::move(request), timeout, reply),
                   asio::detached);
  }
  io.run();
  if (!reply.error.empty()) {
    reply.error = fmt::format("cannot reach the admin listener at {}: {}", address, reply.error);
  }
  return reply;
}

} // namespace mtasts::server
