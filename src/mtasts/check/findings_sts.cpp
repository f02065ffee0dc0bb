// Steps 1 to 3 of the checker: the `_mta-sts` record and the policy (check/findings.hpp).
#include <mtasts/check/evidence_json.hpp>
#include <mtasts/check/findings.hpp>
#include <mtasts/core/sender_compat.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/net/sts_discovery.hpp>
#include <mtasts/util/rfc3339.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mtasts::check {

namespace {

namespace json = boost::json;

constexpr std::uint32_t k_one_day = 86400; // RFC 8461 §3.2 advises weeks under enforce
constexpr std::chrono::days k_policy_certificate_margin{30};

// policy-host-certificate-expires-soon for every successful fetch whose leaf certificate ends
// within k_policy_certificate_margin, in address order.
void policy_certificate_findings(const std::vector<const net::FetchEvidence*>& fetched,
                                 std::optional<std::uint32_t> max_age, TimePoint now, Problems& out)
{
  const auto horizon = (now + k_policy_certificate_margin).time_since_epoch().count();
  for (const auto* fetch : fetched) {
    if (!fetch->tls || fetch->tls->chain_summary.empty()) {
      continue;
    }
    const auto not_after = fetch->tls->chain_summary.front().not_after;
    if (not_after >= horizon) {
      continue;
    }
    const auto days_left = (not_after - now.time_since_epoch().count()) / 86400;
    json::object evidence = fetch_json(*fetch);
    evidence["not_after"] = util::format_rfc3339_utc(not_after);
    evidence["days_left"] = days_left;
    std::string cached = "senders that cached the policy drop it max_age later";
    if (max_age) {
      cached = fmt::format(
          "senders that cached the policy drop it max_age ({} s) later, by {}", *max_age,
          util::format_rfc3339_utc(not_after + static_cast<std::int64_t>(*max_age)));
    }
    add_problem(out, core::check_code("policy-host-certificate-expires-soon"), true,
                fmt::format("The certificate of {} at {} expires {} (in {} days): renew it before "
                            "then. After that date senders' policy refreshes fail with "
                            "sts-webpki-invalid (RFC 8461 §3.3), and {}",
                            fetch->host, fetch->address, util::format_rfc3339_utc(not_after),
                            days_left, cached),
                std::move(evidence));
  }
}

// The mode of a valid policy as findings of their own (and max_age under enforce).
void mode_findings(const core::Policy& policy, const json::object& where, Problems& out)
{
  json::object evidence = where;
  evidence["mode"] = core::mode_name(policy.mode);
  evidence["max_age"] = policy.max_age;
  switch (policy.mode) {
  case core::PolicyMode::enforce:
    if (policy.max_age < k_one_day) {
      add_problem(out, core::check_code("max-age-short-for-enforce"), true,
                  fmt::format("mode enforce with max_age {} s: senders forget the policy within "
                              "a day, which leaves a window for downgrade attacks. Use weeks "
                              "(RFC 8461 §3.2), e.g. 1209600",
                              policy.max_age),
                  std::move(evidence));
    }
    break;
  case core::PolicyMode::testing:
    add_problem(out, core::check_code("testing-mode"), false,
                "mode testing: senders report TLS failures (TLSRPT) but still deliver without TLS",
                std::move(evidence));
    break;
  case core::PolicyMode::none:
    add_problem(out, core::check_code("none-mode"), false,
                "mode none: senders drop any cached policy; MTA-STS is being withdrawn",
                std::move(evidence));
    break;
  }
}

} // namespace

Problems sts_record_findings(const DomainEvidence& evidence, bool& published)
{
  Problems out;
  published = false;
  const auto& answer = evidence.sts_txt;
  const std::string& name = answer.name;
  const auto records = net::txt_records(answer);
  json::object base = answer_json(answer);
  base["records"] = strings_json(records);
  base["cname_chain"] = strings_json(evidence.sts_chain.targets);
  if (!evidence.sts_chain.failure.empty()) {
    base["cname_failure"] = evidence.sts_chain.failure;
  }
  if (answer.dnssec == net::DnssecStatus::bogus) {
    base["result_type"] = "dnssec-invalid";
    add_problem(out, core::result_type_code("dnssec-invalid"), true,
                fmt::format("The TXT lookup of {} is DNSSEC-bogus ({}): validating senders find "
                            "no policy (RFC 8460 §4.3.2.1)",
                            name, answer.why_bogus),
                std::move(base));
    return out;
  }
  if (answer.failed()) {
    add_problem(out, core::check_code("dns-error"), true,
                fmt::format("The TXT lookup of {} failed: {}", name, answer.failure),
                std::move(base));
    return out;
  }
  const auto selected = core::select_sts_record(records, core::Profile::compatible);
  if (!selected.ok()) {
    for (const auto& diagnostic : selected.diagnostics) {
      if (diagnostic.severity != core::Severity::error) {
        continue;
      }
      if (diagnostic.code == "no-record") {
        add_problem(out, core::check_code("sts-record-missing"), true,
                    fmt::format("No MTA-STS record (\"v=STSv1; id=...\") at {}: senders do not "
                                "use MTA-STS for this domain",
                                name),
                    merged(base, diagnostic_json(diagnostic)));
        return out;
      }
      published = true;
      if (diagnostic.code == "multiple-records") {
        add_problem(out, core::check_code("multiple-sts-records"), true,
                    fmt::format("{} holds more than one \"v=STSv1\" record; senders treat that as "
                                "no policy (RFC 8461 §3.1). Keep exactly one",
                                name),
                    merged(base, diagnostic_json(diagnostic)));
      } else {
        add_problem(
            out, core::check_code("sts-record-invalid"), true,
            fmt::format("The MTA-STS record at {} is invalid: {}", name, diagnostic.message),
            merged(base, diagnostic_json(diagnostic)));
      }
    }
    return out;
  }
  published = true;
  const auto strict = core::select_sts_record(records, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    add_problem(out, core::check_code("sts-record-lint"), true,
                fmt::format("{}: {}", name, diagnostic.message),
                merged(base, diagnostic_json(diagnostic)));
  }
  return out;
}

Problems policy_findings(const DomainEvidence& evidence, TimePoint now,
                         std::optional<core::Policy>& policy)
{
  Problems out;
  policy.reset();
  const std::string host = net::policy_host(evidence.domain);
  if (evidence.policy_addresses.empty()) {
    json::object details;
    details["host"] = host;
    details["a"] = answer_json(evidence.policy_a);
    details["aaaa"] = answer_json(evidence.policy_aaaa);
    add_problem(out, core::result_type_code("sts-policy-fetch-error"), true,
                fmt::format("The policy host {} has no address (A or AAAA): senders cannot fetch "
                            "the policy",
                            host),
                std::move(details));
    return out;
  }
  std::vector<const net::FetchEvidence*> fetched;
  for (const auto& fetch : evidence.fetches) {
    if (!fetch.ok()) {
      const auto type =
          core::fetch_result_type(fetch.failure).value_or(core::ResultType::sts_policy_fetch_error);
      add_problem(
          out, core::result_type_info(type), true,
          fmt::format("Fetching {} from {} failed: {}", fetch.url, fetch.address, fetch.detail),
          fetch_json(fetch));
      continue;
    }
    fetched.push_back(&fetch);
  }
  if (fetched.empty()) {
    return out;
  }
  const auto& first = *fetched.front();
  const bool differ = std::ranges::any_of(
      fetched, [&](const net::FetchEvidence* other) { return other->body != first.body; });
  if (differ) {
    json::array bodies;
    for (const auto* fetch : fetched) {
      bodies.push_back(json::object{{"address", fetch->address}, {"body", fetch->body}});
    }
    add_problem(out, core::check_code("policy-differs-between-addresses"), true,
                fmt::format("The addresses of {} serve different policies: senders see one or "
                            "the other at random",
                            host),
                json::object{{"host", host}, {"bodies", std::move(bodies)}});
  }

  json::object where{{"url", first.url}, {"address", first.address}};
  const auto parsed = core::parse_policy(first.body, core::Profile::compatible);
  policy_certificate_findings(
      fetched, parsed.ok() ? std::optional(parsed.value->max_age) : std::nullopt, now, out);
  if (!parsed.ok()) {
    json::array diagnostics;
    std::string first_error;
    for (const auto& diagnostic : parsed.diagnostics) {
      if (diagnostic.severity == core::Severity::error && first_error.empty()) {
        first_error = diagnostic.message;
      }
      diagnostics.push_back(diagnostic_json(diagnostic));
    }
    json::object details = where;
    details["body"] = first.body;
    details["diagnostics"] = std::move(diagnostics);
    add_problem(out, core::result_type_code("sts-policy-invalid"), true,
                fmt::format("The policy at {} is invalid for senders: {}", first.url, first_error),
                std::move(details));
    return out;
  }
  policy = *parsed.value;
  const bool enforce = policy->mode == core::PolicyMode::enforce;
  // A policy that a widely deployed sender rejects protects nothing against its users.
  for (const auto& rejection : core::sender_rejections(first.body, first.content_type)) {
    json::object details = where;
    details["implementation"] = rejection.implementation;
    details["used_by"] = rejection.used_by;
    details["reason"] = rejection.reason;
    details["result_type"] = "sts-policy-invalid";
    add_problem(out, core::check_code("policy-rejected-by-sender"), true,
                fmt::format("{} rejects this policy ({}): {} apply no MTA-STS to {}. Write the "
                            "policy exactly to the RFC grammar",
                            rejection.implementation, rejection.reason, rejection.used_by,
                            evidence.domain),
                std::move(details));
  }
  const auto strict = core::parse_policy(first.body, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    if (enforce && diagnostic.code == "max-age-short") {
      continue; // max-age-short-for-enforce says it for enforce
    }
    add_problem(out, core::check_code("policy-lint"), true,
                fmt::format("Policy: {}", diagnostic.message),
                merged(where, diagnostic_json(diagnostic)));
  }
  mode_findings(*policy, where, out);
  return out;
}

} // namespace mtasts::check
