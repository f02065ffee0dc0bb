#include <mtasts/check/checker.hpp>
#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/net/dane.hpp>
#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/net/smtp_probe.hpp>
#include <mtasts/net/tls.hpp>
#include <mtasts/util/rfc3339.hpp>
#include <mtasts/util/strings.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <charconv>
#include <exception>
#include <iterator>
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

// --- concurrency --------------------------------------------------------------------------------

// Runs `tasks` concurrently on this coroutine's executor and resumes when every one has finished.
// Rethrows the first exception a task raised (none does for network outcomes).
Awaitable<void> run_all(std::vector<Awaitable<void>> tasks)
{
  auto executor = co_await net::asio::this_coro::executor;
  std::size_t running = tasks.size();
  std::exception_ptr failure;
  // Parked until the last task finishes: the counter says when, the timer wakes us.
  net::asio::steady_timer finished(executor, net::asio::steady_timer::time_point::max());
  for (auto& task : tasks) {
    net::asio::co_spawn(executor, std::move(task), [&](std::exception_ptr error) {
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
}

Awaitable<void> query_into(net::DnsResolver& dns, std::string name, int type, net::DnsAnswer& out)
{
  out = co_await dns.query(std::move(name), type);
}

Awaitable<void> cname_chain_into(net::DnsResolver& dns, std::string name,
                                 net::DnsResolver::CnameChain& out)
{
  out = co_await dns.cname_chain(std::move(name));
}

std::vector<std::string> addresses_of(const net::DnsAnswer& a, const net::DnsAnswer& aaaa)
{
  auto addresses = addresses_of(a);
  const auto v6 = addresses_of(aaaa);
  addresses.insert(addresses.end(), v6.begin(), v6.end());
  return addresses;
}

// --- one domain -------------------------------------------------------------------------------

constexpr std::chrono::days k_policy_certificate_margin{30};

// The problems one step found, in its own order. check_domain() appends the steps' lists in step
// order, so a result does not depend on which lookup or connection finished first.
struct Findings
{
  Problems problems;

  void add(std::string code, Severity severity, std::string message, json::object evidence)
  {
    problems.push_back(Problem{std::move(code), severity, std::move(message), std::move(evidence)});
  }
};

struct Run
{
  Checker& checker;
  std::string domain;         // normalised
  bool sts_published = false; // a `v=STSv1` candidate exists
  std::optional<core::Policy> policy;

  Severity by_mode() const
  {
    return policy && policy->mode == core::PolicyMode::enforce ? Severity::error
                                                               : Severity::warning;
  }
};

// The lookups that need nothing but the domain name (steps 1, 2, 4 and 6), made at once.
struct FirstLookups
{
  net::DnsAnswer sts_txt;
  net::DnsResolver::CnameChain sts_chain;
  net::DnsAnswer policy_a;
  net::DnsAnswer policy_aaaa;
  net::DnsAnswer mx;
  net::DnsAnswer tlsrpt_txt;
};

// Step 1: `_mta-sts.<domain>` (RFC 8461 §3.1).
void check_sts_record(Run& run, const FirstLookups& lookups, Findings& out)
{
  const auto& answer = lookups.sts_txt;
  const std::string& name = answer.name;
  const auto records = txt_strings(answer);
  json::object evidence = answer_json(answer);
  evidence["records"] = strings_json(records);
  evidence["cname_chain"] = strings_json(lookups.sts_chain.targets);
  if (!lookups.sts_chain.failure.empty()) {
    evidence["cname_failure"] = lookups.sts_chain.failure;
  }
  if (answer.failed()) {
    out.add("dns-error", Severity::error,
            "The TXT lookup of " + name + " failed: " + answer.failure, std::move(evidence));
    return;
  }
  const auto selected = core::select_sts_record(records, core::Profile::compatible);
  if (!selected.ok()) {
    for (const auto& diagnostic : selected.diagnostics) {
      if (diagnostic.severity != core::Severity::error) {
        continue;
      }
      if (diagnostic.code == "no-record") {
        out.add("sts-record-missing", Severity::error,
                "No MTA-STS record (\"v=STSv1; id=...\") at " + name +
                    ": senders do not use MTA-STS for this domain",
                merged(evidence, diagnostic_json(diagnostic)));
        return;
      }
      run.sts_published = true;
      if (diagnostic.code == "multiple-records") {
        out.add("multiple-sts-records", Severity::error,
                name + " holds more than one \"v=STSv1\" record; senders treat that as no policy "
                       "(RFC 8461 §3.1). Keep exactly one",
                merged(evidence, diagnostic_json(diagnostic)));
      } else {
        out.add("sts-record-invalid", Severity::error,
                "The MTA-STS record at " + name + " is invalid: " + diagnostic.message,
                merged(evidence, diagnostic_json(diagnostic)));
      }
    }
    return;
  }
  run.sts_published = true;
  const auto strict = core::select_sts_record(records, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    out.add("sts-record-lint", Severity::warning, name + ": " + diagnostic.message,
            merged(evidence, diagnostic_json(diagnostic)));
  }
}

Awaitable<void> fetch_into(Checker& checker, std::string host, std::string address,
                           net::FetchOptions options, net::FetchEvidence& out)
{
  out = co_await net::fetch_policy(checker.tls(), std::move(host), std::move(address), options);
}

// policy-host-certificate-expires-soon for every successful fetch whose leaf certificate ends
// within k_policy_certificate_margin, in address order. `max_age` is the policy's, when valid.
void check_policy_certificates(Run& run, const std::vector<const net::FetchEvidence*>& fetched,
                               std::optional<std::uint32_t> max_age, Findings& out)
{
  const auto now = run.checker.options().now;
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
      cached = "senders that cached the policy drop it max_age (" + std::to_string(*max_age) +
               " s) later, by " +
               util::format_rfc3339_utc(not_after + static_cast<std::int64_t>(*max_age));
    }
    out.add("policy-host-certificate-expires-soon", Severity::warning,
            "The certificate of " + fetch->host + " at " + fetch->address + " expires " +
                util::format_rfc3339_utc(not_after) + " (in " + std::to_string(days_left) +
                " days): renew it before then. After that date senders' policy refreshes fail "
                "with sts-webpki-invalid (RFC 8461 §3.3), and " +
                cached,
            std::move(evidence));
  }
}

// Steps 2 and 3 from the fetches of every address of `mta-sts.<domain>` (RFC 8461 §3.3, §3.2),
// `fetches[i]` from `addresses[i]`.
void check_policy(Run& run, const FirstLookups& lookups, const std::vector<std::string>& addresses,
                  const std::vector<net::FetchEvidence>& fetches, Findings& out)
{
  const std::string host = "mta-sts." + run.domain;
  if (addresses.empty()) {
    json::object evidence;
    evidence["host"] = host;
    evidence["a"] = answer_json(lookups.policy_a);
    evidence["aaaa"] = answer_json(lookups.policy_aaaa);
    out.add("sts-policy-fetch-error", Severity::error,
            "The policy host " + host +
                " has no address (A or AAAA): senders cannot fetch "
                "the policy",
            std::move(evidence));
    return;
  }

  std::vector<const net::FetchEvidence*> fetched;
  for (const auto& fetch : fetches) {
    if (!fetch.ok()) {
      out.add(std::string(net::fetch_result_type(fetch.failure)), Severity::error,
              "Fetching " + fetch.url + " from " + fetch.address + " failed: " + fetch.detail,
              fetch_json(fetch));
      continue;
    }
    fetched.push_back(&fetch);
  }
  if (fetched.empty()) {
    return;
  }
  const auto& first = *fetched.front();
  const bool differ = std::ranges::any_of(
      fetched, [&](const net::FetchEvidence* other) { return other->body != first.body; });
  if (differ) {
    json::array bodies;
    for (const auto* fetch : fetched) {
      json::object entry;
      entry["address"] = fetch->address;
      entry["body"] = fetch->body;
      bodies.push_back(std::move(entry));
    }
    json::object evidence;
    evidence["host"] = host;
    evidence["bodies"] = std::move(bodies);
    out.add("policy-differs-between-addresses", Severity::error,
            "The addresses of " + host +
                " serve different policies: senders see one or the other at random",
            std::move(evidence));
  }

  json::object where;
  where["url"] = first.url;
  where["address"] = first.address;
  const auto parsed = core::parse_policy(first.body, core::Profile::compatible);
  check_policy_certificates(run, fetched,
                            parsed.ok() ? std::optional(parsed.value->max_age) : std::nullopt, out);
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
    out.add("sts-policy-invalid", Severity::error,
            "The policy at " + first.url + " is invalid for senders: " + first_error,
            std::move(evidence));
    return;
  }
  run.policy = *parsed.value;
  const auto strict = core::parse_policy(first.body, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    out.add("policy-lint", Severity::warning, "Policy: " + diagnostic.message,
            merged(where, diagnostic_json(diagnostic)));
  }
  json::object mode_evidence = where;
  mode_evidence["mode"] = core::mode_name(run.policy->mode);
  mode_evidence["max_age"] = run.policy->max_age;
  switch (run.policy->mode) {
  case core::PolicyMode::enforce:
    if (run.policy->max_age < k_min_enforce_max_age) {
      out.add("max-age-short-for-enforce", Severity::warning,
              "mode enforce with max_age " + std::to_string(run.policy->max_age) +
                  " s: senders forget the policy within a day, which leaves a window for "
                  "downgrade attacks. Use weeks (RFC 8461 §3.2), e.g. 1209600",
              std::move(mode_evidence));
    }
    break;
  case core::PolicyMode::testing:
    out.add("testing-mode", Severity::info,
            "mode testing: senders report TLS failures (TLSRPT) but still deliver without TLS",
            std::move(mode_evidence));
    break;
  case core::PolicyMode::none:
    out.add("none-mode", Severity::info,
            "mode none: senders drop any cached policy; MTA-STS is being withdrawn",
            std::move(mode_evidence));
    break;
  }
}

// The MX hosts of the domain (normalised, by preference), the implicit MX when there is no MX
// RRset (RFC 5321 §5.1), none when the lookup failed.
struct MxHosts
{
  std::vector<net::MxRecord> hosts;
  bool implicit = false;
};

MxHosts mx_hosts(const Run& run, const net::DnsAnswer& answer)
{
  MxHosts mx;
  if (answer.failed()) {
    return mx;
  }
  mx.implicit = !answer.has_data();
  if (mx.implicit) {
    mx.hosts.push_back(net::MxRecord{0, run.domain});
  }
  for (const auto& rdata : answer.rdata) {
    if (auto record = net::decode_mx(rdata); record && !record->exchange.empty()) {
      if (auto normalized = core::normalize_host(record->exchange)) {
        record->exchange = std::move(*normalized);
        mx.hosts.push_back(std::move(*record));
      }
    }
  }
  std::ranges::stable_sort(mx.hosts, {}, &net::MxRecord::preference);
  return mx;
}

// Step 4: the MX RRset against the policy's patterns (RFC 8461 §4.1).
void check_mx(Run& run, const net::DnsAnswer& answer, const MxHosts& mx, Findings& out)
{
  if (answer.failed()) {
    out.add("dns-error", Severity::error,
            "The MX lookup of " + run.domain + " failed: " + answer.failure, answer_json(answer));
    return;
  }
  if (!run.policy) {
    return;
  }
  const auto& hosts = mx.hosts;
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
    evidence["implicit"] = mx.implicit;
    evidence["patterns"] = pattern_texts;
    evidence["result_type"] = "validation-failure";
    out.add("mx-not-covered", run.by_mode(),
            "MX host " + host.exchange +
                (mx.implicit ? " (implicit: the domain has no MX record)" : std::string()) +
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
      out.add("mx-pattern-unused", Severity::warning,
              "The mx pattern " + pattern.text + " matches no MX host of " + run.domain,
              std::move(evidence));
    }
  }
}

// The address and TLSA lookups of one MX host (steps 5 and 5b), made at once.
struct MxHostLookups
{
  net::DnsAnswer a;
  net::DnsAnswer aaaa;
  net::DnsAnswer tlsa;
};

Awaitable<void> lookup_mx_host(Checker& checker, std::string host, MxHostLookups& out)
{
  std::vector<Awaitable<void>> lookups;
  lookups.push_back(query_into(checker.dns(), host, net::rrtype::a, out.a));
  lookups.push_back(query_into(checker.dns(), host, net::rrtype::aaaa, out.aaaa));
  // RFC 7672 §2.2.3: the TLSA base domain is the MX host name (CNAMEs are not expanded).
  lookups.push_back(query_into(checker.dns(), "_25._tcp." + host, net::rrtype::tlsa, out.tlsa));
  co_await run_all(std::move(lookups));
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

MxTlsa interpret_tlsa(net::DnsAnswer answer)
{
  MxTlsa tlsa;
  tlsa.answer = std::move(answer);
  for (const auto& rdata : tlsa.answer.rdata) {
    if (auto record = net::decode_tlsa(rdata)) {
      tlsa.records.push_back(std::move(*record));
    }
  }
  tlsa.dane = tlsa.answer.dnssec == net::DnssecStatus::secure && tlsa.answer.has_data() &&
              !tlsa.records.empty();
  return tlsa;
}

// Step 5b: the findings of the `_25._tcp.<mx>` TLSA lookup itself (RFC 7672 §2.2): bogus,
// failed, insecure, undecodable.
void check_tlsa(Findings& out, const std::string& mx, const MxTlsa& tlsa)
{
  const std::string& name = tlsa.answer.name;
  json::object evidence = tlsa_json(tlsa);
  evidence["mx"] = mx;
  if (tlsa.answer.dnssec == net::DnssecStatus::bogus) {
    evidence["result_type"] = "dnssec-invalid";
    out.add("dnssec-invalid", Severity::error,
            "The TLSA lookup of " + name + " is DNSSEC-bogus (" + tlsa.answer.why_bogus +
                "): DANE senders defer mail to " + mx + " (RFC 7672 §2.2, RFC 8460 §4.3.2)",
            std::move(evidence));
    return;
  }
  if (tlsa.answer.failed()) {
    out.add("dns-error", Severity::error,
            "The TLSA lookup of " + name + " failed: " + tlsa.answer.failure +
                "; DANE senders treat " + mx + " as unreachable (RFC 7672 §2.2)",
            std::move(evidence));
    return;
  }
  if (!tlsa.answer.has_data()) {
    return;
  }
  if (tlsa.answer.dnssec == net::DnssecStatus::insecure) {
    out.add("tlsa-not-dnssec", Severity::info,
            name + " holds TLSA records, but they are not DNSSEC-validated: senders ignore them "
                   "(RFC 7672 §2.2)",
            std::move(evidence));
    return;
  }
  if (tlsa.records.empty()) {
    evidence["result_type"] = "tlsa-invalid";
    out.add("tlsa-invalid", Severity::error,
            "No TLSA record at " + name + " decodes: DANE senders cannot authenticate " + mx +
                " (RFC 8460 §4.3.2)",
            std::move(evidence));
  }
}

// The DANE outcome of one probe (step 5b): an error with the dane_result_type() code, or info.
void report_dane(Findings& out, const MxTlsa& tlsa, const net::SmtpProbe& probe)
{
  if (!probe.dane) {
    return; // no handshake: the probe's own finding says why
  }
  json::object evidence = probe_json(probe);
  evidence["tlsa"] = tlsa_json(tlsa);
  const std::string where = "MX " + probe.mx_host + " at " + probe.address;
  if (probe.dane->verdict == net::DaneOutcome::Verdict::verified) {
    out.add("dane-verified", Severity::info,
            where + " is authenticated by DANE (RFC 7672 §3): " + probe.dane->detail,
            std::move(evidence));
    return;
  }
  const auto result_type = net::dane_result_type(*probe.dane, tlsa.answer.dnssec);
  if (result_type.empty()) {
    return;
  }
  evidence["result_type"] = result_type;
  out.add(std::string(result_type), Severity::error,
          where + " fails DANE: " + probe.dane->detail +
              ". DANE senders defer mail to it whatever the MTA-STS mode (RFC 8461 §2)",
          std::move(evidence));
}

Awaitable<void> probe_into(Checker& checker, std::string host, std::string address,
                           net::SmtpProbeOptions options, net::SmtpProbe& out)
{
  out = co_await net::probe_smtp(checker.tls(), std::move(host), std::move(address),
                                 std::move(options));
}

// Step 5: every address of every MX as a sender sees it (RFC 8461 §4.2, §5; RFC 8460 §4.3), all
// probed at once; `lookups[i]` belongs to `hosts[i]`.
Awaitable<void> check_smtp(Run& run, const std::vector<net::MxRecord>& hosts,
                           const std::vector<MxHostLookups>& lookups, Findings& out)
{
  const auto& options = run.checker.options();
  net::SmtpProbeOptions probe_options;
  probe_options.port = options.smtp_port;
  probe_options.connect_timeout = options.timeout;
  probe_options.read_timeout = options.timeout;
  probe_options.total_timeout = options.timeout * 3;
  const auto horizon = options.now + std::chrono::seconds(run.policy->max_age);

  std::vector<std::vector<std::string>> addresses(hosts.size());
  std::vector<MxTlsa> tlsas(hosts.size());
  std::vector<std::vector<net::SmtpProbe>> probes(hosts.size());
  std::vector<Awaitable<void>> tasks;
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    addresses[h] = addresses_of(lookups[h].a, lookups[h].aaaa);
    if (addresses[h].empty()) {
      continue;
    }
    tlsas[h] = interpret_tlsa(lookups[h].tlsa);
    // RFC 7672 §2.2.3: the TLSA base domain is the MX host name (CNAMEs are not expanded).
    probe_options.tlsa = tlsas[h].dane ? tlsas[h].records : std::vector<net::TlsaRecord>{};
    probe_options.tlsa_base_domain = hosts[h].exchange;
    probes[h].resize(addresses[h].size());
    for (std::size_t i = 0; i < addresses[h].size(); ++i) {
      tasks.push_back(
          probe_into(run.checker, hosts[h].exchange, addresses[h][i], probe_options, probes[h][i]));
    }
  }
  co_await run_all(std::move(tasks));

  for (std::size_t h = 0; h < hosts.size(); ++h) {
    const auto& host = hosts[h];
    if (addresses[h].empty()) {
      json::object evidence;
      evidence["mx"] = host.exchange;
      evidence["a"] = answer_json(lookups[h].a);
      evidence["aaaa"] = answer_json(lookups[h].aaaa);
      out.add("dns-error", Severity::error,
              "MX host " + host.exchange + " has no address (A or AAAA)", std::move(evidence));
      continue;
    }
    const auto& tlsa = tlsas[h];
    check_tlsa(out, host.exchange, tlsa);
    bool dane_verified = false;
    for (const auto& probe : probes[h]) {
      const auto& address = probe.address;
      report_dane(out, tlsa, probe);
      dane_verified = dane_verified ||
                      (probe.dane && probe.dane->verdict == net::DaneOutcome::Verdict::verified);
      const auto result_type = probe.result_type();
      if (!result_type.empty()) {
        out.add(result_type, run.by_mode(),
                "MX " + host.exchange + " at " + address + ": " + probe.detail, probe_json(probe));
      } else if (!probe.ok()) {
        out.add("mx-unreachable", Severity::warning,
                "MX " + host.exchange + " at " + address + ": " + probe.detail, probe_json(probe));
      } else if (probe.tls && !probe.tls->chain_summary.empty()) {
        const auto not_after = probe.tls->chain_summary.front().not_after;
        if (not_after < horizon.time_since_epoch().count()) {
          out.add("certificate-expires-before-max-age", Severity::warning,
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
      out.add("dane-mx-not-in-sts-policy", Severity::warning,
              "MX " + host.exchange +
                  " is authenticated by DANE but matches no mx pattern of the MTA-STS policy: "
                  "senders that use only MTA-STS refuse to deliver to it. Add an mx line for it",
              std::move(evidence));
    }
  }
}

// Steps 2 to 5 once a `v=STSv1` candidate is published: the fetches from every policy-host
// address and (with SMTP probing) the address and TLSA lookups of every MX host at once, then
// the probes of every MX address at once.
Awaitable<void> check_sts_policy(Run& run, const FirstLookups& lookups, Findings& policy_out,
                                 Findings& mx_out, Findings& smtp_out)
{
  const auto& options = run.checker.options();
  const std::string host = "mta-sts." + run.domain;
  const auto addresses = addresses_of(lookups.policy_a, lookups.policy_aaaa);
  const auto mx = mx_hosts(run, lookups.mx);

  net::FetchOptions fetch_options;
  fetch_options.connect_timeout = options.timeout;
  fetch_options.total_timeout = options.timeout * 3;
  fetch_options.port = options.https_port;
  std::vector<net::FetchEvidence> fetches(addresses.size());
  std::vector<MxHostLookups> host_lookups(options.smtp ? mx.hosts.size() : 0);
  std::vector<Awaitable<void>> tasks;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    tasks.push_back(fetch_into(run.checker, host, addresses[i], fetch_options, fetches[i]));
  }
  for (std::size_t i = 0; i < host_lookups.size(); ++i) {
    tasks.push_back(lookup_mx_host(run.checker, mx.hosts[i].exchange, host_lookups[i]));
  }
  co_await run_all(std::move(tasks));

  check_policy(run, lookups, addresses, fetches, policy_out);
  check_mx(run, lookups.mx, mx, mx_out);
  if (run.policy && options.smtp) {
    co_await check_smtp(run, mx.hosts, host_lookups, smtp_out);
  }
}

// --- step 6: TLSRPT ---------------------------------------------------------------------------

// Where an `https:` rua URI sends reports (RFC 8460 §3, RFC 3986 §3.2): host (normalised, or an
// IP literal without brackets) and port. `error` says why there is none.
struct HttpsTarget
{
  std::string host;
  std::uint16_t port = 0;
  bool ip_literal = false;
  std::string error;
};

HttpsTarget https_target(std::string_view uri, std::uint16_t default_port)
{
  HttpsTarget target;
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) {
    target.error = "the URI has no authority (\"https://host/...\")";
    return target;
  }
  auto authority = uri.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      target.error = "unterminated IP literal in the URI";
      return target;
    }
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      target.error = "unexpected text after the IP literal";
      return target;
    }
    port = rest.empty() ? rest : rest.substr(1);
    target.ip_literal = true;
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  target.port = default_port;
  if (!port.empty()) {
    unsigned value = 0;
    const auto* end = port.data() + port.size();
    const auto parsed = std::from_chars(port.data(), end, value);
    if (parsed.ec != std::errc{} || parsed.ptr != end || value == 0 || value > 65535) {
      target.error = "invalid port \"" + std::string(port) + "\"";
      return target;
    }
    target.port = static_cast<std::uint16_t>(value);
  }
  boost::system::error_code error;
  const auto address = net::asio::ip::make_address(host, error);
  if (!error) {
    target.host = address.to_string();
    target.ip_literal = true;
    return target;
  }
  if (target.ip_literal) {
    target.error = "invalid IP literal \"" + std::string(host) + "\"";
    return target;
  }
  auto normalized = core::normalize_host(host);
  if (!normalized) {
    target.error = "\"" + std::string(host) + "\" is not a host name: " + normalized.error();
    return target;
  }
  target.host = std::move(*normalized);
  return target;
}

// One TCP connect + TLS handshake with an address of an rua endpoint (no HTTP request).
struct HttpsProbe
{
  std::string address;
  std::string failure = "none"; // "none", "connect", "timeout", "tls-handshake"
  std::string detail;
  std::optional<net::TlsEvidence> tls;
  std::chrono::milliseconds elapsed{0};
};

// Connects to address:port and completes a TLS handshake as a report submitter would: SNI = the
// host (none for an IP literal), the checker's client context (TLS >= 1.2, its trust anchors),
// evidence from net::collect_tls_evidence(). An IP-literal host is matched against the leaf's
// iPAddress SANs. `connect_timeout` bounds the connect, `total_timeout` the whole exchange.
// Never throws for network outcomes.
Awaitable<HttpsProbe> probe_https(boost::asio::ssl::context& context, HttpsTarget target,
                                  std::string address, std::chrono::milliseconds connect_timeout,
                                  std::chrono::milliseconds total_timeout)
{
  namespace beast = boost::beast;
  HttpsProbe probe;
  probe.address = std::move(address);
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + total_timeout;
  const auto finish = [&](std::string failure, std::string detail) {
    probe.failure = std::move(failure);
    probe.detail = std::move(detail);
    probe.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return probe;
  };
  const auto timed_out = [](const boost::system::error_code& error) {
    return error == beast::error::timeout;
  };
  boost::system::error_code error;
  const auto ip = net::asio::ip::make_address(probe.address, error);
  if (error) {
    co_return finish("connect", "'" + probe.address + "' is not an IP address");
  }
  auto executor = co_await net::asio::this_coro::executor;
  beast::ssl_stream<beast::tcp_stream> stream(executor, context);
  auto& tcp_stream = beast::get_lowest_layer(stream);
  tcp_stream.expires_at(std::min(deadline, started + connect_timeout));
  co_await tcp_stream.async_connect(net::asio::ip::tcp::endpoint(ip, target.port),
                                    net::asio::redirect_error(net::asio::use_awaitable, error));
  if (error) {
    co_return finish(timed_out(error) ? "timeout" : "connect",
                     "cannot connect to " + probe.address + " port " + std::to_string(target.port) +
                         ": " + (timed_out(error) ? std::string("timed out") : error.message()));
  }
  if (!target.ip_literal && !net::set_server_name(stream.native_handle(), target.host)) {
    co_return finish("tls-handshake", "cannot set the TLS server name");
  }
  tcp_stream.expires_at(deadline);
  co_await stream.async_handshake(net::asio::ssl::stream_base::client,
                                  net::asio::redirect_error(net::asio::use_awaitable, error));
  if (error) {
    co_return finish(timed_out(error) ? "timeout" : "tls-handshake",
                     "TLS handshake with " + probe.address + " failed: " +
                         (timed_out(error) ? std::string("timed out") : error.message()));
  }
  probe.tls = net::collect_tls_evidence(stream.native_handle(), target.host);
  if (target.ip_literal && !probe.tls->chain_summary.empty()) {
    const auto& ips = probe.tls->chain_summary.front().san_ip_addresses;
    probe.tls->identity_matched = std::ranges::find(ips, target.host) != ips.end();
    probe.tls->matched_name = probe.tls->identity_matched ? target.host : std::string();
  }
  // Best effort: close the session politely; the answer is irrelevant.
  tcp_stream.expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(net::asio::redirect_error(net::asio::use_awaitable, error));
  co_return finish("none", "");
}

// One `https:` rua URI: its target, address lookups and a probe per address.
struct RuaCheck
{
  std::string uri;
  HttpsTarget target;
  net::DnsAnswer a;
  net::DnsAnswer aaaa;
  std::vector<HttpsProbe> probes; // in address order
};

Awaitable<void> probe_into(Checker& checker, HttpsTarget target, std::string address,
                           HttpsProbe& out)
{
  const auto timeout = checker.options().timeout;
  out = co_await probe_https(checker.tls(), std::move(target), std::move(address), timeout,
                             timeout * 3);
}

Awaitable<void> check_rua_endpoint(Checker& checker, RuaCheck& rua)
{
  if (!rua.target.error.empty()) {
    co_return;
  }
  std::vector<std::string> addresses;
  if (rua.target.ip_literal) {
    addresses.push_back(rua.target.host);
  } else {
    std::vector<Awaitable<void>> lookups;
    lookups.push_back(query_into(checker.dns(), rua.target.host, net::rrtype::a, rua.a));
    lookups.push_back(query_into(checker.dns(), rua.target.host, net::rrtype::aaaa, rua.aaaa));
    co_await run_all(std::move(lookups));
    addresses = addresses_of(rua.a, rua.aaaa);
  }
  rua.probes.resize(addresses.size());
  std::vector<Awaitable<void>> probes;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    probes.push_back(probe_into(checker, rua.target, addresses[i], rua.probes[i]));
  }
  co_await run_all(std::move(probes));
}

// The findings of one `https:` rua URI, in address order.
void report_rua_endpoint(const RuaCheck& rua, Findings& out)
{
  json::object base;
  base["uri"] = rua.uri;
  if (!rua.target.error.empty()) {
    base["failure"] = "uri";
    base["detail"] = rua.target.error;
    out.add("tlsrpt-https-unreachable", Severity::warning,
            "TLS reports cannot be delivered to " + rua.uri + ": " + rua.target.error,
            std::move(base));
    return;
  }
  base["host"] = rua.target.host;
  base["port"] = rua.target.port;
  if (rua.probes.empty()) {
    const std::string why =
        rua.a.failed() || rua.aaaa.failed()
            ? "the address lookup failed: " + (rua.a.failed() ? rua.a.failure : rua.aaaa.failure)
            : "it has no address (A or AAAA)";
    json::object evidence = base;
    evidence["failure"] = "no-address";
    evidence["detail"] = why;
    evidence["a"] = answer_json(rua.a);
    evidence["aaaa"] = answer_json(rua.aaaa);
    out.add("tlsrpt-https-unreachable", Severity::warning,
            "TLS reports cannot be delivered to " + rua.uri + ": the host " + rua.target.host +
                " cannot be reached, " + why + " (RFC 8460 §5.4)",
            std::move(evidence));
    return;
  }
  for (const auto& probe : rua.probes) {
    json::object evidence = base;
    evidence["address"] = probe.address;
    evidence["failure"] = probe.failure;
    if (!probe.detail.empty()) {
      evidence["detail"] = probe.detail;
    }
    evidence["elapsed_ms"] = probe.elapsed.count();
    if (probe.tls) {
      evidence["tls"] = tls_json(*probe.tls);
    }
    const std::string where = "The TLSRPT endpoint " + rua.uri + " at " + probe.address;
    if (probe.failure != "none" || !probe.tls) {
      out.add("tlsrpt-https-unreachable", Severity::warning,
              where + " cannot take reports: " + probe.detail +
                  ". Senders retry and then drop the report (RFC 8460 §5.4)",
              std::move(evidence));
      continue;
    }
    const auto result_type = net::result_type_for(*probe.tls);
    if (!result_type.empty()) {
      const std::string why =
          probe.tls->identity_matched || probe.tls->chain != net::ChainVerdict::trusted
              ? probe.tls->verify_error
              : "no subjectAltName matches " + rua.target.host;
      evidence["result_type"] = result_type;
      out.add("tlsrpt-https-certificate-invalid", Severity::warning,
              where + " presents a certificate that is not valid for " + rua.target.host + ": " +
                  why + " (" + std::string(result_type) +
                  "). Senders that validate it do not deliver reports there (RFC 8460 §5.4)",
              std::move(evidence));
      continue;
    }
    out.add("tlsrpt-https-reachable", Severity::info,
            where + " accepts TLS with a valid certificate for " + rua.target.host +
                " (no report was sent)",
            std::move(evidence));
  }
}

// Step 6: `_smtp._tls.<domain>` (RFC 8460 §3) and every `https:` rua endpoint in it, all at once.
Awaitable<void> check_tlsrpt(Run& run, const net::DnsAnswer& answer, Findings& out)
{
  const std::string& name = answer.name;
  const auto records = txt_strings(answer);
  json::object evidence = answer_json(answer);
  evidence["records"] = strings_json(records);
  if (answer.failed()) {
    out.add("dns-error", Severity::warning,
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
          out.add("tlsrpt-record-missing", Severity::warning,
                  "No TLSRPT record (\"v=TLSRPTv1; rua=...\") at " + name +
                      ": nobody is told when senders fail to reach the MX hosts securely",
                  merged(evidence, diagnostic_json(diagnostic)));
        }
        co_return;
      }
      out.add("tlsrpt-record-invalid", Severity::error,
              "The TLSRPT record at " + name + " is invalid: " + diagnostic.message,
              merged(evidence, diagnostic_json(diagnostic)));
    }
    co_return;
  }
  const auto strict = core::select_tlsrpt_record(records, core::Profile::strict);
  for (const auto& diagnostic : strict.diagnostics) {
    out.add("tlsrpt-record-lint", Severity::warning, name + ": " + diagnostic.message,
            merged(evidence, diagnostic_json(diagnostic)));
  }
  std::string rua;
  for (const auto& uri : selected.value->rua) {
    rua += (rua.empty() ? "" : ", ") + uri;
  }
  evidence["rua"] = strings_json(selected.value->rua);
  out.add("tlsrpt-record-valid", Severity::info, "TLS reports go to " + rua, std::move(evidence));

  // RFC 3986 §3.1: schemes are case-insensitive (the parser accepts "HTTPS:" with a warning).
  std::vector<RuaCheck> endpoints;
  for (const auto& uri : selected.value->rua) {
    if (uri.size() > 6 && util::iequals_ascii(std::string_view(uri).substr(0, 6), "https:")) {
      endpoints.push_back(
          RuaCheck{uri, https_target(uri, run.checker.options().https_port), {}, {}, {}});
    }
  }
  std::vector<Awaitable<void>> tasks;
  for (auto& endpoint : endpoints) {
    tasks.push_back(check_rua_endpoint(run.checker, endpoint));
  }
  co_await run_all(std::move(tasks));
  for (const auto& endpoint : endpoints) {
    report_rua_endpoint(endpoint, out);
  }
}

Awaitable<void> check_worker(Checker& checker, const std::vector<std::string>& domains,
                             std::vector<DomainResult>& results, std::size_t& next)
{
  while (next < domains.size()) {
    const std::size_t index = next++;
    results[index] = co_await check_domain(checker, domains[index]);
    if (checker.options().on_result) {
      checker.options().on_result(index, results[index]);
    }
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
  DomainResult result;
  result.domain = domain;
  auto normalized = core::normalize_host(domain);
  if (!normalized) {
    json::object evidence;
    evidence["domain"] = domain;
    result.problems.push_back(Problem{
        "domain-invalid", Severity::error,
        "\"" + domain + "\" is not a domain name: " + normalized.error(), std::move(evidence)});
    co_return result;
  }
  Run run{checker, std::move(*normalized), false, std::nullopt};

  // Everything that needs only the name, at once; the MX and policy-host lookups are wasted
  // when no STS record turns up, which costs less than waiting for the TXT answer first.
  FirstLookups lookups;
  auto& dns = checker.dns();
  {
    const std::string sts_name = "_mta-sts." + run.domain;
    const std::string policy_host = "mta-sts." + run.domain;
    std::vector<Awaitable<void>> tasks;
    tasks.push_back(query_into(dns, sts_name, net::rrtype::txt, lookups.sts_txt));
    tasks.push_back(cname_chain_into(dns, sts_name, lookups.sts_chain));
    tasks.push_back(query_into(dns, policy_host, net::rrtype::a, lookups.policy_a));
    tasks.push_back(query_into(dns, policy_host, net::rrtype::aaaa, lookups.policy_aaaa));
    tasks.push_back(query_into(dns, run.domain, net::rrtype::mx, lookups.mx));
    tasks.push_back(
        query_into(dns, "_smtp._tls." + run.domain, net::rrtype::txt, lookups.tlsrpt_txt));
    co_await run_all(std::move(tasks));
  }

  Findings sts;
  Findings policy;
  Findings mx;
  Findings smtp;
  Findings tlsrpt;
  check_sts_record(run, lookups, sts);
  {
    std::vector<Awaitable<void>> tasks;
    if (run.sts_published) {
      tasks.push_back(check_sts_policy(run, lookups, policy, mx, smtp));
    }
    tasks.push_back(check_tlsrpt(run, lookups.tlsrpt_txt, tlsrpt));
    co_await run_all(std::move(tasks));
  }
  if (run.policy) {
    result.mode = run.policy->mode;
  }
  for (auto* findings : {&sts, &policy, &mx, &smtp, &tlsrpt}) {
    std::ranges::move(findings->problems, std::back_inserter(result.problems));
  }
  co_return result;
}

Awaitable<std::vector<DomainResult>> check_domains(Checker& checker,
                                                   std::vector<std::string> domains)
{
  std::vector<DomainResult> results(domains.size());
  std::size_t next = 0;
  const std::size_t workers = std::min(checker.options().concurrency, domains.size());
  std::vector<Awaitable<void>> tasks;
  for (std::size_t i = 0; i < workers; ++i) {
    tasks.push_back(check_worker(checker, domains, results, next));
  }
  co_await run_all(std::move(tasks));
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
