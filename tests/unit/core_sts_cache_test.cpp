// The sender engine's cache state machine, driven with a virtual clock. Case ids (C01...,
// F18, P17) are the conformance cases of the spec digest, section 10.
#include <mtasts/core/sts_cache.hpp>

#include <gtest/gtest.h>

using namespace mtasts::core;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

const TimePoint t0{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23}};
const EngineSettings settings{};

Policy policy(PolicyMode mode, std::uint32_t max_age, std::string_view mx = "mx.example.com")
{
  Policy p;
  p.mode = mode;
  p.max_age = max_age;
  p.mx.push_back(MxPattern{std::string(mx)});
  return p;
}

Discovery txt(std::string_view id, Seconds ttl = Seconds(300))
{
  return {DiscoveryKind::record, std::string(id), ttl, {}, {}};
}

Discovery discovery(DiscoveryKind kind, Seconds ttl, std::string detail = {})
{
  return {kind, {}, ttl, std::move(detail), {}};
}

FetchOutcome fetched(Policy p)
{
  return {std::move(p), "body", {}, {}};
}

FetchOutcome failed(ResultType type = ResultType::sts_policy_fetch_error)
{
  return {std::nullopt, {}, type, "connection refused"};
}

// Runs one resolution as the resolver does; returns whether HTTPS was used.
bool resolve(DomainState& state, const Discovery& d, const FetchOutcome& outcome, TimePoint now,
             bool force = false)
{
  if (after_discovery(state, d, now, settings, force) != FetchDecision::fetch) {
    return false;
  }
  (void)after_fetch(state, d.id, outcome, now, settings);
  return true;
}

DomainState cached_enforce(std::string_view id = "A", std::uint32_t max_age = 86400)
{
  DomainState state;
  EXPECT_TRUE(resolve(state, txt(id), fetched(policy(PolicyMode::enforce, max_age)), t0));
  state.dane = DaneCoverage::none;
  return state;
}

template <typename Change>
AnswerSettings settings_where(Change change)
{
  AnswerSettings s;
  change(s);
  return s;
}

Answer answer(const DomainState& state, TimePoint now, AnswerSettings s = {})
{
  return decide_answer("example.com", state, now, s);
}

} // namespace

TEST(StsCache, C01FirstFetchIsCachedUntilFetchedAtPlusMaxAge)
{
  const auto state = cached_enforce();
  ASSERT_TRUE(state.cached);
  EXPECT_EQ(state.cached->id, "A");
  EXPECT_EQ(state.cached->fetched_at, t0);
  EXPECT_EQ(state.cached->expires_at, t0 + Seconds(86400));
}

TEST(StsCache, C02SameIdNeedsNoHttps)
{
  auto state = cached_enforce();
  EXPECT_FALSE(resolve(state, txt("A"), failed(), t0 + hours(2)));
  EXPECT_EQ(answer(state, t0 + hours(2)).kind, AnswerKind::ok);
}

TEST(StsCache, C03NewIdReplacesThePolicy)
{
  auto state = cached_enforce();
  EXPECT_TRUE(resolve(state, txt("B"),
                      fetched(policy(PolicyMode::enforce, 3600, "mx2.example.com")),
                      t0 + hours(1)));
  EXPECT_EQ(state.cached->id, "B");
  EXPECT_EQ(state.cached->expires_at, t0 + hours(2));
  EXPECT_EQ(answer(state, t0 + hours(1)).data, "secure match=mx2.example.com servername=hostname");
}

TEST(StsCache, C04FailedFetchOfNewIdKeepsApplyingTheCachedEnforcePolicy)
{
  auto state = cached_enforce();
  EXPECT_TRUE(resolve(state, txt("B"), failed(), t0 + hours(1)));
  ASSERT_TRUE(state.cached);
  EXPECT_EQ(state.cached->id, "A");
  const auto a =
      answer(state, t0 + hours(1),
             settings_where([](AnswerSettings& s) { s.on_failure = FailureAnswer::temp; }));
  EXPECT_EQ(a.kind, AnswerKind::ok);
  EXPECT_EQ(a.reason, "enforce");
}

TEST(StsCache, C05DnsTroubleNeverEvictsAValidPolicy)
{
  for (const auto kind :
       {DiscoveryKind::no_record, DiscoveryKind::unusable, DiscoveryKind::dns_failure}) {
    auto state = cached_enforce();
    EXPECT_EQ(after_discovery(state, discovery(kind, Seconds(60), "x"), t0 + hours(3), settings),
              FetchDecision::use_cached);
    ASSERT_TRUE(state.cached);
    EXPECT_EQ(answer(state, t0 + hours(3)).kind, AnswerKind::ok);
  }
}

TEST(StsCache, C06ExpiredPolicyAndFailedFetchMeansNoPolicyAndAFetchError)
{
  auto state = cached_enforce();
  const auto later = t0 + hours(25);
  EXPECT_TRUE(resolve(state, txt("A"), failed(), later));
  EXPECT_FALSE(state.cached);
  EXPECT_EQ(state.failure, ResultType::sts_policy_fetch_error);
  EXPECT_EQ(answer(state, later).kind, AnswerKind::notfound);
  const auto temp = answer(
      state, later, settings_where([](AnswerSettings& s) { s.on_failure = FailureAnswer::temp; }));
  EXPECT_EQ(temp.kind, AnswerKind::temp);
  EXPECT_EQ(temp.reason, "fetch-failed");
}

TEST(StsCache, C07ExpiredPolicyWithoutRecordIsEvicted)
{
  auto state = cached_enforce();
  EXPECT_EQ(after_discovery(state, discovery(DiscoveryKind::no_record, Seconds(60)), t0 + hours(25),
                            settings),
            FetchDecision::no_policy);
  EXPECT_FALSE(state.cached);
  EXPECT_EQ(answer(state, t0 + hours(25)).reason, "no-policy");
}

TEST(StsCache, C08ModeNoneReplacesEnforce)
{
  auto state = cached_enforce();
  EXPECT_TRUE(resolve(state, txt("B"), fetched(policy(PolicyMode::none, 86400)), t0 + hours(1)));
  EXPECT_EQ(state.cached->policy.mode, PolicyMode::none);
  EXPECT_EQ(answer(state, t0 + hours(1)).reason, "none-mode");
}

TEST(StsCache, C09RefreshRecomputesExpiry)
{
  auto state = cached_enforce();
  const auto day = t0 + hours(24) - Seconds(1);
  EXPECT_TRUE(refresh_due(state, day, settings));
  EXPECT_TRUE(resolve(state, txt("A"), fetched(policy(PolicyMode::enforce, 1209600)), day, true));
  EXPECT_EQ(state.cached->expires_at, day + Seconds(1209600));
  EXPECT_FALSE(refresh_due(state, day + hours(1), settings));
}

TEST(StsCache, C10FailingRefreshesKeepThePolicyUntilItsOwnExpiry)
{
  auto state = cached_enforce("A", 3 * 86400);
  for (int day = 1; day <= 2; ++day) {
    const auto now = t0 + hours(24 * day);
    EXPECT_TRUE(refresh_due(state, now, settings));
    EXPECT_TRUE(resolve(state, txt("A"), failed(), now, true));
    EXPECT_EQ(answer(state, now).kind, AnswerKind::ok);
  }
  EXPECT_EQ(state.cached->expires_at, t0 + hours(72)); // §9.5: never extended without a fetch
}

TEST(StsCache, C13ExpiredAtExactlyFetchedAtPlusMaxAge)
{
  const auto state = cached_enforce();
  EXPECT_EQ(answer(state, t0 + Seconds(86399)).kind, AnswerKind::ok);
  EXPECT_EQ(answer(state, t0 + Seconds(86400)).reason, "no-policy");
}

TEST(StsCache, C14SameIdChangedBodyKeepsOldPolicyUntilRefresh)
{
  auto state = cached_enforce();
  EXPECT_FALSE(
      resolve(state, txt("A"), fetched(policy(PolicyMode::testing, 86400)), t0 + hours(1)));
  EXPECT_EQ(state.cached->policy.mode, PolicyMode::enforce);
  EXPECT_TRUE(
      resolve(state, txt("A"), fetched(policy(PolicyMode::testing, 86400)), t0 + hours(24), true));
  EXPECT_EQ(state.cached->policy.mode, PolicyMode::testing);
}

TEST(StsCache, F18FailedFetchBacksOffPerDomainAndId)
{
  DomainState state;
  EXPECT_TRUE(resolve(state, txt("X"), failed(), t0));
  EXPECT_FALSE(resolve(state, txt("X"), failed(), t0 + minutes(2))); // suppressed
  EXPECT_EQ(state.failure, ResultType::sts_policy_fetch_error);
  EXPECT_TRUE(resolve(state, txt("Y"), failed(), t0 + minutes(3)));              // other id
  EXPECT_TRUE(resolve(state, txt("Y"), failed(), t0 + minutes(3) + minutes(6))); // after backoff
}

TEST(StsCache, P17MaxAgeZeroIsAppliedOnceNeverCached)
{
  DomainState state;
  state.dane = DaneCoverage::none;
  ASSERT_EQ(after_discovery(state, txt("A"), t0, settings), FetchDecision::fetch);
  const auto applied =
      after_fetch(state, "A", fetched(policy(PolicyMode::enforce, 0)), t0, settings);
  ASSERT_TRUE(applied);
  EXPECT_FALSE(state.cached);
  EXPECT_EQ(decide_answer("example.com", state, t0, {}, &*applied).reason, "enforce");
  EXPECT_EQ(answer(state, t0).reason, "no-policy");
}

TEST(StsCache, RequestPlanFollowsDiscoveryTtlAndDaneKnowledge)
{
  DomainState state;
  EXPECT_EQ(plan_request(state, t0), RequestPlan::resolve);
  EXPECT_TRUE(
      resolve(state, txt("A", Seconds(300)), fetched(policy(PolicyMode::enforce, 86400)), t0));
  EXPECT_EQ(plan_request(state, t0), RequestPlan::resolve); // DANE coverage not known yet
  state.dane = DaneCoverage::none;
  EXPECT_EQ(plan_request(state, t0 + Seconds(299)), RequestPlan::answer);
  EXPECT_EQ(plan_request(state, t0 + Seconds(300)), RequestPlan::answer_and_refresh);
  EXPECT_EQ(plan_request(state, t0 + Seconds(86400)), RequestPlan::resolve); // expired
}

TEST(StsCache, NegativeAnswersAreCachedForTheClampedTtl)
{
  DomainState state;
  EXPECT_EQ(
      after_discovery(state, discovery(DiscoveryKind::no_record, Seconds(86400 * 7)), t0, settings),
      FetchDecision::no_policy);
  EXPECT_EQ(plan_request(state, t0 + Seconds(3599)), RequestPlan::answer);
  EXPECT_EQ(plan_request(state, t0 + Seconds(3600)), RequestPlan::resolve);
  EXPECT_EQ(after_discovery(state, discovery(DiscoveryKind::no_record, Seconds(1)), t0, settings),
            FetchDecision::no_policy);
  EXPECT_EQ(plan_request(state, t0 + Seconds(59)), RequestPlan::answer);
  EXPECT_EQ(after_discovery(state, discovery(DiscoveryKind::dns_failure, Seconds(0), "timeout"), t0,
                            settings),
            FetchDecision::no_policy);
  EXPECT_EQ(state.failure, ResultType::sts_policy_fetch_error);
  EXPECT_EQ(plan_request(state, t0 + settings.failure_retry), RequestPlan::resolve);
}

TEST(StsCache, TestingModeAnswers)
{
  DomainState state;
  EXPECT_TRUE(resolve(state, txt("A"), fetched(policy(PolicyMode::testing, 86400)), t0));
  state.dane = DaneCoverage::none;
  EXPECT_EQ(answer(state, t0).kind, AnswerKind::notfound);
  EXPECT_EQ(answer(state, t0).reason, "testing");
  const auto strict =
      answer(state, t0, settings_where([](AnswerSettings& s) { s.strict_testing = true; }));
  EXPECT_EQ(strict.kind, AnswerKind::ok);
  EXPECT_EQ(strict.reason, "testing-strict");
}

TEST(StsCache, DaneIsNeverOverriddenByStsSecure)
{
  auto state = cached_enforce();
  state.dane = DaneCoverage::all;
  const auto a = answer(state, t0);
  EXPECT_EQ(a.kind, AnswerKind::ok);
  EXPECT_EQ(a.data, "dane-only");
  EXPECT_EQ(
      answer(state, t0, settings_where([](AnswerSettings& s) { s.dane = DaneAnswer::notfound; }))
          .kind,
      AnswerKind::notfound);
  state.dane = DaneCoverage::partial; // Postfix cannot mix per MX: STS applies
  EXPECT_EQ(answer(state, t0).reason, "enforce");
}
