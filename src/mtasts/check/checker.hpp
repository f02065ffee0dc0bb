// `mtasts check`: what an RFC 8461 sender would find at a domain right now, with the evidence.
// For one domain the checker, in order:
//   1. reads the TXT RRset at `_mta-sts.<domain>` (RFC 8461 §3.1; CNAMEs followed, DNSSEC status
//      recorded) and selects the record as a sender does (compatible profile); strict-only
//      findings are warnings;
//   2. resolves the policy host `mta-sts.<domain>` (A and AAAA) and fetches the policy from EVERY
//      address (§3.3), so one broken node behind a name is found; bodies must be identical;
//   3. parses the policy body with the compatible profile (validity) and the strict profile (lint);
//   4. compares the MX RRset (none: the implicit MX, RFC 5321 §5.1) with the policy's `mx`
//      patterns (§4.1);
//   5. unless disabled, probes every address of every MX with STARTTLS as a sender does (§4.2,
//      §5) and checks that each leaf certificate outlives the policy's max_age;
//   5b. with step 5, reads the TLSA RRset at `_25._tcp.<mx>` of every MX host (RFC 7672 §2.2).
//      When it is DNSSEC-validated, DANE alone decides for that MX at a DANE sender (RFC 8461 §2:
//      MTA-STS success must not override failing DANE): each probe verifies the presented chain
//      against it on the live session (net/dane) and the outcome is reported regardless of the
//      STS mode. The PKIX findings of step 5 are still reported, as STS-only senders check them.
//      The TLSA base domain is the MX host name as listed, also when it is a CNAME (its
//      DNSSEC-validated expansion, RFC 7672 §2.2.3, is not tried);
//   6. reads `_smtp._tls.<domain>` (RFC 8460 §3) and, for every `https:` URI of a valid record,
//      connects to every address of its host as a reporting sender would (A/AAAA, TCP to the
//      URI's port or CheckOptions::https_port, TLS >= 1.2 with SNI, PKIX chain and SAN DNS-ID
//      match with the policy fetch's rule; RFC 8460 §5.4). No report is POSTed. `mailto:` URIs
//      are not contacted.
// Independent steps run concurrently on the Checker's io_context (no threads): the lookups of
// steps 1, 2, 4 and 6 at once (the policy-host and MX answers go unused when step 1 finds no
// `v=STSv1` candidate); then the fetches from every policy-host address together with
// the address and TLSA lookups of every MX host and the `rua` connections; then the probes of
// every MX address at once. Problems are still listed in the step order above and, within a
// step, in address order, whatever finished first.
// Nothing here throws for DNS, HTTP, SMTP or TLS outcomes; each becomes a Problem.
//
// Problem codes (E error, W warning, I info; "E/W" = error under mode enforce, warning otherwise):
//   domain-invalid                  E  the argument is not a host name
//   dns-error                       E  a lookup failed (timeout, SERVFAIL, DNSSEC-bogus, ...), or
//                                      an MX host has no address; W for `_smtp._tls`; a bogus
//                                      TLSA lookup is dnssec-invalid instead
//   sts-record-missing              E  no `v=STSv1` record at `_mta-sts.<domain>`
//   multiple-sts-records            E  more than one candidate record (§3.1: no policy)
//   sts-record-invalid              E  the one candidate does not parse (parser code in evidence)
//   sts-record-lint                 W  a strict-profile finding a sender tolerates
//   sts-policy-fetch-error          E  no address for the policy host, or a fetch failed
//                                      (connect, timeout, TLS, redirect, status, size)
//   sts-webpki-invalid              E  the policy host's certificate is untrusted, expired or
//                                      does not name `mta-sts.<domain>`
//   sts-policy-invalid              E  not text/plain, or the body is invalid for a sender
//   policy-differs-between-addresses E the addresses of the policy host serve different bodies
//   policy-host-certificate-expires-soon W the certificate a policy-host address presented (on a
//                                      successful fetch) expires before now + 30 days: after
//                                      that date senders' refreshes fail with sts-webpki-invalid,
//                                      and a cached policy runs out max_age later (evidence:
//                                      the fetch, not_after, days_left)
//   policy-lint                     W  a strict-profile finding a sender tolerates (the parser's
//                                      code in evidence.parser_code)
//   max-age-short-for-enforce       W  mode enforce with max_age < 86400 (§3.2 advises weeks)
//   testing-mode                    I  mode testing: failures are reported, not enforced
//   none-mode                       I  mode none: senders drop the policy
//   mx-not-covered                  E/W an MX host matches no `mx` pattern (§4.1); senders
//                                      report evidence.result_type "validation-failure"
//   mx-pattern-unused               W  an `mx` pattern matches no MX host
//   <RFC 8460 result type>          E/W an MX address fails the sender's TLS checks:
//                                      starttls-not-supported, certificate-host-mismatch,
//                                      certificate-expired, certificate-not-trusted,
//                                      validation-failure (SmtpProbe::result_type())
//   mx-unreachable                  W  no SMTP dialogue with an MX address (connect, timeout,
//                                      greeting, EHLO): senders retry, RFC 8460 §4.3.4
//   certificate-expires-before-max-age W an MX leaf certificate expires before now + max_age
//   dnssec-invalid                  E  the TLSA lookup of an MX is DNSSEC-bogus: DANE senders
//                                      defer (RFC 8460 §4.3.2)
//   tlsa-invalid, certificate-host-mismatch, certificate-expired, certificate-not-trusted,
//   validation-failure              E  an MX address fails DANE with its DNSSEC-validated TLSA
//                                      records (net::dane_result_type(); tlsa-invalid also when
//                                      no record is usable or decodes), whatever the STS mode
//   dane-verified                   I  an MX address is authenticated by DANE (evidence.dane)
//   tlsa-not-dnssec                 I  an MX has TLSA records that are not DNSSEC-validated:
//                                      senders ignore them (RFC 7672 §2.2)
//   dane-mx-not-in-sts-policy       W  a DANE-authenticated MX matches no `mx` pattern: STS-only
//                                      senders refuse it (spec §7)
//   tlsrpt-record-missing           W  MTA-STS is published but `_smtp._tls.<domain>` is not
//   tlsrpt-record-invalid           E  `_smtp._tls.<domain>` exists but is not valid
//   tlsrpt-record-lint              W  a strict-profile finding in the TLSRPT record
//   tlsrpt-record-valid             I  reports go to evidence.rua
//   tlsrpt-https-unreachable        W  an `https:` rua endpoint cannot take reports: its host has
//                                      no address (or is not a host name), or the TCP connect or
//                                      TLS handshake with an address failed or timed out
//                                      (evidence: uri, host, port, address, failure, detail)
//   tlsrpt-https-certificate-invalid W an `https:` rua endpoint's certificate is untrusted,
//                                      expired or does not name the URI's host: senders that
//                                      validate it drop the report (evidence.result_type as
//                                      net::result_type_for(), evidence.tls.certificate with
//                                      subject, SANs and dates)
//   tlsrpt-https-reachable          I  an address of an `https:` rua endpoint completed a TLS
//                                      handshake with a valid certificate (nothing was POSTed)
#pragma once

#include <mtasts/check/problem.hpp>
#include <mtasts/core/policy.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/util/expected.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mtasts::check {

struct DomainResult;

struct CheckOptions
{
  net::DnsOptions dns;
  std::string ca_file; // PEM trust anchors for HTTPS and SMTP; empty = the system store
  // Deadline of each network step: a TCP connect, one HTTPS exchange, one SMTP reply, one probe.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  bool smtp = true;             // step 5
  std::size_t concurrency = 16; // domains checked at the same time (at least 1)
  std::uint16_t smtp_port = 25;
  std::uint16_t https_port = 443; // policy hosts, and `rua` https: URIs without a port
  std::chrono::sys_seconds now{}; // the clock for certificate lifetimes; read by the caller
  // When set, called once per domain as soon as its check is complete (completion order, not
  // input order) with its index in the input and its result, on the io_context's thread, before
  // check_domains() returns. Must not throw.
  std::function<void(std::size_t index, const DomainResult& result)> on_result;
};

struct DomainResult
{
  std::string domain;                   // as given
  std::optional<core::PolicyMode> mode; // of the policy obtained, if any
  Problems problems;                    // in the order the steps found them

  bool ok() const; // no error-severity problem
};

// {"domain", "mode" (string or null), "ok", "problems": [...]}
boost::json::object domain_result_to_json(const DomainResult& result);

// The shared state of a run: one resolver and one TLS context on the caller's io_context.
class Checker
{
public:
  // Errors: an unusable DNS server address or trust anchor file, an unreadable CA file.
  static util::Expected<std::unique_ptr<Checker>, std::string> create(net::asio::io_context& io,
                                                                      CheckOptions options);

  net::DnsResolver& dns() { return *m_dns; }
  boost::asio::ssl::context& tls() { return m_tls; }
  const CheckOptions& options() const { return m_options; }

private:
  Checker(CheckOptions options, std::unique_ptr<net::DnsResolver> dns, SSL_CTX* tls);
  CheckOptions m_options;
  std::unique_ptr<net::DnsResolver> m_dns;
  boost::asio::ssl::context m_tls;
};

// Checks one domain (steps 1-6 and 5b above). Must be awaited on the Checker's io_context.
net::Awaitable<DomainResult> check_domain(Checker& checker, std::string domain);

// Checks every domain, at most options().concurrency at a time on this one io_context (no
// threads), calls options().on_result for each as it completes, and returns the results in the
// order of `domains`.
net::Awaitable<std::vector<DomainResult>> check_domains(Checker& checker,
                                                        std::vector<std::string> domains);

// Runs check_domains() on a private io_context until done. Errors as Checker::create().
util::Expected<std::vector<DomainResult>, std::string> run_checks(const CheckOptions& options,
                                                                  std::vector<std::string> domains);

} // namespace mtasts::check
