// The sender engine: what an RFC 8461 sender does with a domain, as pure decisions over what the
// network answered. `mtasts check` feeds it the evidence it gathered (with more evidence of its
// own around it), `mtasts resolver` feeds it continuously and keeps its state (core/sts_cache),
// the reporter counts its outcomes. One set of rules:
//
//   discover_sts()      the `_mta-sts` TXT answer -> Discovery (RFC 8461 §3.1)
//   fetch_outcome()     the fetches of the policy host's addresses, in the order a sender makes
//                       them, -> the outcome the sender gets (§3.3: the next address only when no
//                       server answered)
//   mx_targets()        the MX RRset -> the hosts a sender tries (RFC 5321 §5.1, RFC 7505)
//   dane_applies(),     whether DANE governs delivery to an MX host / the domain (RFC 7672 §2.2,
//   dane_coverage()     and RFC 8461 §2: MTA-STS must not override DANE)
//   SenderResolution    one resolution of a domain: discover, fetch when needed, look at DANE
//                       when a policy would apply, then the Postfix answer (core/sts_cache)
//
// Pure: no I/O, time is a parameter. Inputs are the values net/ reads off the wire (decoded
// records, DNSSEC status, failures), never sockets.
#pragma once

#include <mtasts/core/result_type.hpp>
#include <mtasts/core/sts_cache.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

// --- DNS answers as the engine sees them

// The DNSSEC status of an answer (RFC 4035 §4.3). Bogus data is never used as data.
enum class DnssecStatus : std::uint8_t { insecure, secure, bogus };
// "insecure", "secure", "bogus".
std::string_view dnssec_status_name(DnssecStatus status);

// The TXT RRset at `_mta-sts.<domain>` (CNAMEs followed), each RR's strings joined.
struct TxtAnswer
{
  std::string name;    // the question, for messages
  std::string failure; // "" = answered (NXDOMAIN and NODATA are answers); bogus is a failure
  bool nxdomain = false;
  DnssecStatus dnssec = DnssecStatus::insecure;
  std::uint32_t ttl = 0;
  std::vector<std::string> records;
};

// RFC 8461 §3.1: the record a sender selects (compatible profile), or why there is none. A
// DNSSEC-bogus answer is a dns_failure with result type dnssec-invalid (RFC 8460 §4.3.2.1); any
// other failed lookup is sts-policy-fetch-error.
Discovery discover_sts(const TxtAnswer& answer);

// --- Policy fetch, RFC 8461 §3.3

// Why a fetch from one address produced no policy body.
enum class FetchFailure : std::uint8_t {
  none,
  connect,       // TCP connect failed or was refused
  timeout,       // a deadline passed (connect, handshake, or the whole exchange)
  tls_handshake, // TLS negotiation failed (incl. no TLS >= 1.2 in common)
  certificate,   // chain untrusted/expired or no SAN matches the policy host
  http_protocol, // not a valid HTTP/1.1 response, or headers too large
  redirect,      // a 3xx: never followed
  http_status,   // any status other than 200
  content_type,  // missing or other than text/plain
  too_large,     // body over the limit
};

// "none", "connect", "timeout", "tls-handshake", "certificate", "http-protocol", "redirect",
// "http-status", "content-type", "too-large".
std::string_view fetch_failure_name(FetchFailure failure);

// The RFC 8460 result type a sender reports for `failure`: certificate -> sts-webpki-invalid,
// content_type -> sts-policy-invalid, every other failure -> sts-policy-fetch-error; none for
// `none`.
std::optional<ResultType> fetch_result_type(FetchFailure failure);

// True when no server answered (connect, timeout): a sender tries the policy host's next
// address. Any answer from a server (a TLS alert, a status, a body) is final.
bool fetch_moves_on(FetchFailure failure);

// One fetch from one address of the policy host.
struct FetchAttempt
{
  std::string url;
  std::string address;
  FetchFailure failure = FetchFailure::none;
  std::string detail; // why, when failed
  std::string body;   // the policy text when failure == none
};

// The attempt whose result a sender acts on, among attempts in the order the sender makes them
// (A records, then AAAA): the first one that does not move on, else the last. nullopt when there
// are none.
std::optional<std::size_t> deciding_attempt(std::span<const FetchAttempt> attempts);

// The outcome of a sender's fetch from the deciding attempt: the policy parsed with the compatible
// profile (a body that does not parse is sts-policy-invalid), or the failure with its result
// type and detail. No attempts (the policy host has no address): sts-policy-fetch-error with
// `no_address_detail`.
FetchOutcome fetch_outcome(std::span<const FetchAttempt> attempts,
                           std::string_view no_address_detail);

// --- MX hosts, RFC 5321 §5.1, RFC 7505

// One record of the MX RRset as received: the exchange is "" (or ".") for a null MX.
struct MxExchange
{
  std::uint16_t preference = 0;
  std::string exchange;
};

// The hosts a sender tries for `domain`: no record at all = the implicit MX (the domain itself);
// only null MX records = none (RFC 7505 §3: the domain accepts no mail); otherwise the exchanges
// in preference order (stable), normalised with normalize_host(), with names that do not
// normalise and repeats left out, at most `limit` (the rest are counted in `omitted`).
struct MxTargets
{
  std::vector<std::string> hosts;
  bool implicit = false;
  bool null_mx = false;
  std::size_t omitted = 0;
};
MxTargets mx_targets(std::string_view domain, std::span<const MxExchange> records,
                     std::size_t limit = SIZE_MAX);

// --- DANE, RFC 7672 §2.2 and RFC 8461 §2

// The MX RRset of the domain.
struct MxAnswer
{
  std::string failure; // "" = answered (NODATA: implicit MX)
  DnssecStatus dnssec = DnssecStatus::insecure;
  std::vector<MxExchange> records;
};

// The TLSA RRset at `_25._tcp.<mx host>`.
struct TlsaAnswer
{
  std::string failure; // "" = answered; bogus is a failure
  DnssecStatus dnssec = DnssecStatus::insecure;
  std::size_t records = 0; // RRs in the answer, usable or not
};

// DANE governs delivery to one MX host (RFC 7672 §2.2): the MX RRset (or the secure denial that
// makes the domain its implicit MX) is DNSSEC-secure and the host's TLSA RRset is secure and not
// empty. Failed lookups never make DANE apply.
bool dane_applies(DnssecStatus mx_rrset, const TlsaAnswer& tlsa);

// The domain's coverage from its MX answer and the TLSA answer of each of
// mx_targets(domain, mx.records) (`tlsa[i]` for host i): `unknown` when the MX lookup or any
// TLSA lookup failed (the caller keeps what it knew), `none` for an insecure MX RRset, a null MX
// or no covered host, `all` when every host is covered, else `partial`.
DaneCoverage dane_coverage(const MxAnswer& mx, std::span<const TlsaAnswer> tlsa);

// --- One resolution of a domain (spec §9)

enum class SenderStep : std::uint8_t {
  discover, // look up the `_mta-sts` TXT and call discovered()
  fetch,    // fetch the policy (under fetch_id()) and call fetched()
  dane,     // look at the MX and TLSA RRsets and call dane_known()
  done,     // answer()
};

// Runs on a copy of the domain's state: the caller writes state() back when it is done (and
// still wants it), so a resolution that is abandoned midway changes nothing. Steps:
//   discover -> after_discovery(): use the cached policy, fetch, or no policy
//   fetch    -> after_fetch()
//   dane     -> only when a valid policy other than mode none applies and `dane_lookups`;
//               a failed look keeps the coverage already known (DANE is never turned into STS
//               by an outage); a domain never looked at successfully counts as `none`
//   done     -> decide_answer()
class SenderResolution
{
public:
  SenderResolution(DomainState state, const EngineSettings& settings, bool force_fetch,
                   bool dane_lookups);

  SenderStep step() const { return m_step; }
  void discovered(const Discovery& discovery, TimePoint now);
  const std::string& fetch_id() const { return m_discovery.id; }
  void fetched(const FetchOutcome& outcome, TimePoint now);
  void dane_known(DaneCoverage coverage);

  const DomainState& state() const { return m_state; }
  const Discovery& discovery() const { return m_discovery; }
  // The fetch made by this resolution, if any.
  const std::optional<FetchOutcome>& fetch() const { return m_fetch; }
  // A policy that the fetch returned but that is not cached (max_age 0): it answers this once.
  const std::optional<CachedPolicy>& applied_once() const { return m_applied_once; }
  // The policy that applies after the fetch (new, or the cached one that still applies).
  const std::optional<CachedPolicy>& applied() const { return m_applied; }
  bool had_policy() const { return m_had_policy; }
  bool policy_changed() const { return m_policy_changed; } // a fetched policy replaced the cache
  DaneCoverage dane_before() const { return m_dane_before; }

  // The socketmap answer once step() is done.
  Answer answer(std::string_view domain, TimePoint now, const AnswerSettings& settings) const;

private:
  void after_policy(TimePoint now);

  DomainState m_state;
  EngineSettings m_settings;
  bool m_force_fetch;
  bool m_dane_lookups;
  SenderStep m_step = SenderStep::discover;
  Discovery m_discovery;
  std::optional<FetchOutcome> m_fetch;
  std::optional<CachedPolicy> m_applied_once;
  std::optional<CachedPolicy> m_applied;
  bool m_had_policy = false;
  bool m_policy_changed = false;
  DaneCoverage m_dane_before = DaneCoverage::unknown;
};

// What a DANE coverage look means for a domain's state: a known coverage replaces the old one; a
// failed look (`unknown`) keeps a known coverage and makes a never-known one `none` (MTA-STS
// alone decides until DANE is seen).
void after_dane_look(DomainState& state, DaneCoverage looked_up);

} // namespace mtasts::core
