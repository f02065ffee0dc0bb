// The sender engine's memory: what an RFC 8461 sender knows about one policy domain and how each
// new observation changes it (spec §9, RFC 8461 §3.3, §5.1, §8.1, §10.2). Pure: time is a
// parameter, nothing here does I/O. The resolver keeps one DomainState per domain and runs
//
//   plan_request()  -> answer now, answer now + refresh in the background, or resolve first
//   after_discovery() with the `_mta-sts` TXT outcome -> use the cached policy, fetch, or no policy
//   after_fetch() with the HTTPS outcome (only when after_discovery() said fetch)
//   decide_answer() -> the socketmap reply
//
// Invariants (tested with a virtual clock in tests/unit/core_sts_cache_test.cpp):
//   - a cached policy is valid while now < expires_at (C13: expired at exactly fetched_at +
//     max_age) and is applied whatever DNS or HTTPS say now (C04, C05);
//   - expires_at moves only after a successful fetch (§9.5), never on "TXT id unchanged";
//   - an HTTPS fetch happens only when the TXT id differs from the cached one, no valid policy is
//     cached, or a proactive refresh asks for it (C02, C03, §9.6) — and never for an
//     (domain, id) in fetch-failure backoff (F18);
//   - a failed fetch never evicts or weakens a valid cached policy (C04, C10);
//   - "no TXT record" evicts only an expired policy (C05, C07);
//   - max_age 0 is applied once and never cached (P17).
#pragma once

#include <mtasts/core/policy.hpp>
#include <mtasts/core/postfix_answer.hpp>
#include <mtasts/core/result_type.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mtasts::core {

using Seconds = std::chrono::seconds;
using TimePoint = std::chrono::sys_seconds;

struct CachedPolicy
{
  std::string id;          // the TXT id the body was fetched under
  Policy policy;           // parsed with the compatible profile
  std::string policy_text; // the body as served
  TimePoint fetched_at{};
  TimePoint expires_at{}; // fetched_at + max_age

  bool valid_at(TimePoint now) const { return now < expires_at; }
};

// DNSSEC-validated TLSA coverage of the domain's MX hosts (RFC 7672 §2.2): when every MX has
// usable TLSA records, DANE decides and MTA-STS must not override it (RFC 8461 §2).
enum class DaneCoverage : std::uint8_t {
  unknown, // not looked at since start (or the lookups failed)
  none,    // MX RRset unsigned, or no MX with DNSSEC-validated TLSA records
  partial, // some MX hosts have them, some do not
  all,     // every MX host has them
};

// "unknown", "none", "partial", "all" (the store keeps these strings).
std::string_view dane_coverage_name(DaneCoverage coverage);
// The coverage named `name`; unknown for any other text.
DaneCoverage parse_dane_coverage(std::string_view name);

struct DomainState
{
  std::optional<CachedPolicy> cached;
  // The last discovery (TXT, and DANE coverage) is reused until then: the TXT TTL, clamped.
  TimePoint discovery_valid_until{};
  DaneCoverage dane = DaneCoverage::unknown;
  // Fetch-failure backoff per (domain, id) (§9.3, F18).
  std::string backoff_id;
  TimePoint backoff_until{};
  // The RFC 8460 result type of the last failed discovery or fetch when no valid policy was
  // available (none when the last resolution simply found no policy): decides NOTFOUND vs TEMP.
  std::optional<ResultType> failure;
  std::string failure_detail;
};

struct EngineSettings
{
  Seconds fetch_backoff{300};      // §9.3: 5 minutes per (domain, id)
  Seconds min_discovery_ttl{60};   // TXT answers are reused at least this long ...
  Seconds max_discovery_ttl{3600}; // ... and at most this long (also the negative cache)
  Seconds failure_retry{60};       // a failed TXT lookup is retried after this
  Seconds refresh_interval{86400}; // §9.6: proactive fetch about daily
};

enum class RequestPlan : std::uint8_t {
  answer,             // the state answers now
  answer_and_refresh, // answer now from the valid cache; rediscover in the background
  resolve,            // no valid policy and no fresh negative answer: resolve, then answer
};

RequestPlan plan_request(const DomainState& state, TimePoint now);

// What the `_mta-sts.<domain>` TXT lookup found (RFC 8461 §3.1).
enum class DiscoveryKind : std::uint8_t {
  record,      // exactly one valid record: `id`
  no_record,   // NXDOMAIN, NODATA, or no candidate record
  unusable,    // several candidates, or the candidate does not parse: no policy (§3.1)
  dns_failure, // timeout, SERVFAIL, DNSSEC-bogus: no answer at all
};

struct Discovery
{
  DiscoveryKind kind = DiscoveryKind::no_record;
  std::string id;
  Seconds ttl{0};
  std::string detail; // why, for logs and `resolver query`
  // dns_failure: what a sender reports (dnssec-invalid for a bogus answer, else
  // sts-policy-fetch-error).
  std::optional<ResultType> failure;
};

enum class FetchDecision : std::uint8_t { use_cached, fetch, no_policy };

// Records a discovery in `state` and says what to do next. `force_fetch` (proactive refresh,
// §9.6; a flush) fetches even when the id is unchanged, still honouring the backoff.
FetchDecision after_discovery(DomainState& state, const Discovery& discovery, TimePoint now,
                              const EngineSettings& settings, bool force_fetch = false);

struct FetchOutcome
{
  std::optional<Policy> policy; // set when the fetch succeeded and the body is a valid policy
  std::string policy_text;
  std::optional<ResultType> result_type; // on failure: sts-policy-fetch-error, ...
  std::string detail;
};

// Records the outcome of the fetch made under TXT id `id`. Returns the policy to apply to the
// pending requests: the new one, else the still-valid cached one, else nothing. A max_age 0
// policy is returned but not cached.
std::optional<CachedPolicy> after_fetch(DomainState& state, std::string_view id,
                                        const FetchOutcome& outcome, TimePoint now,
                                        const EngineSettings& settings);

// True when a proactive refresh of a cached policy is due: after refresh_interval, or after half
// of max_age for policies shorter than two intervals (so a short policy never runs out).
bool refresh_due(const DomainState& state, TimePoint now, const EngineSettings& settings);

// --- the socketmap answer

enum class FailureAnswer : std::uint8_t { notfound, temp };
enum class DaneAnswer : std::uint8_t { dane_only, notfound };

// Per socketmap name ("zone"): how policies become Postfix answers.
struct AnswerSettings
{
  bool strict_testing = false;                        // testing answered like enforce
  FailureAnswer on_failure = FailureAnswer::notfound; // no valid cache and discovery/fetch failed
  DaneAnswer dane = DaneAnswer::dane_only;            // when every MX has DNSSEC TLSA records
  PostfixAnswerOptions postfix;
};

enum class AnswerKind : std::uint8_t { ok, notfound, temp };

struct Answer
{
  AnswerKind kind = AnswerKind::notfound;
  std::string data;        // the OK data or the TEMP reason
  std::string_view reason; // stable label for metrics and logs (see answer_reasons below)
};

// Reasons: "enforce", "testing-strict", "testing", "none-mode", "dane", "no-policy",
// "fetch-failed" (NOTFOUND or TEMP per AnswerSettings::on_failure). `applied_once` is a policy
// that after_fetch() returned but did not cache (max_age 0): it answers instead of the state's.
Answer decide_answer(std::string_view domain, const DomainState& state, TimePoint now,
                     const AnswerSettings& settings, const CachedPolicy* applied_once = nullptr);

} // namespace mtasts::core
