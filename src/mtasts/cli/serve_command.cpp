#include <mtasts/cli/serve_command.hpp>
#include <mtasts/server/admin.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

namespace mtasts::cli {

namespace json = boost::json;

int serve_run(const serve::ServeOptions& options, const Io& io)
{
  return serve::run_serve(options, io.out, io.err);
}

int serve_records(const ServeRecordsOptions& options, const Io& io)
{
  const auto fail = [&](const std::string& message) {
    if (options.json) {
      print_json(
          io, json::object{{"error", json::object{{"kind", "unreachable"}, {"message", message}}}});
    } else {
      io.err << "mtasts serve records: " << message << '\n';
    }
    return exit_problem;
  };
  const auto endpoint = serve::serve_admin_endpoint(options.config_file);
  if (!endpoint) {
    return fail(endpoint.error());
  }
  const auto reply = server::admin_request(endpoint->address, endpoint->token,
                                           server::http::verb::get, "/records");
  if (!reply.error.empty()) {
    return fail(reply.error + " (is mtasts serve running?)");
  }
  boost::system::error_code ec;
  auto document = json::parse(reply.body, ec);
  if (reply.status != 200 || ec || !document.is_object()) {
    return fail(fmt::format("the admin listener answered {}: {}", reply.status, reply.body));
  }
  if (options.json) {
    print_json(io, document.as_object());
    return exit_ok;
  }
  for (const auto& domain : document.as_object()["domains"].as_array()) {
    const auto& d = domain.as_object();
    io.out << fmt::format("; {} (policy id {}, {})\n", d.at("name").as_string().c_str(),
                          d.at("id").as_string().c_str(), d.at("policy_url").as_string().c_str());
    for (const auto& record : d.at("records").as_array()) {
      io.out << record.as_object().at("zone_line").as_string().c_str() << '\n';
    }
  }
  for (const auto& warning : document.as_object()["warnings"].as_array()) {
    io.err << "mtasts serve records: warning: " << warning.as_string().c_str() << '\n';
  }
  return exit_ok;
}

} // namespace mtasts::cli
