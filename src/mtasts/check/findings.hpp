// The checker's verdicts: pure functions from the evidence of one domain (check/evidence.hpp) to
// findings, in the order of the steps documented in check/checker.hpp. No network, no clock
// (`now` is a parameter): unit-tested with hand-made evidence (tests/unit/check_findings_test.cpp).
#pragma once

#include <mtasts/check/evidence.hpp>
#include <mtasts/check/problem.hpp>
#include <mtasts/core/policy.hpp>

#include <chrono>
#include <optional>

namespace mtasts::check {

using TimePoint = std::chrono::sys_seconds;

// Step 1: the `_mta-sts` TXT RRset (RFC 8461 §3.1). `published`: a `v=STSv1` candidate exists.
Problems sts_record_findings(const DomainEvidence& evidence, bool& published);

// Steps 2 and 3: the fetches from every policy-host address (§3.3) and the policy in both
// profiles (§3.2), plus the policy as widely deployed senders parse it (core/sender_compat).
// `policy` is set to the policy a sender applies (the compatible parse of the first body
// fetched).
Problems policy_findings(const DomainEvidence& evidence, TimePoint now,
                         std::optional<core::Policy>& policy);

// Step 4: the MX RRset against the policy's patterns (§4.1); a failed or bogus MX lookup.
Problems mx_findings(const DomainEvidence& evidence, const std::optional<core::Policy>& policy);

// Steps 5 and 5b: the TLSA RRset of each MX host and what a DANE sender makes of it (RFC 7672),
// and the STARTTLS probe of every MX address (§4.2, §5).
Problems smtp_findings(const DomainEvidence& evidence, const std::optional<core::Policy>& policy,
                       TimePoint now);

// Step 6: `_smtp._tls` (RFC 8460 §3) and every `https:` rua endpoint (§5.4).
Problems tlsrpt_findings(const DomainEvidence& evidence, bool sts_published);

struct Analysis
{
  bool sts_published = false;
  std::optional<core::Policy> policy;
  Problems problems; // every step's, in step order
};

Analysis analyse(const DomainEvidence& evidence, TimePoint now);

} // namespace mtasts::check
