// The network half of the sender engine (core/sts_cache is the other half): the questions an
// RFC 8461 sender asks the network, answered as core values. Used by the resolver; the checker
// asks the same questions with full evidence (check/checker.cpp).
#pragma once

#include <mtasts/core/sts_cache.hpp>
#include <mtasts/core/testing_observation.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/net/smtp_probe.hpp>

#include <boost/asio/ssl/context.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace mtasts::net {

// `_mta-sts.<domain>` TXT (RFC 8461 §3.1, CNAMEs followed by the resolver): the record selected
// with the compatible profile, as a sender selects it. DNSSEC-bogus answers are failures.
Awaitable<core::Discovery> discover_sts_record(DnsResolver& dns, std::string domain);

// The policy fetched from https://mta-sts.<domain>/ (§3.3): A and AAAA of the policy host, then
// each address in turn until one serves a policy (a connect failure or timeout moves on to the
// next address; any answer from a server is final), parsed with the compatible profile. A body
// that does not parse is `sts-policy-invalid`.
Awaitable<core::FetchOutcome> fetch_sts_policy(DnsResolver& dns, asio::ssl::context& tls,
                                               std::string domain, FetchOptions options);

// Whether DANE (RFC 7672) governs delivery to `domain`: the MX RRset (or the implicit MX) must be
// DNSSEC-validated and `_25._tcp.<mx>` must hold DNSSEC-validated TLSA records. A failed lookup
// leaves the coverage `unknown` (the caller retries later).
Awaitable<core::DaneCoverage> discover_dane_coverage(DnsResolver& dns, std::string domain);

struct TestingObservationOptions
{
  std::size_t max_mx_hosts = 10; // MX hosts observed, in preference order (core::mx_targets)
  std::size_t max_addresses = 2; // addresses probed per MX host until one reaches a verdict
  SmtpProbeOptions probe;        // port, EHLO name and deadlines of every probe (no TLSA)
};

struct TestingObservation
{
  std::vector<core::MxObservation> mx; // one per observed MX host, in preference order
  std::size_t omitted = 0;             // MX hosts over max_mx_hosts, not observed
  std::string failure; // the MX lookup failed: nothing was observed (the caller retries later)
};

// What a sender applying `policy` as `enforce` would meet when delivering to `domain` (RFC 8461
// §4, §5; used for `mode: testing` policies, which deliver anyway): the MX RRset (implicit MX
// when there is none, nothing for a null MX), each host checked against the policy's patterns
// (§4.1: an unlisted host would fail without a connection) and, when listed, its A then AAAA
// addresses probed one at a time with probe_smtp() (STARTTLS, PKIX with SNI and SAN match over
// `tls`, §4.2) until one reaches a verdict. Hosts are observed one after another, so at most one
// SMTP connection is open at a time. DNS failures of one host make that host transient; a failed
// MX lookup is `failure`. Never throws for network outcomes.
Awaitable<TestingObservation> observe_testing_policy(DnsResolver& dns, asio::ssl::context& tls,
                                                     std::string domain, core::Policy policy,
                                                     TestingObservationOptions options);

} // namespace mtasts::net
