// The network questions the policy engine asks about a domain, answered as the sender engine's
// values (core/sender.hpp). The daemon uses LiveNetwork (DNS through libunbound, HTTPS policy
// fetches, SMTP probes); the engine's unit tests use a fake on a virtual clock.
#pragma once

#include <mtasts/core/sender.hpp>
#include <mtasts/core/testing_observation.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/net/smtp_probe.hpp>

#include <boost/asio/ssl/context.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mtasts::resolver {

// What observing a testing policy as under enforce found (core/testing_observation.hpp).
struct TestingObservation
{
  std::vector<core::MxObservation> mx; // one per observed MX host, in preference order
  std::size_t omitted = 0;             // MX hosts over the limit, not observed
  std::string failure; // the MX lookup failed: nothing was observed (the caller retries later)
};

class SenderNetwork
{
public:
  SenderNetwork() = default;
  virtual ~SenderNetwork() = default;
  SenderNetwork(const SenderNetwork&) = delete;
  SenderNetwork& operator=(const SenderNetwork&) = delete;

  // The `_mta-sts` TXT record (core::discover_sts). `cold`: no valid policy is cached, so a fetch
  // is likely to follow (an implementation may start what the fetch needs at once).
  virtual net::Awaitable<core::Discovery> discover(std::string domain, bool cold) = 0;
  // The policy from the policy host (core::fetch_outcome).
  virtual net::Awaitable<core::FetchOutcome> fetch(std::string domain) = 0;
  // The DANE coverage of the domain's MX hosts (core::dane_coverage).
  virtual net::Awaitable<core::DaneCoverage> dane(std::string domain) = 0;
  // What a sender applying `policy` as enforce would meet at each MX host (RFC 8461 §4, §5).
  virtual net::Awaitable<TestingObservation> observe(std::string domain, core::Policy policy) = 0;
};

struct NetworkOptions
{
  net::FetchOptions fetch;
  bool dane_lookups = true;      // dane() will follow a fetch: its lookups start with the fetch
  std::size_t max_mx_hosts = 10; // MX hosts observed, in preference order
  std::size_t max_addresses = 2; // addresses probed per MX host until one reaches a verdict
  net::SmtpProbeOptions probe;   // port, EHLO name and deadlines of every observation probe
};

// The real network. Lookups that a step will need next are started early, so a cold resolution
// waits for DNS once before the fetch: discover(cold) asks for the policy host's A and AAAA
// together with the TXT record, fetch() asks for the MX and TLSA records while it fetches; the
// later lookups of the same names are answered from libunbound's cache (or join the query in
// flight). Costs two extra queries per cold lookup of a domain without MTA-STS.
class LiveNetwork final : public SenderNetwork
{
public:
  LiveNetwork(std::shared_ptr<net::DnsResolver> dns, std::shared_ptr<net::asio::ssl::context> tls,
              NetworkOptions options);

  net::Awaitable<core::Discovery> discover(std::string domain, bool cold) override;
  net::Awaitable<core::FetchOutcome> fetch(std::string domain) override;
  net::Awaitable<core::DaneCoverage> dane(std::string domain) override;
  net::Awaitable<TestingObservation> observe(std::string domain, core::Policy policy) override;

private:
  std::shared_ptr<net::DnsResolver> m_dns;
  std::shared_ptr<net::asio::ssl::context> m_tls;
  NetworkOptions m_options;
};

} // namespace mtasts::resolver
