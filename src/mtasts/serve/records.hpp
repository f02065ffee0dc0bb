// The DNS records a served domain needs (RFC 8461 §3.1 and §3.3, RFC 8460 §3), as zone-file
// lines: the policy host's address (A/AAAA of this server), `_mta-sts` TXT with the id of the
// policy being served, and `_smtp._tls` TXT when the domain has rua addresses. Pure.
#pragma once

#include <string>
#include <vector>

namespace mtasts::serve {

struct DnsRecord
{
  std::string name;  // absolute, with the trailing dot
  std::string type;  // "A", "AAAA", "TXT"
  std::string value; // TXT: the record text, unquoted
};

// `addresses`: IPv4/IPv6 addresses of this server in text form (may be empty: then no address
// record, and the caller says why).
std::vector<DnsRecord> domain_records(const std::string& domain, const std::string& id,
                                      const std::vector<std::string>& rua,
                                      const std::vector<std::string>& addresses);

// "name. TTL IN TYPE value", TXT values quoted (and split into 255-octet strings, RFC 1035 §3.3).
std::string zone_line(const DnsRecord& record, int ttl = 3600);

} // namespace mtasts::serve
