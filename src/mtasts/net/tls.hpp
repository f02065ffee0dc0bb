// TLS client contexts and TLS evidence for every mtasts connection that must satisfy RFC 8461: the
// HTTPS policy fetch (§3.3) and the SMTP STARTTLS probe of an MX host (§4.2). A handshake is
// always allowed to complete, whatever the peer's certificate, so the caller can report what was
// presented; the verdict is then computed from the collected evidence, with the one shared
// identity rule of core/cert_identity.hpp, and expressed as an RFC 8460 §4.3 result type.
#pragma once

#include <mtasts/core/result_type.hpp>
#include <mtasts/net/openssl_handles.hpp>
#include <mtasts/util/expected.hpp>

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::net {

// --- Certificates ---

// What one certificate says, for evidence output and for DANE/TLSA comparison.
struct CertificateSummary
{
  std::string subject; // distinguished name in RFC 4514 string form, e.g. "CN=mx1.example.com,O=X"
  std::string issuer;  // likewise
  std::vector<std::string> san_dns_names;    // subjectAltName dNSName entries, in certificate
                                             // order, as raw bytes (not validated or normalised)
  std::vector<std::string> san_ip_addresses; // subjectAltName iPAddress entries in text form
                                             // ("192.0.2.1", "2001:db8::1")
  std::int64_t not_before = 0;               // validity start, seconds since the Unix epoch (UTC)
  std::int64_t not_after = 0;                // validity end, seconds since the Unix epoch (UTC)
  std::string sha256_fingerprint; // SHA-256 of the DER certificate, lowercase hex, no separators
  std::string spki_sha256;        // SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex: the
                                  // association data of a TLSA "3 1 1" record (RFC 7671 §5.1)
};

// Summarises `certificate` (not null). A field OpenSSL cannot decode is left empty (or 0 for a
// date); no error is raised, because evidence is collected for broken certificates too.
CertificateSummary summarize_certificate(X509* certificate);

// --- Chain verification outcome ---

enum class ChainVerdict : std::uint8_t {
  trusted,       // the chain verified: trusted anchor, valid signatures, every certificate current
  expired,       // a certificate of the chain is past its notAfter
  not_yet_valid, // a certificate of the chain is before its notBefore
  untrusted, // unknown CA, self-signed, broken or incomplete chain, bad signature, non-CA issuer
  other,     // any other verification failure (revoked, wrong purpose, weak key, ...)
};

// "trusted", "expired", "not-yet-valid", "untrusted", "other".
std::string_view chain_verdict_name(ChainVerdict verdict);

// Classifies an OpenSSL X509_V_* verification result (SSL_get_verify_result(),
// X509_STORE_CTX_get_error()). X509_V_OK is `trusted`; unknown codes are `other`.
// X509_V_ERR_HOSTNAME_MISMATCH is `other`: names are never checked by OpenSSL in mtasts, see
// collect_tls_evidence().
ChainVerdict classify_verify_result(long x509_verify_result);

// --- Handshake evidence ---

struct TlsEvidence
{
  std::string protocol;     // negotiated version as OpenSSL names it: "TLSv1.3", "TLSv1.2", ...
  std::string cipher;       // negotiated cipher suite, OpenSSL name
  long verify_result = 0;   // OpenSSL X509_V_* code: the first problem chain verification found
  std::string verify_error; // its text (X509_verify_cert_error_string), or why there is no chain
  ChainVerdict chain = ChainVerdict::other;
  std::vector<CertificateSummary> chain_summary; // as presented by the peer, leaf first
  bool identity_matched = false; // a leaf SAN matched the reference host (RFC 8461, RFC 6125)
  std::string matched_name;      // that SAN; empty when none matched
};

// Collects the evidence of the completed handshake on the client connection `ssl` (not null):
// protocol, cipher, the peer's certificate chain, OpenSSL's chain verification result, and the
// identity check of the leaf against `reference_host` (the policy host for RFC 8461 §3.3, the MX
// host name for §4.2; in A-label form from core::normalize_host). The identity check is
// core::match_certificate_identity on the leaf's subjectAltName dNSName entries (RFC 6125 DNS-ID,
// never the subject CN), not OpenSSL's hostname check, so the rule is identical everywhere; an
// IP-literal reference (an https: rua with an address as host) is matched against the
// iPAddress entries by core::match_ip_identity.
// When the peer presented no certificate, `chain` is `other`, `chain_summary` is empty and
// `verify_error` says so.
TlsEvidence collect_tls_evidence(SSL* ssl, std::string_view reference_host);

// The RFC 8460 §4.3 result type a sending MTA would report for this handshake, or none when it
// satisfies RFC 8461 (trusted chain, matching identity, TLS 1.2 or later).
//
// One handshake yields one result type, chosen in this order:
//   1. a protocol older than TLS 1.2 (RFC 8461 §7.2)      -> "validation-failure"
//   2. chain `untrusted`                                    -> "certificate-not-trusted"
//   3. chain `expired` or `not_yet_valid`                   -> "certificate-expired"
//   4. chain `other`                                        -> "validation-failure"
//   5. no SAN dNSName matches the reference host            -> "certificate-host-mismatch"
// Decision: chain problems take precedence over a name mismatch. A name only identifies the
// server if the chain vouching for it is valid, and senders that verify the chain before matching
// names (Postfix matches names only on trusted chains; OpenSSL stops at the first chain-building
// error) report the chain problem. OpenSSL with a hostname configured checks the name before the
// validity dates, so such a sender may report "certificate-host-mismatch" for an expired
// wrong-name certificate; both need a new certificate, and the expiry is the more certain finding.
// A TLS 1.0/1.1 handshake comes first because a sender enforcing TLS 1.2 never gets as far as the
// certificate.
std::optional<core::ResultType> result_type_for(const TlsEvidence& evidence);

// --- Client contexts ---

struct TlsClientOptions
{
  std::string ca_file;       // PEM trust anchors; empty = the system trust store
  bool require_tls12 = true; // refuse TLS 1.0/1.1 (RFC 8461 §7.2)
};

// A client SSL_CTX for RFC 8461 connections: trust anchors from `ca_file` or the system default
// paths; minimum protocol TLS 1.2 when `require_tls12`. Peer verification runs on every
// handshake and its result is recorded (SSL_get_verify_result) but never aborts the handshake
// (verify mode SSL_VERIFY_NONE: verification stops at, and records, the first problem), so
// collect_tls_evidence() can describe bad certificates; callers must decide from
// result_type_for() whether to use the connection before sending anything over it. OpenSSL's own
// hostname check is not enabled. Callers set SNI per connection with set_server_name() (RFC 8461
// §7.1 requires it). Errors (context creation, unreadable or empty CA file, unusable system store)
// carry OpenSSL's error text.
util::Expected<SslCtxPtr, std::string> make_client_context(const TlsClientOptions& options);

// Sets the TLS server_name extension (RFC 6066 §3) of client connection `ssl` to `host_name` (an
// A-label host name, no trailing dot). False when OpenSSL refuses the name (empty, over 255
// octets).
bool set_server_name(SSL* ssl, const std::string& host_name);

} // namespace mtasts::net
