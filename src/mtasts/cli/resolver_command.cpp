#include <mtasts/cli/resolver_command.hpp>
#include <mtasts/net/asio.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace mtasts::cli {

namespace {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

struct HttpResult
{
  int status = 0;
  std::string body;
  std::string error;
};

// One request to the daemon's admin listener ("IP:PORT" or "[IPv6]:PORT"), 30 s overall.
HttpResult admin_request(const std::string& admin, http::verb verb, const std::string& target)
{
  HttpResult result;
  std::string host = admin;
  std::string port;
  const auto colon = admin.rfind(':');
  if (colon == std::string::npos) {
    result.error = "admin address \"" + admin + "\" is not IP:PORT";
    return result;
  }
  host = admin.substr(0, colon);
  port = admin.substr(colon + 1);
  if (host.starts_with('[') && host.ends_with(']')) {
    host = host.substr(1, host.size() - 2);
  }
  asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  unsigned short port_number = 0;
  try {
    port_number = static_cast<unsigned short>(std::stoul(port));
  } catch (const std::exception&) {
    ec = asio::error::invalid_argument;
  }
  if (ec) {
    result.error = "admin address \"" + admin + "\" is not IP:PORT";
    return result;
  }
  stream.expires_after(std::chrono::seconds(30));
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, admin);
  request.set(http::field::user_agent, "mtasts");
  request.prepare_payload();
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  stream.async_connect(
      asio::ip::tcp::endpoint(address, port_number), [&](boost::system::error_code connect_error) {
        if (connect_error) {
          ec = connect_error;
          return;
        }
        http::async_write(stream, request, [&](boost::system::error_code write_error, std::size_t) {
          if (write_error) {
            ec = write_error;
            return;
          }
          http::async_read(
              stream, buffer, response,
              [&](boost::system::error_code read_error, std::size_t) { ec = read_error; });
        });
      });
  io.run();
  if (ec) {
    result.error = "cannot reach the resolver's admin listener at " + admin + ": " + ec.message();
    return result;
  }
  result.status = static_cast<int>(response.result_int());
  result.body = response.body();
  return result;
}

std::string encoded(std::string_view text)
{
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string admin_address(const resolver::DaemonOptions& options, const std::string& given,
                          std::string& error)
{
  if (!given.empty()) {
    return given;
  }
  auto config = resolver::effective_config(options);
  if (!config) {
    error = config.error();
    return {};
  }
  if (config->admin_listen.empty()) {
    error = "the configuration has no admin_listen; give --admin IP:PORT";
  }
  return config->admin_listen;
}

} // namespace

int resolver_run(const resolver::DaemonOptions& options, const Io& io)
{
  return resolver::run_daemon(options, io.out, io.err);
}

int resolver_query(const resolver::DaemonOptions& options, const ResolverQueryOptions& query,
                   const Io& io)
{
  if (query.direct) {
    return resolver::query_direct(options, query.key, query.map, io.out, io.err);
  }
  std::string error;
  const auto admin = admin_address(options, query.admin, error);
  if (!error.empty()) {
    io.err << "mtasts resolver query: " << error << '\n';
    return exit_usage;
  }
  const auto result = admin_request(
      admin, http::verb::get, "/query?domain=" + encoded(query.key) + "&map=" + encoded(query.map));
  if (!result.error.empty()) {
    io.err << "mtasts resolver query: " << result.error
           << " (is the daemon running? --direct resolves without it)\n";
    return exit_problem;
  }
  io.out << result.body;
  return result.status == 200 ? exit_ok : exit_problem;
}

int resolver_flush(const resolver::DaemonOptions& options, const ResolverFlushOptions& flush,
                   const Io& io)
{
  if (flush.all == !flush.domain.empty()) {
    io.err << "mtasts resolver flush: give a DOMAIN or --all\n";
    return exit_usage;
  }
  std::string error;
  const auto admin = admin_address(options, flush.admin, error);
  if (!error.empty()) {
    io.err << "mtasts resolver flush: " << error << '\n';
    return exit_usage;
  }
  const auto result =
      admin_request(admin, http::verb::post,
                    flush.all ? "/flush?all=1" : "/flush?domain=" + encoded(flush.domain));
  if (!result.error.empty()) {
    io.err << "mtasts resolver flush: " << result.error << '\n';
    return exit_problem;
  }
  io.out << result.body;
  return result.status == 200 ? exit_ok : exit_problem;
}

} // namespace mtasts::cli
