#include <mtasts/check/checker.hpp>
#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/net/dane.hpp>
#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/net/smtp_probe.hpp>
#include <mtasts/net/tls.hpp>
#include <mtasts/util/rfc3339.hpp>

#include <boost/json/array.hpp>

#include <algorithm>
#include <exception>
#include <span>
#include <utility>

namespace mtasts::check {

namespace {

namespace json = boost::json;
using net::Awaitable;

constexpr std::uint32_t k_min_enforce_max_age = 86400; // one day; RFC 8461 §3.2 advises weeks

// --- evidence ---------------------------------------------------------------------------------

json::array strings_json(std::span<const std::string> values)
{
  json::array array;
  for (const auto& value : values) {
    array.emplace_back(value);
  }
  return array;
}

json::object answer_json(const net::DnsAnswer& answer)
{
  json::object object;
  object["name"] = answer.name;
  object["rcode"] = answer.rcode;
  object["nxdomain"] = answer.nxdomain;
  object["dnssec"] = net::dnssec_status_name(answer.dnssec);
  object["ttl"] = answer.ttl;
  if (answer.canonical_name != answer.name) {
    object["canonical_name"] = answer.canonical_name;
  }
  if (!answer.why_bogus.empty()) {
    object["why_bogus"] = answer.why_bogus;
  }
  if (answer.failed()) {
    object["failure"] = answer.failure;
  }
  return object;
}

json::object certificate_json(const net::CertificateSummary& certificate)
{
  json::object object;
  object["subject"] = certificate.subject;
  object["issuer"] = certificate.issuer;
  object["san_dns_names"] = strings_json(certificate.san_dns_names);
  object["not_before"] = util::format_rfc3339_utc(certificate.not_before);
  object["not_after"] = util::format_rfc3339_utc(certificate.not_after);
  object["sha256"] = certificate.sha256_fingerprint;
  return object;
}

json::object tls_json(const net::TlsEvidence& tls)
{
  json::object object;
  object["protocol"] = tls.protocol;
  object["cipher"] = tls.cipher;
  object["chain"] = net::chain_verdict_name(tls.chain);
  if (!tls.verify_error.empty() && tls.chain != net::ChainVerdict::trusted) {
    object["verify_error"] = tls.verify_error;
  }
  object["identity_matched"] = tls.identity_matched;
  if (!tls.chain_summary.empty()) {
    object["certificate"] = certificate_json(tls.chain_summary.front());
  }
  return object;
}

json::object fetch_json(const net::FetchEvidence& fetch)
{
  json::object object;
  object["url"] = fetch.url;
  object["host"] = fetch.host;
  object["address"] = fetch.address;
  object["failure"] = net::fetch_failure_name(fetch.failure);
  if (!fetch.detail.empty()) {
    object["detail"] = fetch.detail;
  }
  object["status"] = fetch.status;
  object["content_type"] = fetch.content_type;
  if (!fetch.location.empty()) {
    object["location"] = fetch.location;
  }
  object["elapsed_ms"] = fetch.elapsed.count();
  if (fetch.tls) {
    object["tls"] = tls_json(*fetch.tls);
  }
  return object;
}

json::object dane_json(const net::DaneOutcome& dane)
{
  json::object object;
  object["verdict"] = net::dane_verdict_name(dane.verdict);
  object["failure"] = net::dane_failure_name(dane.failure);
  object["detail"] = dane.detail;
  if (!dane.matched_record.empty()) {
    object["matched_record"] = dane.matched_record;
    object["matched_depth"] = dane.matched_depth;
  }
  if (!dane.matched_name.empty()) {
    object["matched_name"] = dane.matched_name;
  }
  object["unusable"] = strings_json(dane.unusable);
  object["rejected"] = strings_json(dane.rejected);
  return object;
}

json::object probe_json(const net::SmtpProbe& probe)
{
  json::object object;
  object["mx"] = probe.mx_host;
  object["address"] = probe.address;
  object["failure"] = net::smtp_failure_name(probe.failure);
  if (!probe.detail.empty()) {
    object["detail"] = probe.detail;
  }
  object["banner"] = probe.banner;
  object["starttls_offered"] = probe.starttls_offered;
  object["elapsed_ms"] = probe.elapsed.count();
  if (probe.tls) {
    object["tls"] = tls_json(*probe.tls);
  }
  if (probe.dane) {
    object["dane"] = dane_json(*probe.dane);
  }
  return object;
}

// A parser diagnostic as evidence: the parser's own code and position.
json::object diagnostic_json(const core::Diagnostic& diagnostic)
{
  json::object object;
  object["parser_code"] = diagnostic.code;
  object["parser_severity"] = core::severity_name(diagnostic.severity);
  if (diagnostic.where.record != 0) {
    object["record"] = diagnostic.where.record;
  }
  if (diagnostic.where.line != 0) {
    object["line"] = diagnostic.where.line;
  }
  object["column"] = diagnostic.where.column;
  object["parser_message"] = diagnostic.message;
  return object;
}

json::object merged(json::object base, const json::object& extra)
{
  for (const auto& entry : extra) {
    base[entry.key()] = entry.value();
  }
  return base;
}

std::vector<std::string> txt_strings(const net::DnsAnswer& answer)
{
  std::vector<std::string> records;
  for (const auto& rdata : answer.rdata) {
    records.push_back(net::decode_txt(rdata));
  }
  return records;
}

std::vector<std::string> addresses_of(const net::DnsAnswer& answer)
{
  std::vector<std::string> addresses;
  if (!answer.has_data()) {
    return addresses;
  }
  for (const auto& rdata : answer.rdata) {
    if (auto address = net::decode_address(rdata)) {
      addresses.push_back(std::move(*address));
    }
  }
  return addresses;
}

// --- one domain -------------------------------------------------------------------------------

struct Run
{
  Checker& checker;
  std::string domain; // normalised
  DomainResult result;
  bool sts_published = false; // a `v=STSv1` candidate exists
  std::optional<core::Policy> policy;

  void add(std::string code, Severity severity, std::string message, json::object evidence)
  {
    result.problems.push_back(
        Problem{std::move(code), severity, std::move(message), std::move(evidence)});
  }
  Severity by_mode() const
  {
    return policy && policy->mode == core::PolicyMode::enforce ? Severity::error
                                                               : Severity::warning;
  }
};

// Step 1: `_mta-sts.<domain>` (RFC 8461 §3.1).
Awaitable<void> check_sts_record(Run& run)
{
  const std::string name = "_mta-sts." + run.domain;
  const auto answer = co_await run.checker.dns().query(name, net::rrtype::txt);
  const auto records = txt_strings(answer);
  json::object evidence = answer_json(answer);
  evidence["records"] = strings_json(records);
  const auto chain = co_await run.checker.dns().cname_chain(name);
  evidence["cname_chain"] = strings_json(chain.targets);
  if (!chain.failure.empty()) {
    evidence["cname_failure"] = chain.failure;
  }
  if (answer.failed()) {
    run.add("dns-error", Severity::error,
            "The TXT lookup of " + name + " failed: " + answer.failure, std::move(evidence));
    co_return;
  }
  const auto selected = core::select_sts_record(records, core::Profile::compatible);
  if (!selected.ok()) {
    for (const auto& diagnostic : selected.diagnostics) {
      if (diagnostic.severity != core::Severity::error) {
        continue;
      }
      if (diagnostic.code == "no-record") {
        run.add("sts-record-missing", Severity::error,
                "No MTA-STS record (\"v=STSv1; id=...\") at " + name +
                    ": senders do not use MTA-STS for this domain",
                merged(evidence, diagnostic_json(diagnostic)));
        co_return;
      }
      run.sts_published = true;
      if (diagnostic.code == "multiple-records") {
        run.add("multiple-sts-records", Severity::error,
                name + " holds more than one \"v=STSv1\" record; senders treat that as no policy "
                       "(RFC 8461 §3.1). Keep exactly one",
                merged(evidence, diagnostic_json(diagnostic)));
      } else {
        run.add("sts-record-invalid", Severity::error,
                "The MTA-STS record at " + name + " is invalid: " + diagnostic.message,
                merged(evidence, diagnostic_json(diagnostic)));
      }
    }
    co_return;
  }
  run.sts_published = true;
  const auto strict = core::select_sts_record(records, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    run.add("sts-record-lint", Severity::warning, name + ": " + diagnostic.message,
            merged(evidence, diagnostic_json(diagnostic)));
  }
}

// Steps 2 and 3: the policy from every address of `mta-sts.<domain>` (RFC 8461 §3.3, §3.2).
Awaitable<void> check_policy(Run& run)
{
  const std::string host = "mta-sts." + run.domain;
  const auto a = co_await run.checker.dns().query(host, net::rrtype::a);
  const auto aaaa = co_await run.checker.dns().query(host, net::rrtype::aaaa);
  auto addresses = addresses_of(a);
  const auto v6 = addresses_of(aaaa);
  addresses.insert(addresses.end(), v6.begin(), v6.end());
  if (addresses.empty()) {
    json::object evidence;
    evidence["host"] = host;
    evidence["a"] = answer_json(a);
    evidence["aaaa"] = answer_json(aaaa);
    run.add("sts-policy-fetch-error", Severity::error,
            "The policy host " + host +
                " has no address (A or AAAA): senders cannot fetch "
                "the policy",
            std::move(evidence));
    co_return;
  }

  const auto& options = run.checker.options();
  net::FetchOptions fetch_options;
  fetch_options.connect_timeout = options.timeout;
  fetch_options.total_timeout = options.timeout * 3;
  fetch_options.port = options.https_port;
  std::vector<net::FetchEvidence> fetched;
  for (const auto& address : addresses) {
    auto fetch = co_await net::fetch_policy(run.checker.tls(), host, address, fetch_options);
    if (!fetch.ok()) {
      run.add(std::string(net::fetch_result_type(fetch.failure)), Severity::error,
              "Fetching " + fetch.url + " from " + address + " failed: " + fetch.detail,
              fetch_json(fetch));
      continue;
    }
    fetched.push_back(std::move(fetch));
  }
  if (fetched.empty()) {
    co_return;
  }
  const bool differ = std::ranges::any_of(
      fetched, [&](const net::FetchEvidence& other) { return other.body != fetched[0].body; });
  if (differ) {
    json::array bodies;
    for (const auto& fetch : fetched) {
      json::object entry;
      entry["address"] = fetch.address;
      entry["body"] = fetch.body;
      bodies.push_back(std::move(entry));
    }
    json::object evidence;
    evidence["host"] = host;
    evidence["bodies"] = std::move(bodies);
    run.add("policy-differs-between-addresses", Severity::error,
            "The addresses of " + host +
                " serve different policies: senders see one or the other at random",
            std::move(evidence));
  }

  const auto& first = fetched.front();
  json::object where;
  where["url"] = first.url;
  where["address"] = first.address;
  const auto parsed = core::parse_policy(first.body, core::Profile::compatible);
  if (!parsed.ok()) {
    json::array diagnostics;
    std::string first_error;
    for (const auto& diagnostic : parsed.diagnostics) {
      if (diagnostic.severity == core::Severity::error && first_error.empty()) {
        first_error = diagnostic.message;
      }
      diagnostics.push_back(diagnostic_json(diagnostic));
    }
    json::object evidence = where;
    evidence["body"] = first.body;
    evidence["diagnostics"] = std::move(diagnostics);
    run.add("sts-policy-invalid", Severity::error,
            "The policy at " + first.url + " is invalid for senders: " + first_error,
            std::move(evidence));
    co_return;
  }
  run.policy = *parsed.value;
  run.result.mode = run.policy->mode;
  const auto strict = core::parse_policy(first.body, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    run.add("policy-lint", Severity::warning, "Policy: " + diagnostic.message,
            merged(where, diagnostic_json(diagnostic)));
  }
  json::object mode_evidence = where;
  mode_evidence["mode"] = core::mode_name(run.policy->mode);
  mode_evidence["max_age"] = run.policy->max_age;
  switch (run.policy->mode) {
  case core::PolicyMode::enforce:
    if (run.policy->max_age < k_min_enforce_max_age) {
      run.add("max-age-short-for-enforce", Severity::warning,
              "mode enforce with max_age " + std::to_string(run.policy->max_age) +
                  " s: senders forget the policy within a day, which leaves a window for "
                  "downgrade attacks. Use weeks (RFC 8461 §3.2), e.g. 1209600",
              std::move(mode_evidence));
    }
    break;
  case core::PolicyMode::testing:
    run.add("testing-mode", Severity::info,
            "mode testing: senders report TLS failures (TLSRPT) but still deliver without TLS",
            std::move(mode_evidence));
    break;
  case core::PolicyMode::none:
    run.add("none-mode", Severity::info,
            "mode none: senders drop any cached policy; MTA-STS is being withdrawn",
            std::move(mode_evidence));
    break;
  }
}

// Step 4: the MX RRset against the policy's patterns (RFC 8461 §4.1). Returns the MX hosts
// (normalised, by preference), the implicit MX when there is no MX RRset.
Awaitable<std::vector<net::MxRecord>> check_mx(Run& run)
{
  std::vector<net::MxRecord> hosts;
  const auto answer = co_await run.checker.dns().query(run.domain, net::rrtype::mx);
  if (answer.failed()) {
    run.add("dns-error", Severity::error,
            "The MX lookup of " + run.domain + " failed: " + answer.failure, answer_json(answer));
    co_return hosts;
  }
  const bool implicit = !answer.has_data();
  if (implicit) {
    hosts.push_back(net::MxRecord{0, run.domain});
  }
  for (const auto& rdata : answer.rdata) {
    if (auto mx = net::decode_mx(rdata); mx && !mx->exchange.empty()) {
      if (auto normalized = core::normalize_host(mx->exchange)) {
        mx->exchange = std::move(*normalized);
        hosts.push_back(std::move(*mx));
      }
    }
  }
  std::ranges::stable_sort(hosts, {}, &net::MxRecord::preference);
  if (!run.policy) {
    co_return hosts;
  }

  const auto& patterns = run.policy->mx;
  json::array pattern_texts;
  for (const auto& pattern : patterns) {
    pattern_texts.emplace_back(pattern.text);
  }
  json::array host_names;
  for (const auto& host : hosts) {
    host_names.emplace_back(host.exchange);
  }
  for (const auto& host : hosts) {
    if (core::find_matching_pattern(patterns, host.exchange) != nullptr) {
      continue;
    }
    json::object evidence;
    evidence["mx"] = host.exchange;
    evidence["preference"] = host.preference;
    evidence["implicit"] = implicit;
    evidence["patterns"] = pattern_texts;
    evidence["result_type"] = "validation-failure";
    run.add("mx-not-covered", run.by_mode(),
            "MX host " + host.exchange +
                (implicit ? " (implicit: the domain has no MX record)" : std::string()) +
                " matches no mx pattern of the policy: senders refuse to deliver to it under "
                "enforce (RFC 8461 §4.1). Add an mx line for it",
            std::move(evidence));
  }
  for (const auto& pattern : patterns) {
    const bool used = std::ranges::any_of(hosts, [&](const net::MxRecord& host) {
      return core::mx_pattern_matches(pattern, host.exchange);
    });
    if (!used) {
      json::object evidence;
      evidence["pattern"] = pattern.text;
      evidence["mx"] = host_names;
      run.add("mx-pattern-unused", Severity::warning,
              "The mx pattern " + pattern.text + " matches no MX host of " + run.domain,
              std::move(evidence));
    }
  }
  co_return hosts;
}

// The TLSA RRset of one MX host (step 5b) and what a DANE sender makes of it.
struct MxTlsa
{
  net::DnsAnswer answer;
  std::vector<net::TlsaRecord> records; // decoded, secure or not
  bool dane = false;                    // secure and decoded records: DANE decides for this MX
};

json::object tlsa_json(const MxTlsa& tlsa)
{
  json::object object = answer_json(tlsa.answer);
  json::array records;
  for (const auto& record : tlsa.records) {
    records.emplace_back(record.to_string());
  }
  object["records"] = std::move(records);
  return object;
}

// Step 5b: `_25._tcp.<mx>` TLSA (RFC 7672 §2.2). The lookup's own findings (bogus, insecure,
// failed, undecodable) are added here; the records a DANE sender uses are returned for the probes.
Awaitable<MxTlsa> check_tlsa(Run& run, const std::string& mx)
{
  MxTlsa tlsa;
  const std::string name = "_25._tcp." + mx;
  tlsa.answer = co_await run.checker.dns().query(name, net::rrtype::tlsa);
  for (const auto& rdata : tlsa.answer.rdata) {
    if (auto record = net::decode_tlsa(rdata)) {
      tlsa.records.push_back(std::move(*record));
    }
  }
  json::object evidence = tlsa_json(tlsa);
  evidence["mx"] = mx;
  if (tlsa.answer.dnssec == net::DnssecStatus::bogus) {
    evidence["result_type"] = "dnssec-invalid";
    run.add("dnssec-invalid", Severity::error,
            "The TLSA lookup of " + name + " is DNSSEC-bogus (" + tlsa.answer.why_bogus +
                "): DANE senders defer mail to " + mx + " (RFC 7672 §2.2, RFC 8460 §4.3.2)",
            std::move(evidence));
    co_return tlsa;
  }
  if (tlsa.answer.failed()) {
    run.add("dns-error", Severity::error,
            "The TLSA lookup of " + name + " failed: " + tlsa.answer.failure +
                "; DANE senders treat " + mx + " as unreachable (RFC 7672 §2.2)",
            std::move(evidence));
    co_return tlsa;
  }
  if (!tlsa.answer.has_data()) {
    co_return tlsa;
  }
  if (tlsa.answer.dnssec == net::DnssecStatus::insecure) {
    run.add("tlsa-not-dnssec", Severity::info,
            name + " holds TLSA records, but they are not DNSSEC-validated: senders ignore them "
                   "(RFC 7672 §2.2)",
            std::move(evidence));
    co_return tlsa;
  }
  if (tlsa.records.empty()) {
    evidence["result_type"] = "tlsa-invalid";
    run.add("tlsa-invalid", Severity::error,
            "No TLSA record at " + name + " decodes: DANE senders cannot authenticate " + mx +
                " (RFC 8460 §4.3.2)",
            std::move(evidence));
    co_return tlsa;
  }
  tlsa.dane = true;
  co_return tlsa;
}

// The DANE outcome of one probe (step 5b): an error with the dane_result_type() code, or info.
void report_dane(Run& run, const MxTlsa& tlsa, const net::SmtpProbe& probe)
{
  if (!probe.dane) {
    return; // no handshake: the probe's own finding says why
  }
  json::object evidence = probe_json(probe);
  evidence["tlsa"] = tlsa_json(tlsa);
  const std::string where = "MX " + probe.mx_host + " at " + probe.address;
  if (probe.dane->verdict == net::DaneOutcome::Verdict::verified) {
    run.add("dane-verified", Severity::info,
            where + " is authenticated by DANE (RFC 7672 §3): " + probe.dane->detail,
            std::move(evidence));
    return;
  }
  const auto result_type = net::dane_result_type(*probe.dane, tlsa.answer.dnssec);
  if (result_type.empty()) {
    return;
  }
  evidence["result_type"] = result_type;
  run.add(std::string(result_type), Severity::error,
          where + " fails DANE: " + probe.dane->detail +
              ". DANE senders defer mail to it whatever the MTA-STS mode (RFC 8461 §2)",
          std::move(evidence));
}

// Step 5: every address of every MX as a sender sees it (RFC 8461 §4.2, §5; RFC 8460 §4.3).
Awaitable<void> check_smtp(Run& run, const std::vector<net::MxRecord>& hosts)
{
  const auto& options = run.checker.options();
  net::SmtpProbeOptions probe_options;
  probe_options.port = options.smtp_port;
  probe_options.connect_timeout = options.timeout;
  probe_options.read_timeout = options.timeout;
  probe_options.total_timeout = options.timeout * 3;
  const auto horizon = options.now + std::chrono::seconds(run.policy->max_age);
  for (const auto& host : hosts) {
    const auto a = co_await run.checker.dns().query(host.exchange, net::rrtype::a);
    const auto aaaa = co_await run.checker.dns().query(host.exchange, net::rrtype::aaaa);
    auto addresses = addresses_of(a);
    const auto v6 = addresses_of(aaaa);
    addresses.insert(addresses.end(), v6.begin(), v6.end());
    if (addresses.empty()) {
      json::object evidence;
      evidence["mx"] = host.exchange;
      evidence["a"] = answer_json(a);
      evidence["aaaa"] = answer_json(aaaa);
      run.add("dns-error", Severity::error,
              "MX host " + host.exchange + " has no address (A or AAAA)", std::move(evidence));
      continue;
    }
    const auto tlsa = co_await check_tlsa(run, host.exchange);
    // RFC 7672 §2.2.3: the TLSA base domain is the MX host name (CNAMEs are not expanded).
    probe_options.tlsa = tlsa.dane ? tlsa.records : std::vector<net::TlsaRecord>{};
    probe_options.tlsa_base_domain = host.exchange;
    bool dane_verified = false;
    for (const auto& address : addresses) {
      const auto probe =
          co_await net::probe_smtp(run.checker.tls(), host.exchange, address, probe_options);
      report_dane(run, tlsa, probe);
      dane_verified = dane_verified ||
                      (probe.dane && probe.dane->verdict == net::DaneOutcome::Verdict::verified);
      const auto result_type = probe.result_type();
      if (!result_type.empty()) {
        run.add(result_type, run.by_mode(),
                "MX " + host.exchange + " at " + address + ": " + probe.detail, probe_json(probe));
      } else if (!probe.ok()) {
        run.add("mx-unreachable", Severity::warning,
                "MX " + host.exchange + " at " + address + ": " + probe.detail, probe_json(probe));
      } else if (probe.tls && !probe.tls->chain_summary.empty()) {
        const auto not_after = probe.tls->chain_summary.front().not_after;
        if (not_after < horizon.time_since_epoch().count()) {
          run.add("certificate-expires-before-max-age", Severity::warning,
                  "The certificate of MX " + host.exchange + " at " + address + " expires " +
                      util::format_rfc3339_utc(not_after) +
                      ", before senders forget the policy (max_age " +
                      std::to_string(run.policy->max_age) + " s): renew it in time",
                  probe_json(probe));
        }
      }
    }
    if (dane_verified && core::find_matching_pattern(run.policy->mx, host.exchange) == nullptr) {
      json::object evidence = tlsa_json(tlsa);
      evidence["mx"] = host.exchange;
      json::array patterns;
      for (const auto& pattern : run.policy->mx) {
        patterns.emplace_back(pattern.text);
      }
      evidence["patterns"] = std::move(patterns);
      run.add("dane-mx-not-in-sts-policy", Severity::warning,
              "MX " + host.exchange +
                  " is authenticated by DANE but matches no mx pattern of the MTA-STS policy: "
                  "senders that use only MTA-STS refuse to deliver to it. Add an mx line for it",
              std::move(evidence));
    }
  }
}

// Step 6: `_smtp._tls.<domain>` (RFC 8460 §3).
Awaitable<void> check_tlsrpt(Run& run)
{
  const std::string name = "_smtp._tls." + run.domain;
  const auto answer = co_await run.checker.dns().query(name, net::rrtype::txt);
  const auto records = txt_strings(answer);
  json::object evidence = answer_json(answer);
  evidence["records"] = strings_json(records);
  if (answer.failed()) {
    run.add("dns-error", Severity::warning,
            "The TXT lookup of " + name + " failed: " + answer.failure, std::move(evidence));
    co_return;
  }
  const auto selected = core::select_tlsrpt_record(records, core::Profile::compatible);
  if (!selected.ok()) {
    for (const auto& diagnostic : selected.diagnostics) {
      if (diagnostic.severity != core::Severity::error) {
        continue;
      }
      if (diagnostic.code == "no-record") {
        if (run.sts_published) {
          run.add("tlsrpt-record-missing", Severity::warning,
                  "No TLSRPT record (\"v=TLSRPTv1; rua=...\") at " + name +
                      ": nobody is told when senders fail to reach the MX hosts securely",
                  merged(evidence, diagnostic_json(diagnostic)));
        }
        co_return;
      }
      run.add("tlsrpt-record-invalid", Severity::error,
              "The TLSRPT record at " + name + " is invalid: " + diagnostic.message,
              merged(evidence, diagnostic_json(diagnostic)));
    }
    co_return;
  }
  const auto strict = core::select_tlsrpt_record(records, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    run.add("tlsrpt-record-lint", Severity::warning, name + ": " + diagnostic.message,
            merged(evidence, diagnostic_json(diagnostic)));
  }
  std::string rua;
  for (const auto& uri : selected.value->rua) {
    rua += (rua.empty() ? "" : ", ") + uri;
  }
  evidence["rua"] = strings_json(selected.value->rua);
  run.add("tlsrpt-record-valid", Severity::info, "TLS reports go to " + rua, std::move(evidence));
}

Awaitable<void> check_worker(Checker& checker, const std::vector<std::string>& domains,
                             std::vector<DomainResult>& results, std::size_t& next)
{
  while (next < domains.size()) {
    const std::size_t index = next++;
    results[index] = co_await check_domain(checker, domains[index]);
  }
}

} // namespace

bool DomainResult::ok() const
{
  return std::ranges::none_of(
      problems, [](const Problem& problem) { return problem.severity == Severity::error; });
}

json::object domain_result_to_json(const DomainResult& result)
{
  json::object object;
  object["domain"] = result.domain;
  if (result.mode) {
    object["mode"] = core::mode_name(*result.mode);
  } else {
    object["mode"] = nullptr;
  }
  object["ok"] = result.ok();
  json::array problems;
  for (const auto& problem : result.problems) {
    problems.push_back(problem_to_json(problem));
  }
  object["problems"] = std::move(problems);
  return object;
}

Checker::Checker(CheckOptions options, std::unique_ptr<net::DnsResolver> dns, SSL_CTX* tls)
    : m_options(std::move(options)), m_dns(std::move(dns)), m_tls(tls)
{}

util::Expected<std::unique_ptr<Checker>, std::string> Checker::create(net::asio::io_context& io,
                                                                      CheckOptions options)
{
  auto dns = net::DnsResolver::create(io, options.dns);
  if (!dns) {
    return util::Unexpected(dns.error());
  }
  net::TlsClientOptions tls;
  tls.ca_file = options.ca_file;
  auto context = net::make_client_context(tls);
  if (!context) {
    return util::Unexpected(context.error());
  }
  if (options.now == std::chrono::sys_seconds{}) {
    options.now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  options.concurrency = std::max<std::size_t>(options.concurrency, 1);
  return std::unique_ptr<Checker>(
      new Checker(std::move(options), std::move(*dns), context->release()));
}

Awaitable<DomainResult> check_domain(Checker& checker, std::string domain)
{
  Run run{checker, {}, {}, false, std::nullopt};
  run.result.domain = domain;
  auto normalized = core::normalize_host(domain);
  if (!normalized) {
    json::object evidence;
    evidence["domain"] = domain;
    run.add("domain-invalid", Severity::error,
            "\"" + domain + "\" is not a domain name: " + normalized.error(), std::move(evidence));
    co_return std::move(run.result);
  }
  run.domain = std::move(*normalized);

  co_await check_sts_record(run);
  if (run.sts_published) {
    co_await check_policy(run);
    const auto hosts = co_await check_mx(run);
    if (run.policy && checker.options().smtp) {
      co_await check_smtp(run, hosts);
    }
  }
  co_await check_tlsrpt(run);
  co_return std::move(run.result);
}

Awaitable<std::vector<DomainResult>> check_domains(Checker& checker,
                                                   std::vector<std::string> domains)
{
  auto executor = co_await net::asio::this_coro::executor;
  std::vector<DomainResult> results(domains.size());
  std::size_t next = 0;
  std::size_t running = std::min(checker.options().concurrency, domains.size());
  std::exception_ptr failure;
  // Parked until the last worker finishes: the counter says when, the timer wakes us.
  net::asio::steady_timer finished(executor, net::asio::steady_timer::time_point::max());
  const std::size_t workers = running;
  for (std::size_t i = 0; i < workers; ++i) {
    net::asio::co_spawn(executor, check_worker(checker, domains, results, next),
                        [&](std::exception_ptr error) {
                          if (error && !failure) {
                            failure = error;
                          }
                          if (--running == 0) {
                            finished.cancel();
                          }
                        });
  }
  if (running != 0) {
    boost::system::error_code ignored;
    co_await finished.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  co_return results;
}

util::Expected<std::vector<DomainResult>, std::string> run_checks(const CheckOptions& options,
                                                                  std::vector<std::string> domains)
{
  net::asio::io_context io;
  auto checker = Checker::create(io, options);
  if (!checker) {
    return util::Unexpected(checker.error());
  }
  std::vector<DomainResult> results;
  std::exception_ptr failure;
  net::asio::co_spawn(io, check_domains(**checker, std::move(domains)),
                      [&](std::exception_ptr error, std::vector<DomainResult> done) {
                        failure = error;
                        results = std::move(done);
                      });
  io.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  return results;
}

} // namespace mtasts::check
