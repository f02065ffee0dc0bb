// `mtasts check`: what an RFC 8461 sender would find at a domain right now, with the evidence.
// For one domain the checker, in order:
//   1. reads the TXT RRset at `_mta-sts.<domain>` (RFC 8461 §3.1; CNAMEs followed, DNSSEC status
//      recorded) and selects the record as a sender does (compatible profile); strict-only
//      findings are warnings; a DNSSEC-bogus answer is dnssec-invalid;
//   2. resolves the policy host `mta-sts.<domain>` (A and AAAA) and fetches the policy from EVERY
//      address (§3.3), so one broken node behind a name is found; bodies must be identical;
//   3. parses the policy body with the compatible profile (validity), the strict profile (lint)
//      and as widely deployed senders do (core/sender_compat: a rejection is an error);
//   4. compares the hosts a sender tries (core::mx_targets: implicit MX, null MX, repeats) with
//      the policy's `mx` patterns (§4.1);
//   5. unless disabled, probes every address of every MX host with STARTTLS as a sender does
//      (§4.2, §5) and checks that each leaf certificate outlives the policy's max_age;
//   5b. with step 5, reads the TLSA RRset at `_25._tcp.<mx>` of every MX host (RFC 7672 §2.2).
//      When DANE applies to the host (core::dane_applies: the MX RRset and the TLSA RRset are
//      DNSSEC-validated, as the resolver requires too), DANE alone decides for that MX at a DANE
//      sender (RFC 8461 §2): each probe verifies the presented chain against it on the live
//      session (net/dane) and the outcome is reported regardless of the STS mode. The PKIX
//      findings of step 5 are still reported, as STS-only senders check them;
//   6. reads `_smtp._tls.<domain>` (RFC 8460 §3) and, for every `https:` URI of a valid record,
//      completes a TLS handshake with every address of its host as a reporting sender would
//      (net/https_probe; RFC 8460 §5.4). No report is POSTed. `mailto:` URIs are not contacted;
//   and computes what a sender does with all of it (check/sender_view: the socketmap answer
//   `mtasts resolver` gives).
// The network part is check/gather.cpp (independent lookups, fetches and probes run at the same
// time on the Checker's io_context, no threads); the verdicts are pure functions of the evidence
// (check/findings.hpp). Problems are listed in the step order above and, within a step, in
// address order, whatever finished first. Codes and severities: core/codes.hpp (docs/CODES.md).
// Nothing here throws for DNS, HTTP, SMTP or TLS outcomes; each becomes a Problem.
#pragma once

#include <mtasts/check/problem.hpp>
#include <mtasts/check/sender_view.hpp>
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
  std::optional<SenderView> sender;     // absent when the argument is not a domain name

  bool ok() const; // no error-severity problem
};

// {"domain", "mode" (string or null), "ok", "problems": [...], "sender": {...} | null}
boost::json::object domain_result_to_json(const DomainResult& result);

// Whether the run's DNS answers are DNSSEC-validated, and why not.
struct DnssecState
{
  bool validated = false;
  std::string detail; // the trust anchor in use, or why there is none
};

// The shared state of a run: one resolver and one TLS context on the caller's io_context.
class Checker
{
public:
  // Errors: an unusable DNS server address or trust anchor file, an unreadable CA file.
  static util::Expected<std::unique_ptr<Checker>, std::string> create(net::asio::io_context& io,
                                                                      CheckOptions options);

  // Before the first check: makes sure the trust anchor can be primed through the DNS servers
  // (a private authoritative server, for one, cannot answer for the root); when it cannot, the
  // run goes on without DNSSEC validation and dnssec() says so.
  net::Awaitable<void> prepare_dnssec();

  net::DnsResolver& dns() { return *m_dns; }
  boost::asio::ssl::context& tls() { return m_tls; }
  const CheckOptions& options() const { return m_options; }
  const DnssecState& dnssec() const { return m_dnssec; }

private:
  Checker(net::asio::io_context& io, CheckOptions options, std::unique_ptr<net::DnsResolver> dns,
          SSL_CTX* tls);
  net::asio::io_context& m_io;
  CheckOptions m_options;
  std::unique_ptr<net::DnsResolver> m_dns;
  boost::asio::ssl::context m_tls;
  DnssecState m_dnssec;
};

// Checks one domain (steps 1-6 and 5b above). Must be awaited on the Checker's io_context.
net::Awaitable<DomainResult> check_domain(Checker& checker, std::string domain);

// Checks every domain, at most options().concurrency at a time on this one io_context (no
// threads), calls options().on_result for each as it completes, and returns the results in the
// order of `domains`. Calls prepare_dnssec() first.
net::Awaitable<std::vector<DomainResult>> check_domains(Checker& checker,
                                                        std::vector<std::string> domains);

struct CheckRun
{
  std::vector<DomainResult> results;
  DnssecState dnssec;
};

// Runs check_domains() on a private io_context until done. Errors as Checker::create().
util::Expected<CheckRun, std::string> run_checks(const CheckOptions& options,
                                                 std::vector<std::string> domains);

} // namespace mtasts::check
