#include <mtasts/cli/domains_command.hpp>
#include <mtasts/serve/daemon.hpp>
#include <mtasts/server/admin.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <fmt/format.h>

#include <charconv>

namespace mtasts::cli {

namespace {

namespace json = boost::json;
namespace http = server::http;

std::string text_of(const json::object& object, std::string_view key)
{
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return {};
  }
  return value->is_string() ? std::string(value->as_string()) : json::serialize(*value);
}

std::string joined(const json::object& object, std::string_view key)
{
  std::string out;
  if (const auto* value = object.if_contains(key); value != nullptr && value->is_array()) {
    for (const auto& item : value->as_array()) {
      out += (out.empty() ? "" : ", ") + std::string(item.as_string());
    }
  }
  return out;
}

// One exchange with serve's admin API. The daemon's JSON on success; exit code on failure
// (2 for a request the daemon refused as invalid, 1 otherwise), the error already printed.
struct Exchange
{
  std::optional<json::object> document;
  int exit_code = exit_ok;
};

Exchange call(const DomainsOptions& options, const Io& io, http::verb method,
              const std::string& target, std::string body = {})
{
  const auto fail = [&](int code, std::string kind, const std::string& message) {
    if (options.json) {
      print_json(io, json::object{
                         {"error", json::object{{"kind", std::move(kind)}, {"message", message}}}});
    } else {
      io.err << "mtasts domains: " << message << '\n';
    }
    return Exchange{std::nullopt, code};
  };
  const auto endpoint = serve::serve_admin_endpoint(options.config_file);
  if (!endpoint) {
    return fail(exit_problem, "config", endpoint.error());
  }
  const auto reply = server::admin_request(endpoint->address, endpoint->token, method, target,
                                           std::chrono::seconds(30), std::move(body));
  if (!reply.error.empty()) {
    return fail(exit_problem, "unreachable", reply.error + " (is mtasts serve running?)");
  }
  boost::system::error_code ec;
  auto document = json::parse(reply.body, ec);
  if (ec || !document.is_object()) {
    return fail(exit_problem, "daemon",
                fmt::format("the admin listener answered {}: {}", reply.status, reply.body));
  }
  if (reply.status >= 300) {
    const auto* error = document.as_object().if_contains("error");
    if (options.json) {
      print_json(io, document);
    } else if (error != nullptr && error->is_object()) {
      io.err << "mtasts domains: " << text_of(error->as_object(), "message") << '\n';
      if (const auto* fields = error->as_object().if_contains("fields");
          fields != nullptr && fields->is_array()) {
        for (const auto& field : fields->as_array()) {
          io.err << "  " << text_of(field.as_object(), "field") << ": "
                 << text_of(field.as_object(), "message") << '\n';
        }
      }
    }
    return Exchange{std::nullopt, reply.status == 400 ? exit_usage : exit_problem};
  }
  return Exchange{std::move(document.as_object()), exit_ok};
}

std::string encoded(std::string_view text)
{
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

void print_domain(const Io& io, const json::object& d)
{
  io.out << fmt::format("{}  ({})\n", text_of(d, "name"), text_of(d, "source"));
  io.out << fmt::format("  policy: mode {}, mx {}, max_age {}\n", text_of(d, "mode"),
                        joined(d, "mx"), text_of(d, "max_age"));
  io.out << fmt::format("  id: {} (changed {})\n", text_of(d, "id"), text_of(d, "changed_at"));
  io.out << fmt::format("  url: {}\n", text_of(d, "policy_url"));
  if (const auto rua = joined(d, "rua"); !rua.empty()) {
    io.out << fmt::format("  rua: {}\n", rua);
  }
  if (const auto* certificate = d.if_contains("certificate");
      certificate != nullptr && certificate->is_object()) {
    const auto& c = certificate->as_object();
    io.out << fmt::format("  certificate: {} {}{}\n", text_of(c, "state"), text_of(c, "file"),
                          text_of(c, "error").empty() ? "" : " (" + text_of(c, "error") + ")");
  }
  if (const auto forget = text_of(d, "forget_at"); !forget.empty()) {
    io.out << fmt::format("  offboarding: serving mode none, forgotten at {}\n", forget);
  }
}

// The fields given on the command line, as the admin API reads them; a usage error otherwise.
std::optional<json::object> settings_body(const DomainsOptions& options, const Io& io, int& code)
{
  json::object body;
  if (options.mode) {
    body["mode"] = *options.mode;
  }
  if (!options.mx.empty()) {
    body["mx"] = json::array(options.mx.begin(), options.mx.end());
  }
  if (!options.rua.empty()) {
    body["rua"] = json::array(options.rua.begin(), options.rua.end());
  }
  if (options.max_age) {
    std::int64_t value = 0;
    const auto& text = *options.max_age;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty() ||
        text.front() == '-' || text.front() == '+') {
      code = usage_error(io, options.json, "--max-age: expected a decimal number of seconds");
      return std::nullopt;
    }
    body["max_age"] = value;
  }
  if (options.certificate) {
    body["certificate"] = *options.certificate;
  }
  if (options.key) {
    body["key"] = *options.key;
  }
  return body;
}

int print_result(const DomainsOptions& options, const Io& io, const Exchange& exchange)
{
  if (!exchange.document) {
    return exchange.exit_code;
  }
  if (options.json) {
    print_json(io, *exchange.document);
  } else {
    print_domain(io, *exchange.document);
  }
  return exit_ok;
}

} // namespace

int domains_list(const DomainsOptions& options, const Io& io)
{
  const auto exchange = call(options, io, http::verb::get, "/domains");
  if (!exchange.document) {
    return exchange.exit_code;
  }
  if (options.json) {
    print_json(io, *exchange.document);
    return exit_ok;
  }
  const auto& domains = exchange.document->at("domains").as_array();
  io.out << fmt::format("{:<32} {:<8} {:<8} {:<18} {}\n", "DOMAIN", "SOURCE", "MODE", "ID",
                        "CERTIFICATE");
  for (const auto& item : domains) {
    const auto& d = item.as_object();
    const auto* certificate = d.if_contains("certificate");
    io.out << fmt::format("{:<32} {:<8} {:<8} {:<18} {}\n", text_of(d, "name"),
                          text_of(d, "source"), text_of(d, "mode"), text_of(d, "id"),
                          certificate != nullptr && certificate->is_object()
                              ? text_of(certificate->as_object(), "state")
                              : std::string());
  }
  return exit_ok;
}

int domains_show(const DomainsOptions& options, const Io& io)
{
  return print_result(
      options, io,
      call(options, io, http::verb::get, "/domains/show?name=" + encoded(options.name)));
}

int domains_add(const DomainsOptions& options, const Io& io)
{
  int code = exit_ok;
  const auto body = settings_body(options, io, code);
  if (!body) {
    return code;
  }
  return print_result(options, io,
                      call(options, io, http::verb::post,
                           "/domains/add?name=" + encoded(options.name), json::serialize(*body)));
}

int domains_set(const DomainsOptions& options, const Io& io)
{
  int code = exit_ok;
  const auto body = settings_body(options, io, code);
  if (!body) {
    return code;
  }
  if (body->empty()) {
    return usage_error(io, options.json,
                       "domains set: give at least one of --mode, --mx, --max-age, --rua, "
                       "--certificate/--key");
  }
  return print_result(options, io,
                      call(options, io, http::verb::post,
                           "/domains/set?name=" + encoded(options.name), json::serialize(*body)));
}

int domains_remove(const DomainsOptions& options, const Io& io)
{
  return print_result(
      options, io,
      call(options, io, http::verb::post, "/domains/remove?name=" + encoded(options.name)));
}

} // namespace mtasts::cli
