#include <mtasts/core/sts_record.hpp>
#include <mtasts/net/sts_discovery.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace mtasts::net {

namespace {

// The A then AAAA addresses of `host`, and the last lookup failure ("" when both answered), as
// a sender collects them before connecting (RFC 8461 §3.3 policy host, RFC 5321 §5.1 MX host).
struct HostAddresses
{
  std::vector<std::string> addresses;
  std::string failure;
};

Awaitable<HostAddresses> resolve_addresses(DnsResolver& dns, std::string host)
{
  HostAddresses result;
  for (const int type : {rrtype::a, rrtype::aaaa}) {
    const auto answer = co_await dns.query(host, type);
    if (answer.failed()) {
      result.failure = host + ": " + answer.failure;
      continue;
    }
    for (const auto& rdata : answer.rdata) {
      if (auto address = decode_address(rdata)) {
        result.addresses.push_back(std::move(*address));
      }
    }
  }
  co_return result;
}

} // namespace

Awaitable<core::Discovery> discover_sts_record(DnsResolver& dns, std::string domain)
{
  core::Discovery discovery;
  const auto answer = co_await dns.query("_mta-sts." + domain, rrtype::txt);
  discovery.ttl = core::Seconds(answer.ttl);
  if (answer.failed()) {
    discovery.kind = core::DiscoveryKind::dns_failure;
    discovery.detail = "_mta-sts." + domain + " TXT: " + answer.failure;
    co_return discovery;
  }
  std::vector<std::string> records;
  records.reserve(answer.rdata.size());
  for (const auto& rdata : answer.rdata) {
    records.push_back(decode_txt(rdata));
  }
  const auto selected = core::select_sts_record(records, core::Profile::compatible);
  if (selected.ok()) {
    discovery.kind = core::DiscoveryKind::record;
    discovery.id = selected.value->id;
    co_return discovery;
  }
  const bool candidates = std::any_of(
      selected.diagnostics.begin(), selected.diagnostics.end(), [](const core::Diagnostic& d) {
        return d.severity == core::Severity::error && d.code != std::string_view("no-record");
      });
  discovery.kind = candidates ? core::DiscoveryKind::unusable : core::DiscoveryKind::no_record;
  discovery.detail = "_mta-sts." + domain + (answer.nxdomain ? " does not exist" : ": no record");
  for (const auto& d : selected.diagnostics) {
    if (d.severity == core::Severity::error) {
      discovery.detail = fmt::format("_mta-sts.{}: {}: {}", domain, d.code, d.message);
      break;
    }
  }
  co_return discovery;
}

Awaitable<core::FetchOutcome> fetch_sts_policy(DnsResolver& dns, asio::ssl::context& tls,
                                               std::string domain, FetchOptions options)
{
  core::FetchOutcome outcome;
  const std::string host = "mta-sts." + domain;
  const auto resolved = co_await resolve_addresses(dns, host);
  if (resolved.addresses.empty()) {
    outcome.result_type = "sts-policy-fetch-error";
    outcome.detail =
        resolved.failure.empty() ? host + " has no A or AAAA record" : resolved.failure;
    co_return outcome;
  }
  for (const auto& address : resolved.addresses) {
    auto evidence = co_await fetch_policy(tls, host, address, options);
    if (!evidence.ok()) {
      outcome.result_type = std::string(fetch_result_type(evidence.failure));
      outcome.detail = fmt::format("{} ({}): {}", evidence.url, address, evidence.detail);
      if (evidence.failure == FetchFailure::connect || evidence.failure == FetchFailure::timeout) {
        continue;
      }
      co_return outcome;
    }
    auto parsed = core::parse_policy(evidence.body, core::Profile::compatible);
    if (!parsed.ok()) {
      outcome.result_type = "sts-policy-invalid";
      // No value means at least one error-severity diagnostic (core::Checked): name the first.
      const auto& error = *std::find_if(
          parsed.diagnostics.begin(), parsed.diagnostics.end(),
          [](const core::Diagnostic& d) { return d.severity == core::Severity::error; });
      outcome.detail = fmt::format("{}: line {}: {}: {}", evidence.url, error.where.line,
                                   error.code, error.message);
      co_return outcome;
    }
    outcome.policy = std::move(*parsed.value);
    outcome.policy_text = std::move(evidence.body);
    outcome.result_type.clear();
    outcome.detail.clear();
    co_return outcome;
  }
  co_return outcome;
}

Awaitable<core::DaneCoverage> discover_dane_coverage(DnsResolver& dns, std::string domain)
{
  const auto mx = co_await dns.query(domain, rrtype::mx);
  if (mx.failed()) {
    co_return core::DaneCoverage::unknown;
  }
  if (mx.dnssec != DnssecStatus::secure) {
    co_return core::DaneCoverage::none; // RFC 7672 §2.2.1: insecure MX RRset, no DANE
  }
  std::vector<std::string> hosts;
  for (const auto& rdata : mx.rdata) {
    if (auto record = decode_mx(rdata); record && !record->exchange.empty()) {
      hosts.push_back(record->exchange);
    }
  }
  if (mx.rdata.empty()) {
    hosts.push_back(domain); // RFC 5321 §5.1 implicit MX
  }
  if (hosts.empty()) {
    co_return core::DaneCoverage::none; // null MX: nothing to deliver to
  }
  std::size_t covered = 0;
  for (const auto& host : hosts) {
    const auto tlsa = co_await dns.query("_25._tcp." + host, rrtype::tlsa);
    if (tlsa.failed()) {
      co_return core::DaneCoverage::unknown;
    }
    if (tlsa.dnssec == DnssecStatus::secure && tlsa.has_data()) {
      ++covered;
    }
  }
  co_return covered == 0    ? core::DaneCoverage::none
  : covered == hosts.size() ? core::DaneCoverage::all
                            : core::DaneCoverage::partial;
}

Awaitable<TestingObservation> observe_testing_policy(DnsResolver& dns, asio::ssl::context& tls,
                                                     std::string domain, core::Policy policy,
                                                     TestingObservationOptions options)
{
  TestingObservation observation;
  const auto mx = co_await dns.query(domain, rrtype::mx);
  if (mx.failed()) {
    observation.failure = domain + " MX: " + mx.failure;
    co_return observation;
  }
  std::vector<core::MxExchange> records;
  for (const auto& rdata : mx.rdata) {
    if (auto record = decode_mx(rdata)) {
      records.push_back(core::MxExchange{record->preference, std::move(record->exchange)});
    }
  }
  if (!mx.rdata.empty() && records.empty()) {
    observation.failure = domain + " MX: malformed records";
    co_return observation;
  }
  const auto targets = core::mx_targets(domain, records, options.max_mx_hosts);
  observation.omitted = targets.omitted;
  for (const auto& host : targets.hosts) {
    if (auto ruled_out = core::unlisted_mx(policy, host)) {
      observation.mx.push_back(std::move(*ruled_out));
      continue;
    }
    const auto resolved = co_await resolve_addresses(dns, host);
    std::vector<core::ProbeSummary> probes;
    for (const auto& address : resolved.addresses) {
      if (probes.size() >= options.max_addresses) {
        break;
      }
      const auto probe = co_await probe_smtp(tls, host, address, options.probe);
      probes.push_back(core::ProbeSummary{probe.address, probe.ok(), probe.result_type(),
                                          probe.ok() ? std::string() : probe.detail});
      if (probe.ok() || !probe.result_type().empty()) {
        break;
      }
    }
    observation.mx.push_back(core::observation_from_probes(
        host, probes,
        resolved.failure.empty() ? host + " has no A or AAAA record" : resolved.failure));
  }
  co_return observation;
}

} // namespace mtasts::net
