#include <mtasts/check/sender_view.hpp>
#include <mtasts/core/socketmap.hpp>
#include <mtasts/net/sts_discovery.hpp>

#include <boost/json/array.hpp>
#include <fmt/format.h>

namespace mtasts::check {

namespace json = boost::json;

namespace {

core::DaneCoverage coverage_of(const DomainEvidence& evidence)
{
  const auto mx = net::to_mx_answer(evidence.mx);
  std::vector<core::TlsaAnswer> tlsa;
  for (const auto& host : evidence.mx_hosts) {
    tlsa.push_back(net::to_tlsa_answer(host.tlsa));
  }
  if (mx.failure.empty() && tlsa.size() != evidence.targets.hosts.size()) {
    return core::DaneCoverage::unknown; // the TLSA lookups were not made
  }
  return core::dane_coverage(mx, tlsa);
}

std::string why(const SenderView& view)
{
  const auto& reason = view.answer.reason;
  if (reason == "no-policy") {
    return view.discovery.detail.empty() ? std::string("no MTA-STS policy")
                                         : "no MTA-STS policy: " + view.discovery.detail;
  }
  if (reason == "fetch-failed") {
    if (view.fetch && !view.fetch->policy) {
      return "the policy could not be obtained: " + view.fetch->detail;
    }
    return "the policy could not be discovered: " + view.discovery.detail;
  }
  if (reason == "dane") {
    return "every MX host has DNSSEC-validated TLSA records: DANE decides (RFC 8461 §2)";
  }
  if (reason == "enforce") {
    return "mode enforce: delivery only to MX hosts matching the policy, over verified TLS";
  }
  if (reason == "testing") {
    return "mode testing: failures are reported (TLSRPT), delivery goes on";
  }
  if (reason == "none-mode") {
    return "mode none: the policy is withdrawn";
  }
  return std::string(reason);
}

} // namespace

SenderView sender_view(const DomainEvidence& evidence, std::chrono::sys_seconds now)
{
  SenderView view;
  core::SenderResolution sender(core::DomainState{}, core::EngineSettings{}, false, true);
  view.discovery = core::discover_sts(net::to_txt_answer(evidence.sts_txt));
  sender.discovered(view.discovery, now);
  if (sender.step() == core::SenderStep::fetch) {
    std::vector<core::FetchAttempt> attempts;
    for (const auto& fetch : evidence.fetches) {
      attempts.push_back(net::to_attempt(fetch));
    }
    const auto host = net::policy_host(evidence.domain);
    view.fetch = core::fetch_outcome(attempts, host + " has no A or AAAA record");
    sender.fetched(*view.fetch, now);
  }
  if (sender.step() == core::SenderStep::dane) {
    sender.dane_known(coverage_of(evidence));
  }
  view.policy = sender.applied_once() ? sender.applied_once() : sender.state().cached;
  view.dane = sender.state().dane;
  view.answer = sender.answer(evidence.domain, now, core::AnswerSettings{});
  view.reply = core::socketmap_reply(view.answer);
  return view;
}

json::object sender_json(const SenderView& view)
{
  json::object object;
  if (view.policy) {
    json::array mx;
    for (const auto& pattern : view.policy->policy.mx) {
      mx.emplace_back(pattern.text);
    }
    object["policy"] = json::object{{"id", view.policy->id},
                                    {"mode", core::mode_name(view.policy->policy.mode)},
                                    {"max_age", view.policy->policy.max_age},
                                    {"mx", std::move(mx)}};
  } else {
    object["policy"] = nullptr;
  }
  object["applied"] = view.answer.reason == "enforce" || view.answer.reason == "testing" ||
                      view.answer.reason == "testing-strict" || view.answer.reason == "dane";
  object["reason"] = view.answer.reason;
  object["why"] = why(view);
  const std::optional<core::ResultType> failure =
      view.fetch && view.fetch->result_type ? view.fetch->result_type : view.discovery.failure;
  object["failure"] = failure && view.answer.reason == "fetch-failed"
                          ? json::value(core::result_type_name(*failure))
                          : json::value(nullptr);
  object["dane"] = core::dane_coverage_name(view.dane);
  object["answer"] = view.reply;
  return object;
}

} // namespace mtasts::check
