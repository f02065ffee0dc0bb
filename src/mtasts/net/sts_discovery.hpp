// The network half of the sender engine (core/sts_cache is the other half): the three questions
// an RFC 8461 sender asks the network, answered as core values. Used by the resolver; the
// checker asks the same questions with full evidence (check/checker.cpp).
#pragma once

#include <mtasts/core/sts_cache.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/policy_fetch.hpp>

#include <boost/asio/ssl/context.hpp>

#include <string>

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

} // namespace mtasts::net
