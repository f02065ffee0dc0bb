// The network half of the sender engine, evidence only: what DNS answered, in the shape the
// engine's pure decisions (core/sender.hpp) read. No verdicts here: which record a sender
// selects, which fetch decides, whether DANE applies are core's.
#pragma once

#include <mtasts/core/sender.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/net/dns.hpp>

#include <string>
#include <vector>

namespace mtasts::net {

// --- DNS answers as the sender engine reads them

// The TXT RRs of `answer`, each RR's character-strings joined (RFC 8461 §3.1, RFC 8460 §3).
std::vector<std::string> txt_records(const DnsAnswer& answer);
core::TxtAnswer to_txt_answer(const DnsAnswer& answer);
// The MX RRset; records that do not decode are left out (a set of only those is a failure).
core::MxAnswer to_mx_answer(const DnsAnswer& answer);
core::TlsaAnswer to_tlsa_answer(const DnsAnswer& answer);
// The addresses of an A or AAAA answer, in answer order; none when the lookup failed.
std::vector<std::string> addresses_of(const DnsAnswer& answer);

// --- Lookups

// "_mta-sts.<domain>", "mta-sts.<domain>", "_25._tcp.<host>", "_smtp._tls.<domain>".
std::string sts_record_name(std::string_view domain);
std::string policy_host(std::string_view domain);
std::string tlsa_name(std::string_view mx_host);
std::string tlsrpt_record_name(std::string_view domain);

// dns.query() into `out`: a task for run_all() (`dns` and `out` must outlive it).
Awaitable<void> query_into(DnsResolver& dns, std::string name, int type, DnsAnswer& out);

// The A then AAAA addresses of `host` (both asked at once), as a sender collects them before
// connecting (RFC 8461 §3.3 policy host, RFC 5321 §5.1 MX host), and the last lookup failure
// ("" when both answered).
struct HostAddresses
{
  std::vector<std::string> addresses;
  std::string failure;
};
Awaitable<HostAddresses> resolve_addresses(DnsResolver& dns, std::string host);

} // namespace mtasts::net
