#include <mtasts/core/sts_cache.hpp>

#include <algorithm>

namespace mtasts::core {

namespace {

bool in_backoff(const DomainState& state, std::string_view id, TimePoint now)
{
  return state.backoff_id == id && now < state.backoff_until;
}

bool has_valid_policy(const DomainState& state, TimePoint now)
{
  return state.cached && state.cached->valid_at(now);
}

} // namespace

std::string_view dane_coverage_name(DaneCoverage coverage)
{
  switch (coverage) {
  case DaneCoverage::unknown:
    return "unknown";
  case DaneCoverage::none:
    return "none";
  case DaneCoverage::partial:
    return "partial";
  case DaneCoverage::all:
    return "all";
  }
  return "unknown";
}

DaneCoverage parse_dane_coverage(std::string_view name)
{
  for (const auto coverage : {DaneCoverage::none, DaneCoverage::partial, DaneCoverage::all}) {
    if (dane_coverage_name(coverage) == name) {
      return coverage;
    }
  }
  return DaneCoverage::unknown;
}

RequestPlan plan_request(const DomainState& state, TimePoint now)
{
  if (has_valid_policy(state, now)) {
    if (state.dane == DaneCoverage::unknown) {
      return RequestPlan::resolve; // never answer `secure` before knowing DANE does not apply
    }
    return now < state.discovery_valid_until ? RequestPlan::answer
                                             : RequestPlan::answer_and_refresh;
  }
  return now < state.discovery_valid_until ? RequestPlan::answer : RequestPlan::resolve;
}

FetchDecision after_discovery(DomainState& state, const Discovery& discovery, TimePoint now,
                              const EngineSettings& settings, bool force_fetch)
{
  const bool valid = has_valid_policy(state, now);
  const Seconds ttl =
      std::clamp(discovery.ttl, settings.min_discovery_ttl, settings.max_discovery_ttl);
  switch (discovery.kind) {
  case DiscoveryKind::record:
    state.discovery_valid_until = now + ttl;
    if (valid && state.cached->id == discovery.id && !force_fetch) {
      return FetchDecision::use_cached; // C02: same id, no HTTPS
    }
    if (in_backoff(state, discovery.id, now)) {
      return valid ? FetchDecision::use_cached : FetchDecision::no_policy; // F18
    }
    return FetchDecision::fetch;
  case DiscoveryKind::no_record:
  case DiscoveryKind::unusable:
    state.discovery_valid_until = now + ttl;
    if (valid) {
      return FetchDecision::use_cached; // C05
    }
    state.cached.reset(); // C07: an expired policy without a record is gone
    state.failure.reset();
    state.failure_detail = discovery.detail;
    return FetchDecision::no_policy;
  case DiscoveryKind::dns_failure:
    state.discovery_valid_until = now + settings.failure_retry;
    if (valid) {
      return FetchDecision::use_cached; // C05
    }
    state.failure = discovery.failure.value_or(ResultType::sts_policy_fetch_error);
    state.failure_detail = discovery.detail;
    return FetchDecision::no_policy;
  }
  return FetchDecision::no_policy;
}

std::optional<CachedPolicy> after_fetch(DomainState& state, std::string_view id,
                                        const FetchOutcome& outcome, TimePoint now,
                                        const EngineSettings& settings)
{
  if (outcome.policy) {
    CachedPolicy fresh{std::string(id), *outcome.policy, outcome.policy_text, now,
                       now + Seconds(outcome.policy->max_age)};
    state.backoff_id.clear();
    state.backoff_until = {};
    state.failure.reset();
    state.failure_detail.clear();
    if (outcome.policy->max_age == 0) {
      state.cached.reset(); // P17: applied once, never cached
    } else {
      state.cached = fresh; // C03, C08, C09: any mode replaces the cache
    }
    return fresh;
  }
  state.backoff_id = std::string(id);
  state.backoff_until = now + settings.fetch_backoff;
  if (has_valid_policy(state, now)) {
    return state.cached; // C04: the old policy still applies
  }
  state.cached.reset(); // C06
  state.failure = outcome.result_type.value_or(ResultType::sts_policy_fetch_error);
  state.failure_detail = outcome.detail;
  return std::nullopt;
}

bool refresh_due(const DomainState& state, TimePoint now, const EngineSettings& settings)
{
  if (!state.cached) {
    return false;
  }
  const Seconds age = now - state.cached->fetched_at;
  const Seconds lifetime = state.cached->expires_at - state.cached->fetched_at;
  return age >= std::min(settings.refresh_interval, lifetime / 2);
}

Answer decide_answer(std::string_view domain, const DomainState& state, TimePoint now,
                     const AnswerSettings& settings, const CachedPolicy* applied_once)
{
  const CachedPolicy* applied = applied_once != nullptr        ? applied_once
                                : has_valid_policy(state, now) ? &*state.cached
                                                               : nullptr;
  if (applied == nullptr) {
    if (state.failure) {
      if (settings.on_failure == FailureAnswer::temp) {
        return {AnswerKind::temp,
                "MTA-STS policy of " + std::string(domain) + " unavailable (" +
                    std::string(result_type_name(*state.failure)) + ")",
                "fetch-failed"};
      }
      return {AnswerKind::notfound, {}, "fetch-failed"};
    }
    return {AnswerKind::notfound, {}, "no-policy"};
  }
  const Policy& policy = applied->policy;
  const bool applies = policy.mode == PolicyMode::enforce ||
                       (policy.mode == PolicyMode::testing && settings.strict_testing);
  if (applies && state.dane == DaneCoverage::all) {
    // RFC 8461 §2: MTA-STS must not override DANE.
    if (settings.dane == DaneAnswer::dane_only) {
      return {AnswerKind::ok, "dane-only", "dane"};
    }
    return {AnswerKind::notfound, {}, "dane"};
  }
  switch (policy.mode) {
  case PolicyMode::enforce:
    return {AnswerKind::ok, postfix_secure_answer(domain, policy, settings.postfix), "enforce"};
  case PolicyMode::testing:
    if (settings.strict_testing) {
      return {AnswerKind::ok, postfix_secure_answer(domain, policy, settings.postfix),
              "testing-strict"};
    }
    return {AnswerKind::notfound, {}, "testing"};
  case PolicyMode::none:
    break;
  }
  return {AnswerKind::notfound, {}, "none-mode"};
}

} // namespace mtasts::core
