#include <mtasts/cli/resolver_command.hpp>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace mtasts::cli {

namespace {

namespace json = boost::json;

std::string text_of(const json::object& object, std::string_view key)
{
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return {};
  }
  if (value->is_string()) {
    return std::string(value->as_string());
  }
  return json::serialize(*value);
}

int client_failure(const Io& io, bool json_output, const resolver::ClientError& error)
{
  if (error.kind == resolver::ClientError::Kind::usage) {
    return usage_error(io, json_output, "resolver: " + error.message);
  }
  if (json_output) {
    print_json(io, json::object{{"error", json::object{{"kind", "unreachable"},
                                                       {"message", error.message}}}});
  } else {
    io.err << "mtasts resolver: " << error.message
           << " (is the daemon running? query --direct resolves without it)\n";
  }
  return exit_problem;
}

// postmap -q style: the reply Postfix gets, then why, one fact per line.
void print_explanation(const Io& io, const json::object& e)
{
  io.out << text_of(e, "answer") << '\n';
  io.out << "  reason: " << text_of(e, "reason");
  if (const auto failure = text_of(e, "failure"); !failure.empty()) {
    io.out << " (" << failure << ")";
  }
  io.out << '\n';
  if (const auto detail = text_of(e, "detail"); !detail.empty()) {
    io.out << "  detail: " << detail << '\n';
  }
  if (const auto* cached = e.if_contains("cached_policy"); cached && cached->is_object()) {
    const auto& policy = cached->as_object();
    std::vector<std::string> mx;
    if (const auto* list = policy.if_contains("mx"); list && list->is_array()) {
      for (const auto& pattern : list->as_array()) {
        mx.emplace_back(pattern.as_string());
      }
    }
    io.out << fmt::format(
        "  policy: id {} mode {} max_age {} mx {}; fetched {}, {} until {}\n",
        text_of(policy, "id"), text_of(policy, "mode"), text_of(policy, "max_age"),
        fmt::join(mx, ", "), text_of(policy, "fetched_at"),
        text_of(policy, "valid") == "true" ? "valid" : "expired", text_of(policy, "expires_at"));
  } else if (e.contains("cached_policy")) {
    io.out << "  policy: none cached\n";
  }
  if (const auto dane = text_of(e, "dane"); !dane.empty()) {
    io.out << "  dane: " << dane << '\n';
  }
  if (const auto* backoff = e.if_contains("fetch_backoff"); backoff && backoff->is_object()) {
    io.out << fmt::format("  fetch backoff: id {} until {}\n", text_of(backoff->as_object(), "id"),
                          text_of(backoff->as_object(), "until"));
  }
  if (const auto* observations = e.if_contains("observations");
      observations && observations->is_array()) {
    for (const auto& item : observations->as_array()) {
      const auto& o = item.as_object();
      io.out << fmt::format("  observed (as under enforce): {} {} {}{}\n", text_of(o, "mx_host"),
                            text_of(o, "outcome"), text_of(o, "result_type"),
                            text_of(o, "detail").empty() ? "" : ": " + text_of(o, "detail"));
    }
  }
  if (const auto cache = text_of(e, "cache"); !cache.empty()) {
    io.out << "  cache: " << cache << '\n';
  }
}

} // namespace

int resolver_run(const resolver::DaemonOptions& options, const Io& io)
{
  return resolver::run_daemon(options, io.out, io.err);
}

int resolver_query(const resolver::DaemonOptions& options, const ResolverQueryOptions& query,
                   const Io& io)
{
  const auto result = resolver::query_resolver(options, query.request);
  if (!result) {
    return client_failure(io, query.json, result.error());
  }
  if (query.json) {
    print_json(io, *result);
  } else {
    print_explanation(io, *result);
  }
  return exit_ok;
}

int resolver_flush(const resolver::DaemonOptions& options, const ResolverFlushOptions& flush,
                   const Io& io)
{
  const auto result = resolver::flush_resolver(options, flush.request);
  if (!result) {
    return client_failure(io, flush.json, result.error());
  }
  // One JSON document with or without --json (docs/CLI.md: scripts parse it).
  print_json(io, *result);
  return exit_ok;
}

} // namespace mtasts::cli
