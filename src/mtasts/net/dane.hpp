// DANE authentication of an SMTP server (RFC 7672 §3, RFC 7671 §5, §9): does the certificate chain
// an MX host presented satisfy the DNSSEC-validated TLSA RRset published for it? Verification
// runs after the handshake on the chain as the peer sent it, so the same evidence serves a checker
// (why a sender would defer) and a resolver (whether DANE authenticates the MX). Obtaining the
// TLSA RRset securely (RFC 7672 §2.2) is the caller's part; this unit only judges the records it
// is given against a chain.
#pragma once

#include <mtasts/net/dns.hpp>

#include <openssl/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::net {

struct DaneOutcome
{
  enum class Verdict : std::uint8_t {
    no_usable_records, // the RRset is empty, or no record in it is usable for SMTP (see below)
    verified,          // a usable record authenticated the server
    failed,            // usable records exist and none authenticated the server
  };

  // Why a `failed` verdict failed: of all usable records, the one that got furthest decides.
  // Furthest first: name_mismatch > expired > chain_untrusted > no_match.
  enum class Failure : std::uint8_t {
    none,            // not failed
    no_certificate,  // the server presented no certificate
    no_match,        // no DANE-EE(3) record matches the leaf and no DANE-TA(2) record matches (or,
                     // for a bare key, signs) a certificate above it
    chain_untrusted, // a DANE-TA(2) trust anchor matched, but the chain from the leaf does not
                     // verify up to it (signature, CA flag, path length, purpose, ...)
    expired,         // the chain verifies, but a certificate below the trust anchor is outside
                     // its validity period
    name_mismatch,   // the chain verifies and is current, but no leaf subjectAltName dNSName
                     // matches a reference identifier
  };

  Verdict verdict = Verdict::no_usable_records;
  Failure failure = Failure::none;
  // Presentation form (TlsaRecord::to_string()) of the record that authenticated the server.
  std::string matched_record;
  // Depth of the match as OpenSSL's SSL_get0_dane_tlsa() reports it, counted in the verified
  // chain from the leaf (0): 0 for DANE-EE(3); for DANE-TA(2) the trust anchor's depth, which for
  // a "2 0 0" certificate supplied only by DNS is one above the presented certificate it issued
  // and for a "2 1 0" bare key the depth of the certificate it signed. -1 unless verified.
  int matched_depth = -1;
  // DANE-TA(2) only: the leaf subjectAltName dNSName that matched a reference identifier.
  std::string matched_name;
  // One or two plain-English sentences: what authenticated the server, or the decisive reason
  // why nothing did.
  std::string detail;
  // Records ignored before matching, each as "<presentation form>: <why>".
  std::vector<std::string> unusable;
  // Usable records that were tried and did not authenticate the server, each as
  // "<presentation form>: <why>". Trying stops at the first record that authenticates.
  std::vector<std::string> rejected;
};

// "no-usable-records", "verified", "failed".
std::string_view dane_verdict_name(DaneOutcome::Verdict verdict);

// "none", "no-certificate", "no-match", "chain-untrusted", "expired", "name-mismatch".
std::string_view dane_failure_name(DaneOutcome::Failure failure);

// Authenticates the server certificate `chain` (as presented, leaf first; null entries are
// skipped, and an empty chain fails with `no_certificate`) against the TLSA `records` of the MX
// host, per RFC 7672 §3.
//
// Usable records (RFC 7672 §2.2, §3.1): certificate usage DANE-TA(2) or DANE-EE(3),
// selector Cert(0) or SPKI(1), matching type Full(0), SHA2-256(1) or SHA2-512(2), and association
// data that fits: a 32- or 64-octet digest, a complete DER certificate ("x 0 0") or
// SubjectPublicKeyInfo ("x 1 0"). Everything else is listed in `unusable` with the reason and
// otherwise ignored: PKIX-TA(0) and PKIX-EE(1) (RFC 7672 §3.1.3), unknown usages, selectors and
// matching types, and malformed data (not hexadecimal, empty, a digest of the wrong length, data
// that does not parse). Malformed records are unusable rather than failures, as OpenSSL's
// SSL_dane_tlsa_add() treats them: a record a client cannot use authenticates nothing. Digest
// algorithm agility (RFC 7671 §9): for each usage and selector, when a usable SHA2-512 record
// exists, the SHA2-256 records with the same usage and selector are ignored too (listed in
// `unusable`); Full(0) records are always used.
//
// No usable record -> `no_usable_records`. The connection then has no TLSA records to
// authenticate with (RFC 7672 §2.2); whether to require TLS regardless is the caller's decision.
// Otherwise DANE-EE(3) records are tried first, then DANE-TA(2) records, and the first that
// authenticates the server gives `verified`:
//
//   DANE-EE(3) (RFC 7672 §3.1.1): the selected part of the leaf (whole DER certificate, or its
//   DER SubjectPublicKeyInfo) matches the association data. Nothing else is checked: neither
//   names nor validity dates nor any issuer.
//
//   DANE-TA(2) (RFC 7672 §3.1.2, §3.2; RFC 7671 §5.2): a trust anchor is found as
//     - a presented certificate above the leaf (position >= 1) whose selected part matches. The
//       leaf itself is never a trust anchor, not even when self-issued: a DANE-TA(2) record names
//       an issuer, and a self-signed leaf is authenticated with DANE-EE(3). This is OpenSSL's DANE
//       behaviour (the implementation Postfix and Exim use);
//     - for a "2 0 0" record, the certificate in the record itself, when the server did not
//       present it and it is not the leaf (RFC 7671 §5.2.2: the one form a client must accept
//       from DNS alone);
//     - for a "2 1 0" record whose key matches no presented certificate above the leaf, that
//       bare key, when it verifies the signature of a presented certificate (RFC 7671 §5.2.3);
//       the leaf counts here, so a leaf signed directly by the key (a self-signed leaf whose own
//       key is published as "2 1 0", too) is authenticated, as with OpenSSL.
//   Then the chain from the leaf must verify to that anchor, the anchor being the only trusted
//   certificate and the other presented certificates untrusted intermediates (OpenSSL
//   X509_verify_cert with X509_V_FLAG_PARTIAL_CHAIN and the "ssl_server" purpose: signatures,
//   CA flags, path lengths, key usage and extended key usage of the issuers). Then every
//   certificate below the trust anchor must be within its validity period now; the trust
//   anchor's own dates are not checked, as RFC 5280 §6.1.1(d) defines a trust anchor by name and
//   key only and OpenSSL's DANE-TA(2) verification does not check them either (for a bare key,
//   the certificate it signed is checked). Then the leaf must carry a subjectAltName dNSName that
//   matches a reference identifier by core::match_certificate_identity (RFC 6125 DNS-ID,
//   single-label wildcard, SAN only). Checks run in this order and the first failure decides, as
//   for PKIX in net/tls.hpp (OpenSSL compares names before dates, so for an expired wrong-name
//   leaf it says "hostname mismatch" where this says `expired`).
//
// Reference identifiers for DANE-TA(2) (RFC 7672 §3.2.2): `tlsa_base_domain`, the name the TLSA
// RRset was found at (the MX host name, or its DNSSEC-validated CNAME expansion), and
// `mx_host`, the MX host name as listed in the MX RRset, when it is not empty. Callers pass an
// empty `mx_host` when the MX RRset was not DNSSEC-validated. The next-hop domain, which RFC 7672
// §3.2.2 also lets a client accept, is not a reference identifier here. The subject common name
// is never consulted (RFC 7672 §3.2.3 would allow it without DNS-ID SANs; mtasts keeps one name
// rule everywhere, so a CN-only leaf fails where a CN-accepting sender might not).
// Both names are A-labels, as core::normalize_host produces them.
DaneOutcome verify_dane(std::span<const TlsaRecord> records, std::span<X509* const> chain,
                        std::string_view mx_host, std::string_view tlsa_base_domain);

// The same for the peer of the completed client handshake `ssl` (not null): the chain as the
// server presented it (SSL_get_peer_cert_chain, led by the peer certificate). After session
// resumption the chain is the peer certificate alone, so a DANE-TA(2) record can then only
// authenticate through a "2 0 0" certificate or "2 1 0" key from DNS.
DaneOutcome verify_dane(std::span<const TlsaRecord> records, SSL* ssl, std::string_view mx_host,
                        std::string_view tlsa_base_domain);

// The RFC 8460 §4.3 result type a sending MTA reports for a DANE outcome when the TLSA lookup had
// DNSSEC status `tlsa_status`; none when there is nothing to report under DANE:
//   bogus                                   -> "dnssec-invalid" (§4.3.2), whatever the outcome
//   insecure                                -> "": insecure TLSA records are not used at all
//                                              (RFC 7672 §2.2); the sender falls back to
//                                              MTA-STS or opportunistic TLS
//   secure and
//     no_usable_records, RRset empty        -> "": no DANE policy ("dane-required" is a sender's
//                                              local policy, not derivable from the records)
//     no_usable_records, records present    -> "tlsa-invalid" (§4.3.2)
//     verified                              -> ""
//     failed / no_match                     -> "tlsa-invalid": §4.3.2 defines it as "none of the
//                                              records in the RRset were found to be valid",
//                                              which is the DANE-specific type for a chain no
//                                              record matches (validation-failure is only for
//                                              failures that fit no other category, §4.3.1)
//     failed / chain_untrusted              -> "certificate-not-trusted" (§4.3.1)
//     failed / expired                      -> "certificate-expired" (§4.3.1)
//     failed / name_mismatch                -> "certificate-host-mismatch" (§4.3.1: names that do
//                                              not adhere to "the MTA-STS or DANE policy")
//     failed / no_certificate               -> "validation-failure" (§4.3.1)
std::optional<core::ResultType> dane_result_type(const DaneOutcome& outcome,
                                                 DnssecStatus tlsa_status);

} // namespace mtasts::net
