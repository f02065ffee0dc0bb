// Step 6 of the checker: `_smtp._tls` and its https: endpoints (check/findings.hpp).
#include <mtasts/check/evidence_json.hpp>
#include <mtasts/check/findings.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/net/sts_discovery.hpp>

#include <fmt/format.h>

namespace mtasts::check {

namespace {

namespace json = boost::json;

// The findings of one `https:` rua URI, in address order.
void rua_findings(const RuaEvidence& rua, Problems& out)
{
  const auto& unreachable = core::check_code("tlsrpt-https-unreachable");
  json::object base{{"uri", rua.uri}};
  if (!rua.endpoint) {
    base["failure"] = "uri";
    base["detail"] = rua.endpoint_error;
    add_problem(
        out, unreachable, true,
        fmt::format("TLS reports cannot be delivered to {}: {}", rua.uri, rua.endpoint_error),
        std::move(base));
    return;
  }
  const auto& endpoint = *rua.endpoint;
  base["host"] = endpoint.host;
  base["port"] = endpoint.port;
  if (rua.probes.empty()) {
    const std::string why =
        rua.a.failed() || rua.aaaa.failed()
            ? "the address lookup failed: " + (rua.a.failed() ? rua.a.failure : rua.aaaa.failure)
            : std::string("it has no address (A or AAAA)");
    json::object details = base;
    details["failure"] = "no-address";
    details["detail"] = why;
    details["a"] = answer_json(rua.a);
    details["aaaa"] = answer_json(rua.aaaa);
    add_problem(out, unreachable, true,
                fmt::format("TLS reports cannot be delivered to {}: the host {} cannot be "
                            "reached, {} (RFC 8460 §5.4)",
                            rua.uri, endpoint.host, why),
                std::move(details));
    return;
  }
  for (const auto& probe : rua.probes) {
    json::object details = merged(base, https_probe_json(probe));
    const std::string where = fmt::format("The TLSRPT endpoint {} at {}", rua.uri, probe.address);
    if (!probe.ok() || !probe.tls) {
      add_problem(out, unreachable, true,
                  fmt::format("{} cannot take reports: {}. Senders retry and then drop the "
                              "report (RFC 8460 §5.4)",
                              where, probe.detail),
                  std::move(details));
      continue;
    }
    if (const auto type = net::result_type_for(*probe.tls)) {
      const std::string why =
          probe.tls->identity_matched || probe.tls->chain != net::ChainVerdict::trusted
              ? probe.tls->verify_error
              : "no subjectAltName matches " + endpoint.host;
      details["result_type"] = core::result_type_name(*type);
      add_problem(out, core::check_code("tlsrpt-https-certificate-invalid"), true,
                  fmt::format("{} presents a certificate that is not valid for {}: {} ({}). "
                              "Senders that validate it do not deliver reports there "
                              "(RFC 8460 §5.4)",
                              where, endpoint.host, why, core::result_type_name(*type)),
                  std::move(details));
      continue;
    }
    add_problem(out, core::check_code("tlsrpt-https-reachable"), true,
                fmt::format("{} accepts TLS with a valid certificate for {} (no report was sent)",
                            where, endpoint.host),
                std::move(details));
  }
}

} // namespace

Problems tlsrpt_findings(const DomainEvidence& evidence, bool sts_published)
{
  Problems out;
  const auto& answer = evidence.tlsrpt_txt;
  const std::string& name = answer.name;
  const auto records = net::txt_records(answer);
  json::object base = answer_json(answer);
  base["records"] = strings_json(records);
  if (answer.failed()) {
    add_problem(out, core::check_code("dns-error"), core::Severity::warning,
                fmt::format("The TXT lookup of {} failed: {}", name, answer.failure),
                std::move(base));
    return out;
  }
  const auto selected = core::select_tlsrpt_record(records, core::Profile::compatible);
  if (!selected.ok()) {
    for (const auto& diagnostic : selected.diagnostics) {
      if (diagnostic.severity != core::Severity::error) {
        continue;
      }
      if (diagnostic.code == "no-record") {
        if (sts_published) {
          add_problem(out, core::check_code("tlsrpt-record-missing"), true,
                      fmt::format("No TLSRPT record (\"v=TLSRPTv1; rua=...\") at {}: nobody is "
                                  "told when senders fail to reach the MX hosts securely",
                                  name),
                      merged(base, diagnostic_json(diagnostic)));
        }
        return out;
      }
      add_problem(out, core::check_code("tlsrpt-record-invalid"), true,
                  fmt::format("The TLSRPT record at {} is invalid: {}", name, diagnostic.message),
                  merged(base, diagnostic_json(diagnostic)));
    }
    return out;
  }
  const auto strict = core::select_tlsrpt_record(records, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    add_problem(out, core::check_code("tlsrpt-record-lint"), true,
                fmt::format("{}: {}", name, diagnostic.message),
                merged(base, diagnostic_json(diagnostic)));
  }
  base["rua"] = strings_json(selected.value->rua);
  add_problem(out, core::check_code("tlsrpt-record-valid"), true,
              fmt::format("TLS reports go to {}", fmt::join(selected.value->rua, ", ")),
              std::move(base));
  for (const auto& rua : evidence.rua) {
    rua_findings(rua, out);
  }
  return out;
}

} // namespace mtasts::check
