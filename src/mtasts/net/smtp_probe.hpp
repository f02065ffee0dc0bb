// Probing one MX address exactly as an RFC 8461 sender does before it delivers (§4.2, §5): TCP
// connect, the 220 greeting, EHLO, STARTTLS advertised and accepted (RFC 3207), the TLS handshake
// with SNI = the MX host name (§7.1), TLS >= 1.2 (§7.2), PKIX chain + SAN-only DNS-ID match
// (net/tls, core/cert_identity), then QUIT. No mail is sent. Every reply is read with a bounded
// line reader under a per-reply deadline and an overall deadline, so a hostile or broken peer
// (endless greeting, a byte per second, lines without CRLF, a huge certificate chain) is cut off
// with a stated reason. When the caller passes the MX host's TLSA records, the live session is
// also authenticated with DANE (RFC 7672 §3, net/dane) before QUIT. The result is evidence; the
// caller decides the verdict.
#pragma once

#include <mtasts/net/asio.hpp>
#include <mtasts/net/dane.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/tls.hpp>

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::net {

struct SmtpProbeOptions
{
  std::uint16_t port = 25;
  std::string helo_name = "mtasts.invalid"; // the EHLO argument (RFC 5321 §4.1.1.1)
  // Deadline of the TCP connect.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // Deadline of each complete reply (all of its lines), measured from the moment the command
  // is sent (or the connection is established, for the greeting); also bounds the TLS
  // handshake. RFC 5321 §4.5.3.2 suggests minutes; a probe wants an answer sooner.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // Deadline of the whole probe, from the start of the connect to the end of the handshake
  // evidence. The closing QUIT is not counted beyond it (it gets at most 1 s more).
  std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};
  // Longest reply line accepted, without its CRLF. RFC 5321 §4.5.3.1.5 sets 512 octets for a
  // reply line; real servers exceed it, so the default is tolerant but bounded.
  std::size_t max_line = 4096;
  // Most lines accepted in one multi-line reply (RFC 5321 §4.2.1 "ddd-" continuations).
  std::size_t max_reply_lines = 100;
  // The DNSSEC-validated TLSA RRset of the MX host (RFC 7672 §2.2; obtaining it securely is the
  // caller's part). When not empty, the chain the server presents is verified against it with
  // verify_dane(tlsa, ssl, mx_host, tlsa_base_domain) right after the handshake, on the live
  // session, and the outcome is SmtpProbe::dane. Empty = no DANE verification.
  std::vector<TlsaRecord> tlsa;
  // The name the TLSA RRset was found at (without the "_25._tcp." prefix): the MX host name or
  // its DNSSEC-validated CNAME expansion (RFC 7672 §2.2.3), a DANE-TA(2) reference identifier.
  std::string tlsa_base_domain;
};

// Why a probe did not end with a usable, verified TLS session. See SmtpProbe::result_type() for
// the RFC 8460 mapping.
enum class SmtpFailure : std::uint8_t {
  none,
  connect,              // no TCP connection (not an IP address, refused, unreachable), or the
                        // server closed or reset it in the middle of the dialogue
  timeout,              // a deadline passed: connect, a reply, the handshake, or the whole probe
  banner,               // the greeting is not 220 (RFC 5321 §3.1, §4.3.1: 554 = no service)
  protocol,             // a malformed reply (RFC 5321 §4.2), a line over max_line, a reply over
                        // max_reply_lines lines, a reply sent before its command, or plaintext
                        // after the 220 to STARTTLS (RFC 3207 §4.2: nothing from before TLS
                        // may be used after it)
  ehlo_rejected,        // EHLO not answered with 250 (RFC 5321 §4.1.1.1)
  starttls_not_offered, // the EHLO reply does not list the STARTTLS keyword (RFC 3207 §4)
  starttls_rejected,    // STARTTLS answered with other than 220 (e.g. 454, RFC 3207 §4)
  tls_handshake,        // TLS negotiation failed (incl. no TLS >= 1.2 in common, RFC 8461 §7.2,
                        // and a certificate chain over the context's max_cert_list, which is
                        // OpenSSL's 100 KiB by default)
  certificate,          // chain untrusted/expired or no SAN matches the MX host (RFC 8461 §4.2)
};

// "none", "connect", "timeout", "banner", "protocol", "ehlo-rejected", "starttls-not-offered",
// "starttls-rejected", "tls-handshake", "certificate".
std::string_view smtp_failure_name(SmtpFailure failure);

struct SmtpProbe
{
  std::string mx_host; // the MX host name: SNI and the certificate's reference identity
  std::string address; // the IP address connected to
  // The greeting as received: each line with its reply code, lines joined by "\n", no CRLF
  // (e.g. "220 mx1.example.com ESMTP"). Set when a complete greeting was read.
  std::string banner;
  // The EHLO keyword lines (every line of the 250 reply after the first), text after the code,
  // as sent: "PIPELINING", "SIZE 10240000", "STARTTLS", ...
  std::vector<std::string> ehlo_capabilities;
  bool starttls_offered = false;
  std::optional<TlsEvidence> tls; // set when the TLS handshake completed
  // The DANE verification of the session (RFC 7672 §3): set when options.tlsa was not empty and
  // the TLS handshake completed, whatever the PKIX verdict in `tls` (DANE ignores the trust
  // store, RFC 7672 §3.1) and whatever `failure` says afterwards. DANE outcomes never change
  // `failure` or result_type(); dane_result_type() maps them.
  std::optional<DaneOutcome> dane;
  std::chrono::milliseconds elapsed{0}; // the whole probe, the closing QUIT included
  SmtpFailure failure = SmtpFailure::none;
  std::string detail; // plain-English explanation of the failure, quoting the peer's reply

  bool ok() const { return failure == SmtpFailure::none; }

  // The RFC 8460 §4.3 result type a sending MTA would report for this MX, or none when there
  // is nothing to report:
  //   none                                     -> none
  //   starttls_not_offered, starttls_rejected  -> "starttls-not-supported" (§4.3.1)
  //   certificate                              -> result_type_for(*tls): "certificate-host-
  //                                               mismatch", "certificate-expired",
  //                                               "certificate-not-trusted" or
  //                                               "validation-failure"
  //   tls_handshake                            -> "validation-failure" (§4.3.3, general failure)
  //   connect, timeout, banner, protocol,      -> "": no TLS negotiation took place. These are
  //   ehlo_rejected                               transient failures, which RFC 8460 §4.3.4
  //                                               does not require senders to report; a sender
  //                                               retries later or tries the next MX. `detail`
  //                                               still explains them.
  std::optional<core::ResultType> result_type() const;
};

// Probes `address` (an IPv4 or IPv6 literal) of the MX `mx_host` (an A-label host name without
// trailing dot, from core::normalize_host). `context` must come from make_client_context() (it
// decides the trust store and the TLS 1.2 floor); its certificate verification never aborts the
// handshake, so the evidence describes bad certificates too. After a completed handshake, or an
// SMTP-level refusal, QUIT is sent best effort (1 s at most) and the connection is closed.
// Never throws for network outcomes.
Awaitable<SmtpProbe> probe_smtp(boost::asio::ssl::context& context, std::string mx_host,
                                std::string address, SmtpProbeOptions options = {});

} // namespace mtasts::net
