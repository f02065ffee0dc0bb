// The one certificate-identity check of mtasts: RFC 6125 DNS-ID matching as RFC 8461 requires it
// for the policy host (§3.3) and for MX hosts (§4.2). The checker, the resolver and the policy
// host all use these functions, so a certificate passes or fails the same way everywhere. Pure:
// no OpenSSL, no I/O; the TLS layer (net/tls.hpp) extracts the names and calls in here.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mtasts::core {

// RFC 6125 §6.4 matching of one presented DNS-ID (a subjectAltName dNSName) against the reference
// identifier `reference_host` (the policy host or the MX host name, in A-label form as produced by
// normalize_host() from mx_pattern.hpp).
//
// Match rules:
//   - ASCII letters compare case-insensitively (RFC 6125 §6.4.1); one trailing root dot is
//     ignored on either side ("mx.example.com." equals "mx.example.com").
//   - A wildcard is accepted only as the complete left-most label of the presented name, and then
//     stands for exactly one non-empty left-most label of the reference host (RFC 6125 §6.4.3,
//     RFC 8461 §3.3): "*.example.com" matches "mx1.example.com" but neither "example.com" nor
//     "a.b.example.com". It matches any LDH label there, A-labels ("xn--...") included.
//
// Never a match:
//   - partial-label wildcards ("mx*.example.com", "*mx.example.com", "xn--*.example"), a wildcard
//     in any label but the left-most ("mx.*.example.com"), a bare "*", and a wildcard directly
//     over a single-label name ("*.com"). Wildcards over deeper public suffixes ("*.co.uk") are
//     not detected: no public-suffix list is consulted, trusted CAs do not issue such names;
//   - a presented name or reference host that is not a well-formed host name: empty, an empty
//     label ("a..example.com", ".example.com", two trailing dots), a label that is not an LDH label
//     (letters, digits and inner hyphens only; so U-labels, underscores, spaces and NUL bytes never
//     match), a label over 63 octets, a name over 253 octets, or a right-most label of digits only
//     (an IP address is not a DNS-ID, RFC 6125 §1.7.2).
bool dns_id_matches(std::string_view presented_dns_id, std::string_view reference_host);

struct IdentityResult
{
  bool matched = false;
  std::string matched_name; // the subjectAltName dNSName that matched, as presented; empty if none
};

// RFC 8461 §3.3 and §4.2: a certificate identifies `reference_host` when one of its
// subjectAltName dNSName entries (`san_dns_names`, in certificate order) matches per
// dns_id_matches(); the first such entry is reported. Only dNSName entries are accepted: the
// subject common name is never consulted, so a certificate without dNSName entries (an empty
// list, the "CN-only" certificate) never matches.
IdentityResult match_certificate_identity(std::span<const std::string> san_dns_names,
                                          std::string_view reference_host);

// RFC 6125 §6.2.1 (via RFC 5280 §4.2.1.6): when the reference identity is an IP address (an
// `https:` rua with an IP-literal host), a certificate identifies it when one of its
// subjectAltName iPAddress entries (`san_ip_addresses`, text form) is the same address; the
// comparison is of canonical forms ("2001:DB8::1" equals "2001:db8:0::1"). DNS names never match
// an IP address, nor the common name.
IdentityResult match_ip_identity(std::span<const std::string> san_ip_addresses,
                                 std::string_view reference_ip);

} // namespace mtasts::core
