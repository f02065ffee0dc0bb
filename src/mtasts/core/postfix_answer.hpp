// The TLS policy a Postfix smtp_tls_policy_maps lookup returns for an MTA-STS policy
// (postfix.org/TLS_README.html "TLS policy table"; RFC 8461 §4.1 and §5).
//
//   secure match=<p1>:<p2>... [servername=hostname] [TLSRPT attributes]
//
//   - match= lists the policy's mx patterns in policy order, duplicates removed, "*.example.com"
//     written as Postfix's ".example.com". Postfix matches ".example.com" against certificate
//     names at any depth below example.com, where RFC 8461 §4.1 allows exactly one label; only
//     Postfix >= 3.10.5 with the TLSRPT attributes (smtp_tls_enforce_sts_mx_patterns) applies
//     the RFC rule itself (docs/RESOLVER.md);
//   - servername=hostname (Postfix >= 3.4) sends SNI = the MX host name (RFC 8461 §5);
//   - TLSRPT attributes (Postfix >= 3.10): policy_type=sts policy_domain=<domain>
//     mx_host_pattern=<pattern>... and every policy line as { policy_string = <line> }, so
//     Postfix's own TLSRPT client can report sts outcomes and Postfix >= 3.10.5 can bind the
//     certificate to the MX it dialled (smtp_tls_enforce_sts_mx_patterns).
#pragma once

#include <mtasts/core/policy.hpp>

#include <string>
#include <string_view>

namespace mtasts::core {

struct PostfixAnswerOptions
{
  bool servername = true;         // append servername=hostname (Postfix >= 3.4)
  bool tlsrpt_attributes = false; // append the Postfix >= 3.10 TLSRPT attributes
};

// The data of the OK reply (without "OK "). `policy` must be a valid policy with at least one mx
// pattern (mode enforce, or testing when the operator enforces testing policies).
std::string postfix_secure_answer(std::string_view policy_domain, const Policy& policy,
                                  const PostfixAnswerOptions& options);

} // namespace mtasts::core
