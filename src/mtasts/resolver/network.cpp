#include <mtasts/net/concurrency.hpp>
#include <mtasts/net/sts_discovery.hpp>
#include <mtasts/resolver/network.hpp>

#include <fmt/format.h>

namespace mtasts::resolver {

namespace {

using net::Awaitable;
namespace rrtype = net::rrtype;

// Warms libunbound's cache: the lookups run to completion and their answers are dropped.
// `dns` is owned, so a reload that replaces the resolver cannot free it under the query.
Awaitable<void> warm(std::shared_ptr<net::DnsResolver> dns,
                     std::vector<std::pair<std::string, int>> queries)
{
  std::vector<net::DnsAnswer> answers(queries.size());
  std::vector<Awaitable<void>> lookups;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    lookups.push_back(net::query_into(*dns, queries[i].first, queries[i].second, answers[i]));
  }
  co_await net::run_all(std::move(lookups));
}

// The MX RRset, then the TLSA RRset of each MX host at once (cache warming for dane()).
Awaitable<void> warm_dane(std::shared_ptr<net::DnsResolver> dns, std::string domain)
{
  const auto mx = net::to_mx_answer(co_await dns->query(domain, rrtype::mx));
  if (!mx.failure.empty()) {
    co_return;
  }
  std::vector<std::pair<std::string, int>> queries;
  for (const auto& host : core::mx_targets(domain, mx.records).hosts) {
    queries.emplace_back(net::tlsa_name(host), rrtype::tlsa);
  }
  co_await warm(std::move(dns), std::move(queries));
}

} // namespace

LiveNetwork::LiveNetwork(std::shared_ptr<net::DnsResolver> dns,
                         std::shared_ptr<net::asio::ssl::context> tls, NetworkOptions options)
    : m_dns(std::move(dns)), m_tls(std::move(tls)), m_options(std::move(options))
{}

Awaitable<core::Discovery> LiveNetwork::discover(std::string domain, bool cold)
{
  auto dns = m_dns; // alive across a reload
  if (cold) {
    const auto host = net::policy_host(domain);
    std::vector<std::pair<std::string, int>> queries{{host, rrtype::a}, {host, rrtype::aaaa}};
    net::start_detached(co_await net::asio::this_coro::executor, warm(dns, std::move(queries)));
  }
  const auto answer = co_await dns->query(net::sts_record_name(domain), rrtype::txt);
  co_return core::discover_sts(net::to_txt_answer(answer));
}

Awaitable<core::FetchOutcome> LiveNetwork::fetch(std::string domain)
{
  auto dns = m_dns;
  auto tls = m_tls;
  if (m_options.dane_lookups) {
    net::start_detached(co_await net::asio::this_coro::executor, warm_dane(dns, domain));
  }
  const auto host = net::policy_host(domain);
  const auto resolved = co_await net::resolve_addresses(*dns, host);
  // RFC 8461 §3.3: each address in turn until a server answers (core::fetch_moves_on).
  std::vector<core::FetchAttempt> attempts;
  for (const auto& address : resolved.addresses) {
    attempts.push_back(
        net::to_attempt(co_await net::fetch_policy(*tls, host, address, m_options.fetch)));
    if (!core::fetch_moves_on(attempts.back().failure)) {
      break;
    }
  }
  co_return core::fetch_outcome(
      attempts, resolved.failure.empty() ? host + " has no A or AAAA record" : resolved.failure);
}

Awaitable<core::DaneCoverage> LiveNetwork::dane(std::string domain)
{
  auto dns = m_dns;
  const auto mx = net::to_mx_answer(co_await dns->query(domain, rrtype::mx));
  if (!mx.failure.empty()) {
    co_return core::DaneCoverage::unknown;
  }
  const auto targets = core::mx_targets(domain, mx.records);
  std::vector<net::DnsAnswer> answers(targets.hosts.size());
  std::vector<Awaitable<void>> lookups;
  for (std::size_t i = 0; i < targets.hosts.size(); ++i) {
    lookups.push_back(
        net::query_into(*dns, net::tlsa_name(targets.hosts[i]), rrtype::tlsa, answers[i]));
  }
  co_await net::run_all(std::move(lookups));
  std::vector<core::TlsaAnswer> tlsa;
  tlsa.reserve(answers.size());
  for (const auto& answer : answers) {
    tlsa.push_back(net::to_tlsa_answer(answer));
  }
  co_return core::dane_coverage(mx, tlsa);
}

Awaitable<TestingObservation> LiveNetwork::observe(std::string domain, core::Policy policy)
{
  auto dns = m_dns;
  auto tls = m_tls;
  TestingObservation observation;
  const auto mx = net::to_mx_answer(co_await dns->query(domain, rrtype::mx));
  if (!mx.failure.empty()) {
    observation.failure = fmt::format("{} MX: {}", domain, mx.failure);
    co_return observation;
  }
  const auto targets = core::mx_targets(domain, mx.records, m_options.max_mx_hosts);
  observation.omitted = targets.omitted;
  // One host after another: at most one SMTP connection of this domain at a time.
  for (const auto& host : targets.hosts) {
    if (auto ruled_out = core::unlisted_mx(policy, host)) {
      observation.mx.push_back(std::move(*ruled_out));
      continue;
    }
    const auto resolved = co_await net::resolve_addresses(*dns, host);
    std::vector<core::ProbeSummary> probes;
    for (const auto& address : resolved.addresses) {
      if (probes.size() >= m_options.max_addresses) {
        break;
      }
      const auto probe = co_await net::probe_smtp(*tls, host, address, m_options.probe);
      const auto result_type = probe.result_type();
      probes.push_back(core::ProbeSummary{probe.address, probe.ok(), result_type,
                                          probe.ok() ? std::string() : probe.detail});
      if (probe.ok() || result_type) {
        break;
      }
    }
    observation.mx.push_back(core::observation_from_probes(
        host, probes,
        resolved.failure.empty() ? host + " has no A or AAAA record" : resolved.failure));
  }
  co_return observation;
}

} // namespace mtasts::resolver
