// The network half of `mtasts check`: every lookup, fetch and probe of one domain, as evidence
// (check/evidence.hpp). Independent operations run at the same time on the Checker's io_context:
// first every lookup that needs only the name (the `_mta-sts` TXT and its CNAME chain, the
// policy host's A and AAAA, MX, `_smtp._tls`); then, together: the fetch from every policy-host
// address, each MX host's TLSA (and with SMTP probing A/AAAA) lookups followed by the STARTTLS
// probe of each of its addresses, and the rua endpoints' lookups and handshakes. Probes are kept
// only when a valid policy was fetched (a sender probes nothing otherwise).
#pragma once

#include <mtasts/check/checker.hpp>
#include <mtasts/check/evidence.hpp>

namespace mtasts::check {

// `domain` is normalised (core::normalize_host).
net::Awaitable<DomainEvidence> gather(Checker& checker, std::string domain);

} // namespace mtasts::check
