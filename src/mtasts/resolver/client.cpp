#include <mtasts/resolver/client.hpp>
#include <mtasts/server/admin.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace mtasts::resolver {

namespace {

namespace json = boost::json;
namespace http = server::http;

std::string encoded(std::string_view text)
{
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

ClientError usage(std::string message)
{
  return ClientError{ClientError::Kind::usage, std::move(message)};
}

ClientError unreachable(std::string message)
{
  return ClientError{ClientError::Kind::unreachable, std::move(message)};
}

// One admin request; the reply must be a JSON object with status 200.
util::Expected<json::object, ClientError> ask(const DaemonOptions& options,
                                              const std::string& given, http::verb method,
                                              const std::string& target)
{
  AdminEndpoint endpoint;
  if (auto configured = admin_endpoint(options)) {
    endpoint = std::move(*configured);
  } else if (given.empty()) {
    return util::Unexpected(usage(configured.error()));
  }
  if (!given.empty()) {
    endpoint.address = given;
  }
  if (endpoint.address.empty()) {
    return util::Unexpected(usage("the configuration has no admin_listen; give --admin ADDRESS"));
  }
  const auto reply = server::admin_request(endpoint.address, endpoint.token, method, target);
  if (!reply.error.empty()) {
    return util::Unexpected(unreachable(reply.error));
  }
  boost::system::error_code ec;
  auto body = json::parse(reply.body, ec);
  if (reply.status == 401) {
    return util::Unexpected(
        unreachable("the admin listener at " + endpoint.address +
                    " refused the request: set admin_token_file to the daemon's token file"));
  }
  if (ec || !body.is_object()) {
    return util::Unexpected(unreachable("the admin listener at " + endpoint.address + " answered " +
                                        std::to_string(reply.status) + " with no JSON document"));
  }
  if (reply.status != 200) {
    const auto* error = body.as_object().if_contains("error");
    return util::Unexpected(usage(error != nullptr && error->is_string()
                                      ? std::string(error->as_string())
                                      : "the daemon answered " + std::to_string(reply.status)));
  }
  return std::move(body.as_object());
}

} // namespace

util::Expected<json::object, ClientError> query_resolver(const DaemonOptions& options,
                                                         const QueryRequest& request)
{
  if (request.direct) {
    auto text = query_direct(options, request.key, request.map);
    if (!text) {
      return util::Unexpected(usage(text.error()));
    }
    return json::parse(*text).as_object();
  }
  return ask(options, request.admin, http::verb::get,
             "/query?domain=" + encoded(request.key) + "&map=" + encoded(request.map));
}

util::Expected<json::object, ClientError> flush_resolver(const DaemonOptions& options,
                                                         const FlushRequest& request)
{
  if (request.all == !request.domain.empty()) {
    return util::Unexpected(usage("give a DOMAIN or --all"));
  }
  return ask(options, request.admin, http::verb::post,
             request.all ? std::string("/flush?all=1")
                         : "/flush?domain=" + encoded(request.domain));
}

} // namespace mtasts::resolver
