// The admin HTTP listener every daemon shares (HTTP/1.1, keep-alive, bounded): routes by method
// and path to the daemon's handlers, and access control. A listener that other hosts can reach
// (TCP not on loopback) must have a bearer token, read from a file; with a token every request
// must carry "Authorization: Bearer <token>" (401 otherwise), on any listener. The client side
// (`mtasts resolver query|flush`) is admin_request().
#pragma once

#include <mtasts/net/asio.hpp>
#include <mtasts/server/listener.hpp>
#include <mtasts/util/expected.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mtasts::server {

namespace http = boost::beast::http;

struct AdminRequest
{
  http::verb method = http::verb::get;
  std::string path;
  std::map<std::string, std::string, std::less<>> params; // query parameters, decoded; first wins
  std::string body;

  std::optional<std::string> param(std::string_view name) const;
};

struct AdminResponse
{
  http::status status = http::status::ok;
  std::string content_type = "application/json";
  std::string body;
};

using AdminHandler = std::function<net::Awaitable<AdminResponse>(const AdminRequest&)>;

// Reads a bearer token: the file's first line, without surrounding whitespace; at least 16
// characters. Errors name the file.
util::Expected<std::string, std::string> read_token_file(const std::string& path);

// Why `address` may not serve without a token ("" when it may): reachable from other hosts.
std::optional<std::string> admin_access_error(const ListenAddress& address, bool has_token);

class AdminServer
{
public:
  AdminServer(asio::io_context& io, std::string server_name);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Handlers for exact paths; `usage` lines are listed in the 404 body.
  void route(http::verb method, std::string path, AdminHandler handler, std::string usage);

  // Opens the listener and starts accepting. `token` empty = no authentication, allowed only
  // when admin_access_error() says so.
  util::Expected<bool, std::string> listen(const ListenAddress& address, std::string token,
                                           const UnixSocketOptions& unix_options);
  void set_token(std::string token) { m_token = std::move(token); }
  void close();

  // The response to one request (routing, authentication, the handler).
  net::Awaitable<http::response<http::string_body>>
  respond(const http::request<http::string_body>& request);

private:
  struct Route
  {
    http::verb method;
    std::string path;
    AdminHandler handler;
  };
  template <typename Socket>
  net::Awaitable<void> session(Socket socket);

  asio::io_context& m_io;
  std::string m_server_name;
  std::vector<Route> m_routes;
  std::vector<std::string> m_usage;
  std::string m_token;
  std::unique_ptr<Listener> m_listener;
};

// --- Client

struct AdminReply
{
  int status = 0;
  std::string body;
  std::string error; // set when the daemon could not be reached or did not answer
};

// One request to an admin listener at `address` ("IP:PORT", "[IPv6]:PORT" or "unix:/path"),
// with the bearer `token` when not empty, and `body` (JSON) when not empty. Everything within
// `timeout`.
AdminReply admin_request(std::string_view address, std::string_view token, http::verb method,
                         std::string target,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30),
                         std::string body = {});

} // namespace mtasts::server
