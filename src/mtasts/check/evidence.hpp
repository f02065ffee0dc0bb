// Everything `mtasts check` learns about one domain from the network (check/gather.cpp), kept
// as evidence so that the findings (check/findings.hpp) and the sender's view
// (check/sender_view.hpp) are pure functions of it, unit-tested without a network.
#pragma once

#include <mtasts/core/sender.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/https_probe.hpp>
#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/net/smtp_probe.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mtasts::check {

// One MX host (a core::mx_targets() host): its addresses, its TLSA RRset, and the probes of its
// addresses (when SMTP probing ran and a valid policy was obtained).
struct MxHostEvidence
{
  std::string host;
  net::DnsAnswer a;
  net::DnsAnswer aaaa;
  net::DnsAnswer tlsa;
  std::vector<net::SmtpProbe> probes; // in address order: A, then AAAA
};

// One `https:` rua URI of the `_smtp._tls` record.
struct RuaEvidence
{
  std::string uri;
  std::optional<core::HttpsEndpoint> endpoint;
  std::string endpoint_error; // why there is no endpoint
  net::DnsAnswer a;
  net::DnsAnswer aaaa;
  std::vector<net::HttpsProbe> probes; // one per address
};

struct DomainEvidence
{
  std::string domain; // normalised
  // `_mta-sts` (RFC 8461 §3.1)
  net::DnsAnswer sts_txt;
  net::DnsResolver::CnameChain sts_chain;
  // the policy host (§3.3): its addresses, A then AAAA, and a fetch from each
  net::DnsAnswer policy_a;
  net::DnsAnswer policy_aaaa;
  std::vector<std::string> policy_addresses;
  std::vector<net::FetchEvidence> fetches; // fetches[i] from policy_addresses[i]
  bool fetched = false;                    // the fetches were made (a v=STSv1 candidate exists)
  // MX (RFC 5321 §5.1, RFC 7505) and each host a sender tries
  net::DnsAnswer mx;
  core::MxTargets targets;
  std::vector<MxHostEvidence> mx_hosts; // mx_hosts[i] is targets.hosts[i]
  bool probed = false;                  // SMTP probes were made
  // `_smtp._tls` (RFC 8460 §3)
  net::DnsAnswer tlsrpt_txt;
  std::vector<RuaEvidence> rua;
};

} // namespace mtasts::check
