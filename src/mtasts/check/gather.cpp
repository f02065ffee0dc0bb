#include <mtasts/check/gather.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/net/concurrency.hpp>
#include <mtasts/net/sts_discovery.hpp>

namespace mtasts::check {

namespace {

using net::Awaitable;
namespace rrtype = net::rrtype;

// A `v=STSv1` candidate exists (a sender goes on to the fetch).
bool sts_published(const net::DnsAnswer& answer)
{
  if (answer.failed()) {
    return false;
  }
  const auto selected =
      core::select_sts_record(net::txt_records(answer), core::Profile::compatible);
  return selected.ok() ||
         std::ranges::any_of(selected.diagnostics, [](const core::Diagnostic& diagnostic) {
           return diagnostic.severity == core::Severity::error && diagnostic.code != "no-record";
         });
}

Awaitable<void> cname_chain_into(net::DnsResolver& dns, std::string name,
                                 net::DnsResolver::CnameChain& out)
{
  out = co_await dns.cname_chain(std::move(name));
}

Awaitable<void> fetch_into(Checker& checker, std::string host, std::string address,
                           net::FetchEvidence& out)
{
  const auto& options = checker.options();
  net::FetchOptions fetch;
  fetch.connect_timeout = options.timeout;
  fetch.total_timeout = options.timeout * 3;
  fetch.port = options.https_port;
  out = co_await net::fetch_policy(checker.tls(), std::move(host), std::move(address), fetch);
}

Awaitable<void> probe_into(Checker& checker, std::string host, std::string address,
                           net::SmtpProbeOptions options, net::SmtpProbe& out)
{
  out = co_await net::probe_smtp(checker.tls(), std::move(host), std::move(address),
                                 std::move(options));
}

Awaitable<void> https_probe_into(Checker& checker, std::string host, std::string address,
                                 std::uint16_t port, net::HttpsProbe& out)
{
  const auto timeout = checker.options().timeout;
  out = co_await net::probe_https(checker.tls(), std::move(host), std::move(address),
                                  net::HttpsProbeOptions{port, timeout, timeout * 3});
}

// One rua endpoint: its addresses (unless an IP literal), then a handshake with each at once.
Awaitable<void> rua_into(Checker& checker, RuaEvidence& rua)
{
  if (!rua.endpoint) {
    co_return;
  }
  const auto& endpoint = *rua.endpoint;
  std::vector<std::string> addresses;
  if (endpoint.ip_literal) {
    addresses.push_back(endpoint.host);
  } else {
    std::vector<Awaitable<void>> lookups;
    lookups.push_back(net::query_into(checker.dns(), endpoint.host, rrtype::a, rua.a));
    lookups.push_back(net::query_into(checker.dns(), endpoint.host, rrtype::aaaa, rua.aaaa));
    co_await net::run_all(std::move(lookups));
    addresses = net::addresses_of(rua.a);
    const auto v6 = net::addresses_of(rua.aaaa);
    addresses.insert(addresses.end(), v6.begin(), v6.end());
  }
  rua.probes.resize(addresses.size());
  std::vector<Awaitable<void>> probes;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    probes.push_back(
        https_probe_into(checker, endpoint.host, addresses[i], endpoint.port, rua.probes[i]));
  }
  co_await net::run_all(std::move(probes));
}

// The `https:` URIs of a valid `_smtp._tls` record.
std::vector<RuaEvidence> rua_endpoints(const net::DnsAnswer& answer, std::uint16_t default_port)
{
  std::vector<RuaEvidence> endpoints;
  if (answer.failed()) {
    return endpoints;
  }
  const auto selected =
      core::select_tlsrpt_record(net::txt_records(answer), core::Profile::compatible);
  if (!selected.ok()) {
    return endpoints;
  }
  for (const auto& uri : selected.value->rua) {
    if (!core::is_https_uri(uri)) {
      continue;
    }
    RuaEvidence rua;
    rua.uri = uri;
    if (auto endpoint = core::https_endpoint(uri, default_port)) {
      rua.endpoint = std::move(*endpoint);
    } else {
      rua.endpoint_error = endpoint.error();
    }
    endpoints.push_back(std::move(rua));
  }
  return endpoints;
}

// The policy a sender would apply from the fetches (the first body fetched), if it is valid.
std::optional<core::Policy> fetched_policy(const std::vector<net::FetchEvidence>& fetches)
{
  for (const auto& fetch : fetches) {
    if (fetch.ok()) {
      auto parsed = core::parse_policy(fetch.body, core::Profile::compatible);
      return parsed.ok() ? std::optional(std::move(*parsed.value)) : std::nullopt;
    }
  }
  return std::nullopt;
}

// One MX host: its TLSA RRset (and with SMTP probing its A and AAAA) at once, then, with SMTP
// probing, a STARTTLS probe of every address at once, DANE-verified where DANE applies. Runs
// alongside the policy fetch: the probes need the MX answer, not the policy, so a domain's
// check waits for the longer of the two instead of their sum (gather() drops the probes when no
// valid policy was fetched).
Awaitable<void> mx_host_into(Checker& checker, const net::DnsAnswer& mx, MxHostEvidence& host)
{
  auto& dns = checker.dns();
  const auto& options = checker.options();
  {
    std::vector<Awaitable<void>> lookups;
    // RFC 7672 §2.2.3: the TLSA base domain is the MX host name (CNAMEs are not expanded).
    lookups.push_back(net::query_into(dns, net::tlsa_name(host.host), rrtype::tlsa, host.tlsa));
    if (options.smtp) {
      lookups.push_back(net::query_into(dns, host.host, rrtype::a, host.a));
      lookups.push_back(net::query_into(dns, host.host, rrtype::aaaa, host.aaaa));
    }
    co_await net::run_all(std::move(lookups));
  }
  if (!options.smtp) {
    co_return;
  }
  net::SmtpProbeOptions probe_options;
  probe_options.port = options.smtp_port;
  probe_options.connect_timeout = options.timeout;
  probe_options.read_timeout = options.timeout;
  probe_options.total_timeout = options.timeout * 3;
  if (core::dane_applies(mx.dnssec, net::to_tlsa_answer(host.tlsa))) {
    for (const auto& rdata : host.tlsa.rdata) {
      if (auto record = net::decode_tlsa(rdata)) {
        probe_options.tlsa.push_back(std::move(*record));
      }
    }
  }
  probe_options.tlsa_base_domain = host.host;
  auto addresses = net::addresses_of(host.a);
  const auto v6 = net::addresses_of(host.aaaa);
  addresses.insert(addresses.end(), v6.begin(), v6.end());
  host.probes.resize(addresses.size());
  std::vector<Awaitable<void>> probes;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    probes.push_back(probe_into(checker, host.host, addresses[i], probe_options, host.probes[i]));
  }
  co_await net::run_all(std::move(probes));
}

} // namespace

Awaitable<DomainEvidence> gather(Checker& checker, std::string domain)
{
  DomainEvidence evidence;
  evidence.domain = std::move(domain);
  auto& dns = checker.dns();
  const auto& options = checker.options();
  {
    // Everything that needs only the name, at once; the MX and policy-host lookups are wasted
    // when no STS record turns up, which costs less than waiting for the TXT answer first.
    const auto sts_name = net::sts_record_name(evidence.domain);
    const auto policy_host = net::policy_host(evidence.domain);
    std::vector<Awaitable<void>> tasks;
    tasks.push_back(net::query_into(dns, sts_name, rrtype::txt, evidence.sts_txt));
    tasks.push_back(cname_chain_into(dns, sts_name, evidence.sts_chain));
    tasks.push_back(net::query_into(dns, policy_host, rrtype::a, evidence.policy_a));
    tasks.push_back(net::query_into(dns, policy_host, rrtype::aaaa, evidence.policy_aaaa));
    tasks.push_back(net::query_into(dns, evidence.domain, rrtype::mx, evidence.mx));
    tasks.push_back(net::query_into(dns, net::tlsrpt_record_name(evidence.domain), rrtype::txt,
                                    evidence.tlsrpt_txt));
    co_await net::run_all(std::move(tasks));
  }
  evidence.rua = rua_endpoints(evidence.tlsrpt_txt, options.https_port);
  const bool published = sts_published(evidence.sts_txt);
  std::vector<Awaitable<void>> tasks;
  if (published) {
    evidence.policy_addresses = net::addresses_of(evidence.policy_a);
    const auto v6 = net::addresses_of(evidence.policy_aaaa);
    evidence.policy_addresses.insert(evidence.policy_addresses.end(), v6.begin(), v6.end());
    evidence.fetches.resize(evidence.policy_addresses.size());
    evidence.fetched = true;
    for (std::size_t i = 0; i < evidence.policy_addresses.size(); ++i) {
      tasks.push_back(fetch_into(checker, net::policy_host(evidence.domain),
                                 evidence.policy_addresses[i], evidence.fetches[i]));
    }
    const auto mx = net::to_mx_answer(evidence.mx);
    if (mx.failure.empty()) {
      evidence.targets = core::mx_targets(evidence.domain, mx.records);
    }
    evidence.mx_hosts.resize(evidence.targets.hosts.size());
    for (std::size_t i = 0; i < evidence.mx_hosts.size(); ++i) {
      evidence.mx_hosts[i].host = evidence.targets.hosts[i];
      tasks.push_back(mx_host_into(checker, evidence.mx, evidence.mx_hosts[i]));
    }
  }
  for (auto& rua : evidence.rua) {
    tasks.push_back(rua_into(checker, rua));
  }
  co_await net::run_all(std::move(tasks));
  if (published && options.smtp) {
    // Probes count only where a sender would apply a policy (step 5 of check/checker.hpp).
    evidence.probed = fetched_policy(evidence.fetches).has_value();
    if (!evidence.probed) {
      for (auto& host : evidence.mx_hosts) {
        host.probes.clear();
      }
    }
  }
  co_return evidence;
}

} // namespace mtasts::check
