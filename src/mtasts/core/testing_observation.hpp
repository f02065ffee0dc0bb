// Observing a `mode: testing` policy as if it said `enforce`. RFC 8461 §5: under testing a sender
// delivers whatever MX validation says, so nothing fails and nobody learns what would have; the
// RFC leaves that to TLSRPT (RFC 8460). The resolver therefore looks, in the background, at what
// a sender applying the policy in enforce mode would meet at each MX host, and records it for
// `resolver query` and the reporter. This file is the pure half: which hosts a sender tries,
// which of them the policy rules out (§4.1), how a probe becomes an outcome (§4.2, RFC 8460
// §4.3), and when a policy is due to be observed. The network half is
// net::observe_testing_policy (net/sts_discovery.hpp). No I/O; time is a parameter.
#pragma once

#include <mtasts/core/policy.hpp>
#include <mtasts/core/result_type.hpp>
#include <mtasts/core/sender.hpp>
#include <mtasts/core/sts_cache.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

enum class ObservationOutcome : std::uint8_t {
  pass,       // a sender under enforce would deliver: MX listed, STARTTLS, PKIX, SAN match
  would_fail, // it would not (the RFC 8460 result type says why)
  transient,  // not observed: no address, connection refused or timed out, SMTP refused
              // before TLS. RFC 8460 §4.3.4: not a TLS failure, senders retry later
};

// "pass", "would-fail", "transient" (also the values kept in the store and the metric labels).
std::string_view outcome_name(ObservationOutcome outcome);
std::optional<ObservationOutcome> parse_outcome(std::string_view name);

// The result type of an MX host that matches no `mx` pattern (RFC 8461 §4.1): a sender must
// not deliver to it; RFC 8460 §4.3.3 has no specific type for it, so the general
// `validation-failure` (which Gmail also reports for it).
inline constexpr ResultType k_unlisted_mx_result_type = ResultType::validation_failure;

// What happened at one MX host of the observed policy's domain.
struct MxObservation
{
  std::string mx_host; // normalised (A-labels, no trailing dot)
  std::string address; // the address that decided the outcome; "" when none was probed
  ObservationOutcome outcome = ObservationOutcome::transient;
  std::optional<ResultType> result_type; // RFC 8460 §4.3 when would_fail
  std::string detail; // plain words: the pattern list, the peer's refusal, the TLS failure

  friend bool operator==(const MxObservation&, const MxObservation&) = default;
};

// The observation of a host that the policy rules out before any connection: would-fail with
// k_unlisted_mx_result_type when `mx_host` (normalised) matches none of `policy.mx`; nullopt
// when a pattern matches (the host must be probed).
std::optional<MxObservation> unlisted_mx(const Policy& policy, std::string_view mx_host);

// One address of an MX host as the probe saw it (net::SmtpProbe reduced to what decides).
struct ProbeSummary
{
  std::string address;
  bool verified = false; // STARTTLS, TLS >= 1.2, PKIX chain and SAN match all succeeded
  std::optional<ResultType> result_type; // of a TLS failure (SmtpProbe::result_type())
  std::string detail;
};

// The observation of `mx_host` from the probes of its addresses, in the order they were made.
// The first probe that reached a verdict decides: a result type = would_fail, verified = pass.
// When none did (connection refused, timeouts, SMTP refusals before TLS) the host is transient
// with the last probe's address and detail. No probes: transient, detail `no_address_detail`.
MxObservation observation_from_probes(std::string_view mx_host,
                                      std::span<const ProbeSummary> probes,
                                      std::string_view no_address_detail);

// When to observe the cached policy of `state` again: a valid `mode: testing` policy is due when
// it was never observed under its id (`observed_id` differs: new policy, or never) or when `now`
// has reached `observe_after`. Anything else is never due.
bool observation_due(const DomainState& state, std::string_view observed_id,
                     TimePoint observe_after, TimePoint now);

// The operator's log line for a would-fail observation:
// "<domain>: mode testing: under enforce, delivery to <mx> would fail: <result-type>: <detail>"
// (" (<address>)" after the MX host when an address was probed).
std::string would_fail_message(std::string_view domain, const MxObservation& observation);

} // namespace mtasts::core
