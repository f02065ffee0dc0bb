// The sender engine's pure decisions (core/sender.hpp), error cases first.
#include <mtasts/core/sender.hpp>

#include <gtest/gtest.h>

namespace {

using namespace mtasts::core;

constexpr TimePoint t0{std::chrono::seconds(1'800'000'000)};

const std::string k_enforce =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 604800\r\n";

TxtAnswer txt(std::vector<std::string> records)
{
  TxtAnswer answer;
  answer.name = "_mta-sts.example.com";
  answer.records = std::move(records);
  answer.ttl = 300;
  return answer;
}

FetchAttempt attempt(std::string address, FetchFailure failure, std::string body = {})
{
  return FetchAttempt{"https://mta-sts.example.com/.well-known/mta-sts.txt", std::move(address),
                      failure, failure == FetchFailure::none ? "" : "it failed", std::move(body)};
}

// --- discovery (RFC 8461 §3.1)

TEST(CoreSender, ABogusTxtAnswerIsDnssecInvalid)
{
  auto answer = txt({"v=STSv1; id=1"});
  answer.failure = "DNSSEC bogus";
  answer.dnssec = DnssecStatus::bogus;
  const auto discovery = discover_sts(answer);
  EXPECT_EQ(discovery.kind, DiscoveryKind::dns_failure);
  EXPECT_EQ(discovery.failure, ResultType::dnssec_invalid);
}

TEST(CoreSender, AFailedTxtLookupIsAFetchError)
{
  auto answer = txt({});
  answer.failure = "timed out";
  const auto discovery = discover_sts(answer);
  EXPECT_EQ(discovery.kind, DiscoveryKind::dns_failure);
  EXPECT_EQ(discovery.failure, ResultType::sts_policy_fetch_error);
  EXPECT_NE(discovery.detail.find("timed out"), std::string::npos);
}

TEST(CoreSender, NoCandidateIsNoRecordAndTwoAreUnusable)
{
  auto none = txt({"v=spf1 -all"});
  none.nxdomain = false;
  EXPECT_EQ(discover_sts(none).kind, DiscoveryKind::no_record);
  auto missing = txt({});
  missing.nxdomain = true;
  EXPECT_NE(discover_sts(missing).detail.find("does not exist"), std::string::npos);
  EXPECT_EQ(discover_sts(txt({"v=STSv1; id=1", "v=STSv1; id=2"})).kind, DiscoveryKind::unusable);
  EXPECT_EQ(discover_sts(txt({"v=STSv1; id=a-b"})).kind, DiscoveryKind::unusable);
}

TEST(CoreSender, OneValidRecordGivesItsId)
{
  const auto discovery = discover_sts(txt({"v=spf1 -all", "v=STSv1; id=20240101"}));
  EXPECT_EQ(discovery.kind, DiscoveryKind::record);
  EXPECT_EQ(discovery.id, "20240101");
  EXPECT_EQ(discovery.ttl, Seconds(300));
}

// --- the fetch (RFC 8461 §3.3)

TEST(CoreSender, NoAddressIsAFetchErrorWithTheLookupDetail)
{
  const auto outcome = fetch_outcome({}, "mta-sts.example.com has no A or AAAA record");
  EXPECT_FALSE(outcome.policy);
  EXPECT_EQ(outcome.result_type, ResultType::sts_policy_fetch_error);
  EXPECT_EQ(outcome.detail, "mta-sts.example.com has no A or AAAA record");
}

TEST(CoreSender, OnlyConnectFailuresAndTimeoutsMoveOnToTheNextAddress)
{
  for (const auto failure : {FetchFailure::connect, FetchFailure::timeout}) {
    EXPECT_TRUE(fetch_moves_on(failure));
  }
  for (const auto failure :
       {FetchFailure::none, FetchFailure::tls_handshake, FetchFailure::certificate,
        FetchFailure::http_protocol, FetchFailure::redirect, FetchFailure::http_status,
        FetchFailure::content_type, FetchFailure::too_large}) {
    EXPECT_FALSE(fetch_moves_on(failure)) << fetch_failure_name(failure);
  }
}

TEST(CoreSender, TheFirstServerThatAnswersDecides)
{
  const std::vector<FetchAttempt> refused_then_404{
      attempt("192.0.2.1", FetchFailure::connect), attempt("192.0.2.2", FetchFailure::http_status),
      attempt("192.0.2.3", FetchFailure::none, k_enforce)};
  EXPECT_EQ(deciding_attempt(refused_then_404), 1U);
  const auto outcome = fetch_outcome(refused_then_404, "");
  EXPECT_FALSE(outcome.policy);
  EXPECT_EQ(outcome.result_type, ResultType::sts_policy_fetch_error);
  EXPECT_NE(outcome.detail.find("192.0.2.2"), std::string::npos);

  const std::vector<FetchAttempt> timeout_then_ok{
      attempt("192.0.2.1", FetchFailure::timeout),
      attempt("192.0.2.2", FetchFailure::none, k_enforce)};
  const auto fetched = fetch_outcome(timeout_then_ok, "");
  ASSERT_TRUE(fetched.policy);
  EXPECT_EQ(fetched.policy->mode, PolicyMode::enforce);
  EXPECT_EQ(fetched.policy_text, k_enforce);

  const std::vector<FetchAttempt> all_down{attempt("192.0.2.1", FetchFailure::connect),
                                           attempt("192.0.2.2", FetchFailure::timeout)};
  EXPECT_EQ(deciding_attempt(all_down), 1U);
}

TEST(CoreSender, FailuresMapToTheirResultTypes)
{
  EXPECT_EQ(fetch_result_type(FetchFailure::certificate), ResultType::sts_webpki_invalid);
  EXPECT_EQ(fetch_result_type(FetchFailure::content_type), ResultType::sts_policy_invalid);
  EXPECT_EQ(fetch_result_type(FetchFailure::redirect), ResultType::sts_policy_fetch_error);
  EXPECT_EQ(fetch_result_type(FetchFailure::none), std::nullopt);
  const std::vector<FetchAttempt> garbage{attempt("192.0.2.1", FetchFailure::none, "<html>")};
  const auto outcome = fetch_outcome(garbage, "");
  EXPECT_EQ(outcome.result_type, ResultType::sts_policy_invalid);
  EXPECT_NE(outcome.detail.find("no-fields"), std::string::npos) << outcome.detail;
}

// --- MX hosts (RFC 5321 §5.1, RFC 7505)

TEST(CoreSender, MxTargetsNormaliseDeduplicateAndHonourNullMx)
{
  const std::vector<MxExchange> records{
      {20, "MX2.Example.com."}, {10, "mx1.example.com"}, {30, "mx1.example.com."}};
  const auto targets = mx_targets("example.com", records);
  EXPECT_EQ(targets.hosts, (std::vector<std::string>{"mx1.example.com", "mx2.example.com"}));
  EXPECT_FALSE(targets.implicit);
  const std::vector<MxExchange> null_mx{{0, ""}};
  EXPECT_TRUE(mx_targets("example.com", null_mx).null_mx);
  EXPECT_TRUE(mx_targets("example.com", null_mx).hosts.empty());
  const auto implicit = mx_targets("Example.COM", {});
  EXPECT_TRUE(implicit.implicit);
  EXPECT_EQ(implicit.hosts, (std::vector<std::string>{"example.com"}));
}

// --- DANE (RFC 7672 §2.2, RFC 8461 §2)

TEST(CoreSender, DaneAppliesOnlyWithASecureMxRrsetAndSecureTlsaRecords)
{
  const TlsaAnswer secure{"", DnssecStatus::secure, 1};
  EXPECT_TRUE(dane_applies(DnssecStatus::secure, secure));
  EXPECT_FALSE(dane_applies(DnssecStatus::insecure, secure));
  EXPECT_FALSE(dane_applies(DnssecStatus::bogus, secure));
  EXPECT_FALSE(dane_applies(DnssecStatus::secure, TlsaAnswer{"", DnssecStatus::insecure, 1}));
  EXPECT_FALSE(dane_applies(DnssecStatus::secure, TlsaAnswer{"", DnssecStatus::secure, 0}));
  EXPECT_FALSE(dane_applies(DnssecStatus::secure, TlsaAnswer{"SERVFAIL", DnssecStatus::secure, 1}));
}

TEST(CoreSender, DaneCoverage)
{
  const MxAnswer secure_mx{"", DnssecStatus::secure, {{10, "mx1.example.com"}, {20, "mx2"}}};
  const TlsaAnswer with{"", DnssecStatus::secure, 2};
  const TlsaAnswer without{"", DnssecStatus::secure, 0};
  const TlsaAnswer failed{"timed out", DnssecStatus::insecure, 0};
  EXPECT_EQ(dane_coverage(secure_mx, std::vector{with, with}), DaneCoverage::all);
  EXPECT_EQ(dane_coverage(secure_mx, std::vector{with, without}), DaneCoverage::partial);
  EXPECT_EQ(dane_coverage(secure_mx, std::vector{without, without}), DaneCoverage::none);
  EXPECT_EQ(dane_coverage(secure_mx, std::vector{with, failed}), DaneCoverage::unknown);
  MxAnswer insecure_mx = secure_mx;
  insecure_mx.dnssec = DnssecStatus::insecure;
  EXPECT_EQ(dane_coverage(insecure_mx, std::vector{with, with}), DaneCoverage::none);
  EXPECT_EQ(dane_coverage(MxAnswer{"SERVFAIL", DnssecStatus::insecure, {}}, {}),
            DaneCoverage::unknown);
  EXPECT_EQ(dane_coverage(MxAnswer{"", DnssecStatus::secure, {{0, ""}}}, {}), DaneCoverage::none);
}

TEST(CoreSender, AFailedDaneLookKeepsWhatWasKnown)
{
  DomainState state;
  after_dane_look(state, DaneCoverage::unknown);
  EXPECT_EQ(state.dane, DaneCoverage::none) << "never known: MTA-STS alone decides";
  after_dane_look(state, DaneCoverage::all);
  EXPECT_EQ(state.dane, DaneCoverage::all);
  after_dane_look(state, DaneCoverage::unknown);
  EXPECT_EQ(state.dane, DaneCoverage::all) << "an outage never turns DANE into STS";
  after_dane_look(state, DaneCoverage::none);
  EXPECT_EQ(state.dane, DaneCoverage::none);
}

// --- one resolution

FetchOutcome fetched(const std::string& body)
{
  std::vector<FetchAttempt> attempts{attempt("192.0.2.1", FetchFailure::none, body)};
  return fetch_outcome(attempts, "");
}

TEST(CoreSender, AColdEnforceDomainIsDiscoveredFetchedLookedAtAndAnswered)
{
  SenderResolution resolution(DomainState{}, EngineSettings{}, false, true);
  EXPECT_EQ(resolution.step(), SenderStep::discover);
  resolution.discovered(discover_sts(txt({"v=STSv1; id=1"})), t0);
  ASSERT_EQ(resolution.step(), SenderStep::fetch);
  EXPECT_EQ(resolution.fetch_id(), "1");
  resolution.fetched(fetched(k_enforce), t0);
  ASSERT_EQ(resolution.step(), SenderStep::dane);
  resolution.dane_known(DaneCoverage::none);
  ASSERT_EQ(resolution.step(), SenderStep::done);
  EXPECT_TRUE(resolution.policy_changed());
  const auto answer = resolution.answer("example.com", t0, AnswerSettings{});
  EXPECT_EQ(answer.kind, AnswerKind::ok);
  EXPECT_EQ(answer.data, "secure match=mx1.example.com servername=hostname");
}

TEST(CoreSender, EveryMxWithDaneMeansDaneOnly)
{
  SenderResolution resolution(DomainState{}, EngineSettings{}, false, true);
  resolution.discovered(discover_sts(txt({"v=STSv1; id=1"})), t0);
  resolution.fetched(fetched(k_enforce), t0);
  resolution.dane_known(DaneCoverage::all);
  EXPECT_EQ(resolution.answer("example.com", t0, AnswerSettings{}).data, "dane-only");
}

TEST(CoreSender, NoRecordEndsWithoutAFetchOrADaneLook)
{
  SenderResolution resolution(DomainState{}, EngineSettings{}, false, true);
  resolution.discovered(discover_sts(txt({})), t0);
  EXPECT_EQ(resolution.step(), SenderStep::done);
  EXPECT_FALSE(resolution.fetch());
  EXPECT_EQ(resolution.answer("example.com", t0, AnswerSettings{}).reason, "no-policy");
}

TEST(CoreSender, TheSameIdUsesTheCacheAndStillLooksAtDane)
{
  SenderResolution first(DomainState{}, EngineSettings{}, false, true);
  first.discovered(discover_sts(txt({"v=STSv1; id=1"})), t0);
  first.fetched(fetched(k_enforce), t0);
  first.dane_known(DaneCoverage::all);
  SenderResolution again(first.state(), EngineSettings{}, false, true);
  again.discovered(discover_sts(txt({"v=STSv1; id=1"})), t0 + Seconds(3600));
  EXPECT_EQ(again.step(), SenderStep::dane);
  again.dane_known(DaneCoverage::unknown); // DNS trouble now
  EXPECT_EQ(again.answer("example.com", t0 + Seconds(3600), AnswerSettings{}).data, "dane-only");
  EXPECT_FALSE(again.policy_changed());
}

TEST(CoreSender, WithoutDaneLookupsOrAPolicyThereIsNoDaneStep)
{
  SenderResolution off(DomainState{}, EngineSettings{}, false, false);
  off.discovered(discover_sts(txt({"v=STSv1; id=1"})), t0);
  off.fetched(fetched(k_enforce), t0);
  EXPECT_EQ(off.step(), SenderStep::done);
  EXPECT_EQ(off.state().dane, DaneCoverage::none);
  SenderResolution none(DomainState{}, EngineSettings{}, false, true);
  none.discovered(discover_sts(txt({"v=STSv1; id=1"})), t0);
  none.fetched(fetched("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"), t0);
  EXPECT_EQ(none.step(), SenderStep::done);
  EXPECT_EQ(none.answer("example.com", t0, AnswerSettings{}).reason, "none-mode");
}

TEST(CoreSender, AMaxAgeZeroPolicyAnswersOnceAndIsNotCached)
{
  SenderResolution resolution(DomainState{}, EngineSettings{}, false, true);
  resolution.discovered(discover_sts(txt({"v=STSv1; id=1"})), t0);
  resolution.fetched(
      fetched("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 0\r\n"), t0);
  EXPECT_FALSE(resolution.state().cached);
  ASSERT_TRUE(resolution.applied_once());
  EXPECT_EQ(resolution.answer("example.com", t0, AnswerSettings{}).kind, AnswerKind::ok);
}

} // namespace
