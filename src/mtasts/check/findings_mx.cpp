// Steps 4, 5 and 5b of the checker: MX coverage, DANE and the STARTTLS probes
// (check/findings.hpp).
#include <mtasts/check/evidence_json.hpp>
#include <mtasts/check/findings.hpp>
#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/net/dane.hpp>
#include <mtasts/net/sts_discovery.hpp>
#include <mtasts/util/rfc3339.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mtasts::check {

namespace {

namespace json = boost::json;

json::array pattern_texts(const core::Policy& policy)
{
  json::array patterns;
  for (const auto& pattern : policy.mx) {
    patterns.emplace_back(pattern.text);
  }
  return patterns;
}

// The preference of `host` in the MX RRset (0 for the implicit MX).
std::uint16_t preference_of(const core::MxAnswer& mx, std::string_view host)
{
  for (const auto& record : mx.records) {
    if (core::normalize_host(record.exchange).value_or("") == host) {
      return record.preference;
    }
  }
  return 0;
}

// Step 5b: the `_25._tcp.<mx>` TLSA lookup itself (RFC 7672 §2.2): bogus, failed, insecure,
// not applying for want of a secure MX RRset, undecodable.
void tlsa_findings(const DomainEvidence& evidence, const MxHostEvidence& host, Problems& out)
{
  const auto& answer = host.tlsa;
  const std::string& name = answer.name;
  json::object details = tlsa_json(answer);
  details["mx"] = host.host;
  if (answer.dnssec == net::DnssecStatus::bogus) {
    details["result_type"] = "dnssec-invalid";
    add_problem(out, core::result_type_code("dnssec-invalid"), true,
                fmt::format("The TLSA lookup of {} is DNSSEC-bogus ({}): DANE senders defer mail "
                            "to {} (RFC 7672 §2.2, RFC 8460 §4.3.2)",
                            name, answer.why_bogus, host.host),
                std::move(details));
    return;
  }
  if (answer.failed()) {
    add_problem(out, core::check_code("dns-error"), true,
                fmt::format("The TLSA lookup of {} failed: {}; DANE senders treat {} as "
                            "unreachable (RFC 7672 §2.2)",
                            name, answer.failure, host.host),
                std::move(details));
    return;
  }
  if (!answer.has_data()) {
    return;
  }
  if (answer.dnssec == net::DnssecStatus::insecure) {
    add_problem(out, core::check_code("tlsa-not-dnssec"), false,
                fmt::format("{} holds TLSA records, but they are not DNSSEC-validated: senders "
                            "ignore them (RFC 7672 §2.2)",
                            name),
                std::move(details));
    return;
  }
  if (!core::dane_applies(evidence.mx.dnssec, net::to_tlsa_answer(answer))) {
    details["mx_rrset"] = answer_json(evidence.mx);
    add_problem(out, core::check_code("dane-mx-not-dnssec"), false,
                fmt::format("{} holds DNSSEC-validated TLSA records, but the MX RRset of {} is not "
                            "DNSSEC-validated, so DANE senders do not use them (RFC 7672 §2.2.1)",
                            name, evidence.domain),
                std::move(details));
    return;
  }
  const bool decodes = std::ranges::any_of(
      answer.rdata, [](const std::string& rdata) { return net::decode_tlsa(rdata).has_value(); });
  if (!decodes) {
    details["result_type"] = "tlsa-invalid";
    add_problem(out, core::result_type_code("tlsa-invalid"), true,
                fmt::format("No TLSA record at {} decodes: DANE senders cannot authenticate {} "
                            "(RFC 8460 §4.3.2)",
                            name, host.host),
                std::move(details));
  }
}

// The DANE outcome of one probe (step 5b): an error with its result type, or dane-verified.
void dane_findings(const MxHostEvidence& host, const net::SmtpProbe& probe, Problems& out)
{
  if (!probe.dane) {
    return; // DANE did not apply, or no handshake (the probe's own finding says why)
  }
  json::object details = probe_json(probe);
  details["tlsa"] = tlsa_json(host.tlsa);
  const std::string where = fmt::format("MX {} at {}", probe.mx_host, probe.address);
  if (probe.dane->verdict == net::DaneOutcome::Verdict::verified) {
    add_problem(
        out, core::check_code("dane-verified"), true,
        fmt::format("{} is authenticated by DANE (RFC 7672 §3): {}", where, probe.dane->detail),
        std::move(details));
    return;
  }
  const auto type = net::dane_result_type(*probe.dane, host.tlsa.dnssec);
  if (!type) {
    return;
  }
  details["result_type"] = core::result_type_name(*type);
  add_problem(out, core::result_type_info(*type), true,
              fmt::format("{} fails DANE: {}. DANE senders defer mail to it whatever the MTA-STS "
                          "mode (RFC 8461 §2)",
                          where, probe.dane->detail),
              std::move(details));
}

// Step 5: one probe as a sender sees it (RFC 8461 §4.2, §5; RFC 8460 §4.3).
void probe_findings(const core::Policy& policy, TimePoint now, const net::SmtpProbe& probe,
                    Problems& out)
{
  const bool enforce = policy.mode == core::PolicyMode::enforce;
  const auto where = fmt::format("MX {} at {}", probe.mx_host, probe.address);
  if (const auto type = probe.result_type()) {
    add_problem(out, core::result_type_info(*type), enforce,
                fmt::format("{}: {}", where, probe.detail), probe_json(probe));
    return;
  }
  if (!probe.ok()) {
    add_problem(out, core::check_code("mx-unreachable"), enforce,
                fmt::format("{}: {}", where, probe.detail), probe_json(probe));
    return;
  }
  if (!probe.tls || probe.tls->chain_summary.empty()) {
    return;
  }
  const auto not_after = probe.tls->chain_summary.front().not_after;
  const auto horizon = now + std::chrono::seconds(policy.max_age);
  if (not_after < horizon.time_since_epoch().count()) {
    add_problem(out, core::check_code("certificate-expires-before-max-age"), enforce,
                fmt::format("The certificate of {} expires {}, before senders forget the policy "
                            "(max_age {} s): renew it in time",
                            where, util::format_rfc3339_utc(not_after), policy.max_age),
                probe_json(probe));
  }
}

} // namespace

Problems mx_findings(const DomainEvidence& evidence, const std::optional<core::Policy>& policy)
{
  Problems out;
  const auto& answer = evidence.mx;
  if (answer.dnssec == net::DnssecStatus::bogus) {
    json::object details = answer_json(answer);
    details["result_type"] = "dnssec-invalid";
    add_problem(out, core::result_type_code("dnssec-invalid"), true,
                fmt::format("The MX lookup of {} is DNSSEC-bogus ({}): validating senders defer "
                            "mail to the domain (RFC 8460 §4.3.2.1)",
                            evidence.domain, answer.why_bogus),
                std::move(details));
    return out;
  }
  if (answer.failed()) {
    add_problem(out, core::check_code("dns-error"), true,
                fmt::format("The MX lookup of {} failed: {}", evidence.domain, answer.failure),
                answer_json(answer));
    return out;
  }
  const auto& targets = evidence.targets;
  if (targets.null_mx) {
    add_problem(out, core::check_code("null-mx"), false,
                fmt::format("{} publishes a null MX (RFC 7505): it accepts no mail, so no MX host "
                            "is checked",
                            evidence.domain),
                answer_json(answer));
    return out;
  }
  if (!policy) {
    return out;
  }
  const bool enforce = policy->mode == core::PolicyMode::enforce;
  const auto mx = net::to_mx_answer(answer);
  const json::array patterns = pattern_texts(*policy);
  for (const auto& host : targets.hosts) {
    if (core::find_matching_pattern(policy->mx, host) != nullptr) {
      continue;
    }
    json::object details;
    details["mx"] = host;
    details["preference"] = preference_of(mx, host);
    details["implicit"] = targets.implicit;
    details["patterns"] = patterns;
    details["result_type"] = "validation-failure";
    add_problem(out, core::check_code("mx-not-covered"), enforce,
                fmt::format("MX host {}{} matches no mx pattern of the policy: senders refuse to "
                            "deliver to it under enforce (RFC 8461 §4.1). Add an mx line for it",
                            host,
                            targets.implicit ? " (implicit: the domain has no MX record)" : ""),
                std::move(details));
  }
  json::array hosts;
  for (const auto& host : targets.hosts) {
    hosts.emplace_back(host);
  }
  for (const auto& pattern : policy->mx) {
    const bool used = std::ranges::any_of(targets.hosts, [&](const std::string& host) {
      return core::mx_pattern_matches(pattern, host);
    });
    if (!used) {
      add_problem(
          out, core::check_code("mx-pattern-unused"), enforce,
          fmt::format("The mx pattern {} matches no MX host of {}", pattern.text, evidence.domain),
          json::object{{"pattern", pattern.text}, {"mx", hosts}});
    }
  }
  return out;
}

Problems smtp_findings(const DomainEvidence& evidence, const std::optional<core::Policy>& policy,
                       TimePoint now)
{
  Problems out;
  if (!evidence.probed || !policy) {
    return out;
  }
  for (const auto& host : evidence.mx_hosts) {
    if (net::addresses_of(host.a).empty() && net::addresses_of(host.aaaa).empty()) {
      add_problem(out, core::check_code("dns-error"), true,
                  fmt::format("MX host {} has no address (A or AAAA)", host.host),
                  json::object{{"mx", host.host},
                               {"a", answer_json(host.a)},
                               {"aaaa", answer_json(host.aaaa)}});
      continue;
    }
    tlsa_findings(evidence, host, out);
    bool dane_verified = false;
    for (const auto& probe : host.probes) {
      dane_findings(host, probe, out);
      dane_verified = dane_verified ||
                      (probe.dane && probe.dane->verdict == net::DaneOutcome::Verdict::verified);
      probe_findings(*policy, now, probe, out);
    }
    if (dane_verified && core::find_matching_pattern(policy->mx, host.host) == nullptr) {
      json::object details = tlsa_json(host.tlsa);
      details["mx"] = host.host;
      details["patterns"] = pattern_texts(*policy);
      add_problem(out, core::check_code("dane-mx-not-in-sts-policy"), true,
                  fmt::format("MX {} is authenticated by DANE but matches no mx pattern of the "
                              "MTA-STS policy: senders that use only MTA-STS refuse to deliver "
                              "to it. Add an mx line for it",
                              host.host),
                  std::move(details));
    }
  }
  return out;
}

} // namespace mtasts::check
