#include <mtasts/check/findings.hpp>

#include <algorithm>
#include <iterator>

namespace mtasts::check {

Analysis analyse(const DomainEvidence& evidence, TimePoint now)
{
  Analysis analysis;
  auto sts = sts_record_findings(evidence, analysis.sts_published);
  Problems policy;
  Problems mx;
  Problems smtp;
  if (analysis.sts_published) {
    policy = policy_findings(evidence, now, analysis.policy);
    mx = mx_findings(evidence, analysis.policy);
    smtp = smtp_findings(evidence, analysis.policy, now);
  }
  auto tlsrpt = tlsrpt_findings(evidence, analysis.sts_published);
  for (auto* step : {&sts, &policy, &mx, &smtp, &tlsrpt}) {
    std::ranges::move(*step, std::back_inserter(analysis.problems));
  }
  return analysis;
}

} // namespace mtasts::check
