// Observing a testing-mode policy as if it said enforce: which hosts a sender tries, which the
// policy rules out, how probes become outcomes, when a policy is due (virtual clock).
#include <mtasts/core/testing_observation.hpp>

#include <gtest/gtest.h>

using namespace mtasts::core;
using std::chrono::hours;

namespace {

const TimePoint t0{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23}};

Policy policy(PolicyMode mode, std::initializer_list<std::string_view> patterns)
{
  Policy p;
  p.mode = mode;
  p.max_age = 604800;
  for (const auto pattern : patterns) {
    p.mx.push_back(MxPattern{std::string(pattern)});
  }
  return p;
}

DomainState with_policy(PolicyMode mode, std::string id = "t1")
{
  DomainState state;
  state.cached = CachedPolicy{std::move(id), policy(mode, {"mx1.example.com"}), "body", t0,
                              t0 + hours(24 * 7)};
  return state;
}

// --- errors and edge cases first

TEST(CoreTestingObservation, OutcomeNamesRoundTripAndUnknownNamesAreRefused)
{
  for (const auto outcome :
       {ObservationOutcome::pass, ObservationOutcome::would_fail, ObservationOutcome::transient}) {
    EXPECT_EQ(parse_outcome(outcome_name(outcome)), outcome);
  }
  EXPECT_EQ(outcome_name(ObservationOutcome::would_fail), "would-fail");
  EXPECT_EQ(parse_outcome("would_fail"), std::nullopt);
  EXPECT_EQ(parse_outcome("PASS"), std::nullopt);
  EXPECT_EQ(parse_outcome(""), std::nullopt);
}

TEST(CoreTestingObservation, ANullMxLeavesNoHostToObserve)
{
  const std::vector<MxExchange> records{{0, ""}};
  const auto targets = mx_targets("example.com", records, 10);
  EXPECT_TRUE(targets.null_mx);
  EXPECT_FALSE(targets.implicit);
  EXPECT_TRUE(targets.hosts.empty());
}

TEST(CoreTestingObservation, NoMxRecordMeansTheImplicitMx)
{
  const auto targets = mx_targets("Example.COM.", {}, 10);
  EXPECT_TRUE(targets.implicit);
  EXPECT_EQ(targets.hosts, std::vector<std::string>{"example.com"});
}

TEST(CoreTestingObservation, MxHostsAreNormalisedOrderedDeduplicatedAndCapped)
{
  const std::vector<MxExchange> records{{20, "MX2.example.com."},
                                        {10, "mx1.example.com"},
                                        {20, "mx3.example.com"},
                                        {30, "mx1.example.com."},
                                        {0, ""},
                                        {40, std::string(300, 'a')},
                                        {50, "mx4.example.com"},
                                        {60, "mx5.example.com"}};
  const auto targets = mx_targets("example.com", records, 3);
  EXPECT_FALSE(targets.implicit);
  EXPECT_FALSE(targets.null_mx);
  EXPECT_EQ(targets.hosts,
            (std::vector<std::string>{"mx1.example.com", "mx2.example.com", "mx3.example.com"}));
  EXPECT_EQ(targets.omitted, 2U); // mx4, mx5; the repeat and the over-long name are not hosts
}

TEST(CoreTestingObservation, AHostMatchingNoPatternWouldFailBeforeAnyConnection)
{
  const auto p = policy(PolicyMode::testing, {"mx1.example.com", "*.mx.example.com"});
  const auto ruled_out = unlisted_mx(p, "backup.example.net");
  ASSERT_TRUE(ruled_out);
  EXPECT_EQ(ruled_out->outcome, ObservationOutcome::would_fail);
  EXPECT_EQ(ruled_out->result_type, ResultType::validation_failure);
  EXPECT_EQ(ruled_out->mx_host, "backup.example.net");
  EXPECT_EQ(ruled_out->address, "");
  EXPECT_EQ(ruled_out->detail, "MX host backup.example.net matches no mx pattern of the policy "
                               "(mx1.example.com, *.mx.example.com); RFC 8461 §4.1");
  // §4.1: a wildcard stands for exactly one label.
  EXPECT_TRUE(unlisted_mx(p, "a.b.mx.example.com"));
  EXPECT_TRUE(unlisted_mx(p, "mx.example.com"));
  EXPECT_FALSE(unlisted_mx(p, "a.mx.example.com"));
  EXPECT_FALSE(unlisted_mx(p, "mx1.example.com"));
}

TEST(CoreTestingObservation, NoAddressIsTransient)
{
  const auto observation = observation_from_probes("mx1.example.com", {}, "no A or AAAA record");
  EXPECT_EQ(observation, (MxObservation{"mx1.example.com", "", ObservationOutcome::transient,
                                        std::nullopt, "no A or AAAA record"}));
}

TEST(CoreTestingObservation, ConnectFailuresAreTransientNotTlsFailures)
{
  const std::vector<ProbeSummary> probes{
      {"192.0.2.1", false, std::nullopt, "connection refused"},
      {"2001:db8::1", false, std::nullopt, "timed out after 10 s"}};
  const auto observation = observation_from_probes("mx1.example.com", probes, "unused");
  EXPECT_EQ(observation.outcome, ObservationOutcome::transient);
  EXPECT_EQ(observation.result_type, std::nullopt);
  EXPECT_EQ(observation.address, "2001:db8::1");
  EXPECT_EQ(observation.detail, "timed out after 10 s");
}

// --- the outcomes

TEST(CoreTestingObservation, TheFirstProbeWithAVerdictDecides)
{
  const std::vector<ProbeSummary> fails{
      {"192.0.2.1", false, std::nullopt, "connection refused"},
      {"192.0.2.2", false, ResultType::certificate_host_mismatch, "no SAN matches mx1.example.com"},
      {"192.0.2.3", true, std::nullopt, ""}};
  const auto failed = observation_from_probes("mx1.example.com", fails, "unused");
  EXPECT_EQ(failed, (MxObservation{"mx1.example.com", "192.0.2.2", ObservationOutcome::would_fail,
                                   ResultType::certificate_host_mismatch,
                                   "no SAN matches mx1.example.com"}));
  const std::vector<ProbeSummary> passes{{"192.0.2.1", false, std::nullopt, "connection refused"},
                                         {"192.0.2.3", true, std::nullopt, ""}};
  const auto passed = observation_from_probes("mx1.example.com", passes, "unused");
  EXPECT_EQ(passed, (MxObservation{"mx1.example.com", "192.0.2.3", ObservationOutcome::pass,
                                   std::nullopt, ""}));
}

TEST(CoreTestingObservation, OnlyAValidTestingPolicyIsEverDue)
{
  EXPECT_FALSE(observation_due(DomainState{}, "", TimePoint{}, t0));
  EXPECT_FALSE(observation_due(with_policy(PolicyMode::enforce), "", TimePoint{}, t0));
  EXPECT_FALSE(observation_due(with_policy(PolicyMode::none), "", TimePoint{}, t0));
  const auto testing = with_policy(PolicyMode::testing);
  EXPECT_TRUE(observation_due(testing, "", TimePoint{}, t0));
  // Expired at fetched_at + max_age: nothing left to observe.
  EXPECT_FALSE(observation_due(testing, "", TimePoint{}, testing.cached->expires_at));
}

TEST(CoreTestingObservation, APolicyIsDueAgainAfterItsIntervalOrUnderANewId)
{
  const auto testing = with_policy(PolicyMode::testing, "t1");
  const auto next = t0 + hours(24);
  EXPECT_FALSE(observation_due(testing, "t1", next, t0));
  EXPECT_FALSE(observation_due(testing, "t1", next, next - std::chrono::seconds(1)));
  EXPECT_TRUE(observation_due(testing, "t1", next, next));
  // A new policy id is observed at once.
  EXPECT_TRUE(observation_due(testing, "t0", next, t0));
}

TEST(CoreTestingObservation, TheWouldFailLogLineNamesDomainMxResultTypeAndDetail)
{
  EXPECT_EQ(would_fail_message("example.com", MxObservation{"mx1.example.com", "192.0.2.2",
                                                            ObservationOutcome::would_fail,
                                                            ResultType::certificate_host_mismatch,
                                                            "no SAN matches"}),
            "example.com: mode testing: under enforce, delivery to mx1.example.com (192.0.2.2) "
            "would fail: certificate-host-mismatch: no SAN matches");
  EXPECT_EQ(would_fail_message("example.com",
                               MxObservation{"mx9.example.net", "", ObservationOutcome::would_fail,
                                             ResultType::validation_failure, "unlisted"}),
            "example.com: mode testing: under enforce, delivery to mx9.example.net would fail: "
            "validation-failure: unlisted");
}

} // namespace
