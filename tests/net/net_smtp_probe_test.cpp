// net::probe_smtp against real SMTP receivers (tests/world/smtp_receiver) in a private network
// namespace, one receiver per behaviour on its own loopback address (spec digest cases A01-A06,
// A10, plus hostile peers). Certificates come from the world's test CA; a second CA that the
// client does not trust stands for an unknown CA. Failure cases first.
#include <mtasts/net/smtp_probe.hpp>

#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>

#include "../support/result_type_text.hpp"
#include "../world/pki.hpp"
#include "../world/smtp_receiver.hpp"
#include "../world/world.hpp"
#include <algorithm>
#include <map>

namespace {

// The detail above says which limit fired; this only shows the peer did not hold the probe until
// the receiver gives up (10 s). Loose on purpose, so machine load never fails a test.
constexpr auto k_cut_off = std::chrono::seconds(8);

using namespace mtasts;
using net::SmtpFailure;
using testworld::SmtpBehaviour;

const std::string k_good = "127.0.0.20";
const std::string k_wrong_name = "127.0.0.21";
const std::string k_wildcard = "127.0.0.22";
const std::string k_expired = "127.0.0.23";
const std::string k_self_signed = "127.0.0.24";
const std::string k_unknown_ca = "127.0.0.25";
const std::string k_cn_only = "127.0.0.26";
const std::string k_no_starttls = "127.0.0.27";
const std::string k_starttls_refused = "127.0.0.28";
const std::string k_tls11_only = "127.0.0.29";
const std::string k_drip = "127.0.0.30";
const std::string k_endless_banner = "127.0.0.31";
const std::string k_huge_line = "127.0.0.32";
const std::string k_huge_chain = "127.0.0.33";
const std::string k_silent = "127.0.0.34";
const std::string k_nobody = "127.0.0.35";
const std::string k_injection = "127.0.0.36";
const std::string k_greeting_554 = "127.0.0.37";
const std::string k_ehlo_refused = "127.0.0.38";
constexpr std::uint16_t k_other_port = 2525;

class SmtpWorld : public ::testing::Environment
{
public:
  void SetUp() override
  {
    if (auto error = testworld::enter_private_network()) {
      FAIL() << *error;
    }
    auto ca = testworld::TestCa::create(s_scratch.path() / "pki");
    ASSERT_TRUE(ca) << ca.error();
    auto unknown_ca = testworld::TestCa::create(s_scratch.path() / "unknown-pki", "Unknown Root");
    ASSERT_TRUE(unknown_ca) << unknown_ca.error();
    const auto issue = [](const testworld::TestCa& issuer, const std::string& stem,
                          const testworld::CertificateRequest& request) {
      auto files = issuer.issue(stem, request);
      EXPECT_TRUE(files) << files.error();
      return files ? *files : testworld::CertificateFiles{};
    };
    const auto named = [](const std::string& name) {
      return testworld::CertificateRequest{name, {name}, {}};
    };
    auto expired = named("mx.expired.test");
    expired.valid_from = -std::chrono::hours(48);
    expired.valid_until = -std::chrono::hours(24);
    auto self_signed = named("mx.self.test");
    self_signed.self_signed = true;

    const auto good = issue(*ca, "good", named("mx1.good.test"));
    start(k_good, SmtpBehaviour::good, good, "mx1.good.test");
    start(k_good, SmtpBehaviour::good, good, "mx1.good.test", k_other_port);
    start(k_wrong_name, SmtpBehaviour::good, issue(*ca, "other", named("mx.other.test")));
    start(k_wildcard, SmtpBehaviour::good,
          issue(*ca, "wild", testworld::CertificateRequest{"*.good.test", {"*.good.test"}, {}}));
    start(k_expired, SmtpBehaviour::good, issue(*ca, "expired", expired));
    start(k_self_signed, SmtpBehaviour::good, issue(*ca, "self", self_signed));
    start(k_unknown_ca, SmtpBehaviour::good,
          issue(*unknown_ca, "unknown", named("mx.unknown.test")));
    start(k_cn_only, SmtpBehaviour::good,
          issue(*ca, "cnonly", testworld::CertificateRequest{"mx.cnonly.test", {}, {}}));
    start(k_no_starttls, SmtpBehaviour::no_starttls, {});
    start(k_starttls_refused, SmtpBehaviour::starttls_refused, {});
    start(k_injection, SmtpBehaviour::starttls_injection, {});
    start(k_greeting_554, SmtpBehaviour::greeting_554, {});
    start(k_ehlo_refused, SmtpBehaviour::ehlo_refused, {});
    start(k_tls11_only, SmtpBehaviour::tls11_only, issue(*ca, "tls11", named("mx.tls11.test")));
    start(k_huge_chain, SmtpBehaviour::huge_chain, issue(*ca, "chain", named("mx.chain.test")));
    start(k_drip, SmtpBehaviour::drip, {});
    start(k_endless_banner, SmtpBehaviour::endless_banner, {});
    start(k_huge_line, SmtpBehaviour::huge_line, {});
    start(k_silent, SmtpBehaviour::silent, {});
    s_ca_file = ca->ca_file();
    s_good_certificate = good.certificate;
  }
  void TearDown() override { s_receivers.clear(); }

  static const testworld::SmtpReceiver& receiver(const std::string& address,
                                                 std::uint16_t port = 25)
  {
    return s_receivers.at(address + ":" + std::to_string(port));
  }

  static testworld::ScratchDir s_scratch;
  static std::map<std::string, testworld::SmtpReceiver> s_receivers;
  static std::filesystem::path s_ca_file;
  static std::filesystem::path s_good_certificate;

private:
  static void start(const std::string& address, SmtpBehaviour behaviour,
                    const testworld::CertificateFiles& files,
                    const std::string& host_name = "mx.test", std::uint16_t port = 25)
  {
    testworld::SmtpReceiverOptions options;
    options.address = address;
    options.port = port;
    options.behaviour = behaviour;
    options.certificate = files.certificate;
    options.key = files.key;
    options.host_name = host_name;
    options.connection_deadline = std::chrono::seconds(8);
    auto receiver = testworld::SmtpReceiver::start(options);
    ASSERT_TRUE(receiver) << address << ": " << receiver.error();
    s_receivers.emplace(address + ":" + std::to_string(port), std::move(*receiver));
  }
};

testworld::ScratchDir SmtpWorld::s_scratch;
std::map<std::string, testworld::SmtpReceiver> SmtpWorld::s_receivers;
std::filesystem::path SmtpWorld::s_ca_file;
std::filesystem::path SmtpWorld::s_good_certificate;
const auto* const k_world = ::testing::AddGlobalTestEnvironment(new SmtpWorld);

// Short deadlines, so a test that hangs fails in seconds instead of a minute.
net::SmtpProbeOptions quick()
{
  net::SmtpProbeOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  options.read_timeout = std::chrono::seconds(2);
  options.total_timeout = std::chrono::seconds(5);
  return options;
}

net::SmtpProbe probe(const std::string& mx_host, const std::string& address,
                     const net::SmtpProbeOptions& options = quick())
{
  net::asio::io_context io;
  net::TlsClientOptions tls;
  tls.ca_file = SmtpWorld::s_ca_file.string();
  auto native = net::make_client_context(tls);
  EXPECT_TRUE(native) << native.error();
  boost::asio::ssl::context context(native->release());
  net::SmtpProbe result;
  net::asio::co_spawn(
      io,
      [&]() -> net::Awaitable<void> {
        result = co_await net::probe_smtp(context, mx_host, address, options);
      },
      net::asio::detached);
  io.run();
  return result;
}

bool contains(const std::vector<std::string>& lines, const std::string& wanted)
{
  return std::ranges::find(lines, wanted) != lines.end();
}

} // namespace

// --- failures first ----------------------------------------------------------------------------

TEST(SmtpProbe, NobodyListeningIsAConnectFailure)
{
  const auto result = probe("mx.nobody.test", k_nobody);
  EXPECT_EQ(result.failure, SmtpFailure::connect) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_NE(result.detail.find("refused"), std::string::npos) << result.detail;

  const auto not_an_address = probe("mx.nobody.test", "mx.nobody.test");
  EXPECT_EQ(not_an_address.failure, SmtpFailure::connect) << not_an_address.detail;
  EXPECT_EQ(mtasts::testing::text(not_an_address.result_type()), "");
}

TEST(SmtpProbe, A02_NoStarttlsIsStarttlsNotSupported)
{
  const auto result = probe("mx.plain.test", k_no_starttls);
  EXPECT_EQ(result.failure, SmtpFailure::starttls_not_offered) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "starttls-not-supported");
  EXPECT_FALSE(result.starttls_offered);
  EXPECT_FALSE(result.tls);
  EXPECT_EQ(result.banner, "220 mx.test ESMTP mtasts test receiver");
  EXPECT_TRUE(contains(result.ehlo_capabilities, "PIPELINING"));
  EXPECT_FALSE(contains(result.ehlo_capabilities, "STARTTLS"));
  // The probe says goodbye to a server that speaks SMTP properly.
  EXPECT_EQ(SmtpWorld::receiver(k_no_starttls).last_commands(),
            (std::vector<std::string>{"EHLO mtasts.invalid", "QUIT"}));
}

TEST(SmtpProbe, StarttlsRefusedIsStarttlsNotSupported)
{
  const auto result = probe("mx.refused.test", k_starttls_refused);
  EXPECT_EQ(result.failure, SmtpFailure::starttls_rejected) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "starttls-not-supported");
  EXPECT_TRUE(result.starttls_offered);
  EXPECT_FALSE(result.tls);
  EXPECT_NE(result.detail.find("454 4.7.0"), std::string::npos) << result.detail;
}

TEST(SmtpProbe, GreetingOtherThan220IsABannerFailure)
{
  const auto result = probe("mx.busy.test", k_greeting_554);
  EXPECT_EQ(result.failure, SmtpFailure::banner) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_EQ(result.banner.substr(0, 4), "554 ");
}

TEST(SmtpProbe, EhloRejectedIsNotReported)
{
  const auto result = probe("mx.noehlo.test", k_ehlo_refused);
  EXPECT_EQ(result.failure, SmtpFailure::ehlo_rejected) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_NE(result.detail.find("502"), std::string::npos) << result.detail;
}

TEST(SmtpProbe, PlaintextAfterTheStarttlsReplyIsAProtocolFailure)
{
  const auto result = probe("mx.inject.test", k_injection);
  EXPECT_EQ(result.failure, SmtpFailure::protocol) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_FALSE(result.tls);
}

TEST(SmtpProbe, A06_Tls11OnlyIsValidationFailure)
{
  const auto result = probe("mx.tls11.test", k_tls11_only);
  EXPECT_EQ(result.failure, SmtpFailure::tls_handshake) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "validation-failure");
  EXPECT_FALSE(result.tls);
}

TEST(SmtpProbe, A03_CertificateForAnotherNameIsHostMismatch)
{
  const auto result = probe("mx1.good.test", k_wrong_name);
  EXPECT_EQ(result.failure, SmtpFailure::certificate) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "certificate-host-mismatch");
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->chain, net::ChainVerdict::trusted);
  EXPECT_FALSE(result.tls->identity_matched);
}

TEST(SmtpProbe, A03_WildcardDoesNotCoverTwoLabels)
{
  const auto result = probe("a.b.good.test", k_wildcard);
  EXPECT_EQ(result.failure, SmtpFailure::certificate) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "certificate-host-mismatch");
}

TEST(SmtpProbe, A04_CnOnlyCertificateIsHostMismatch)
{
  const auto result = probe("mx.cnonly.test", k_cn_only);
  EXPECT_EQ(result.failure, SmtpFailure::certificate) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "certificate-host-mismatch");
}

TEST(SmtpProbe, A01_ExpiredCertificate)
{
  const auto result = probe("mx.expired.test", k_expired);
  EXPECT_EQ(result.failure, SmtpFailure::certificate) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "certificate-expired");
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->chain, net::ChainVerdict::expired);
}

TEST(SmtpProbe, A05_UnknownCaIsNotTrusted)
{
  const auto result = probe("mx.unknown.test", k_unknown_ca);
  EXPECT_EQ(result.failure, SmtpFailure::certificate) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "certificate-not-trusted");
}

TEST(SmtpProbe, A05_SelfSignedIsNotTrusted)
{
  const auto result = probe("mx.self.test", k_self_signed);
  EXPECT_EQ(result.failure, SmtpFailure::certificate) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "certificate-not-trusted");
}

TEST(SmtpProbe, DripIsCutOffByTheReadTimeout)
{
  auto options = quick();
  options.read_timeout = std::chrono::seconds(1);
  const auto result = probe("mx.drip.test", k_drip, options);
  EXPECT_EQ(result.failure, SmtpFailure::timeout) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_NE(result.detail.find("read timeout of 1 s"), std::string::npos) << result.detail;
  EXPECT_LT(result.elapsed, k_cut_off);
  EXPECT_EQ(result.banner, "");
}

TEST(SmtpProbe, DripIsCutOffByTheTotalDeadline)
{
  auto options = quick();
  options.read_timeout = std::chrono::seconds(30);
  options.total_timeout = std::chrono::milliseconds(1500);
  const auto result = probe("mx.drip.test", k_drip, options);
  EXPECT_EQ(result.failure, SmtpFailure::timeout) << result.detail;
  EXPECT_NE(result.detail.find("total deadline of 1.5 s"), std::string::npos) << result.detail;
  EXPECT_LT(result.elapsed, k_cut_off);
}

TEST(SmtpProbe, SilentServerTimesOut)
{
  auto options = quick();
  options.read_timeout = std::chrono::seconds(1);
  const auto result = probe("mx.silent.test", k_silent, options);
  EXPECT_EQ(result.failure, SmtpFailure::timeout) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_LT(result.elapsed, k_cut_off);
}

TEST(SmtpProbe, EndlessBannerIsCutOffAtMaxReplyLines)
{
  const auto result = probe("mx.endless.test", k_endless_banner);
  EXPECT_EQ(result.failure, SmtpFailure::protocol) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_NE(result.detail.find("more than 100 lines"), std::string::npos) << result.detail;
  EXPECT_LT(result.elapsed, k_cut_off);
}

TEST(SmtpProbe, HugeLineIsCutOffAtMaxLine)
{
  auto options = quick();
  options.max_line = 512;
  const auto result = probe("mx.hugeline.test", k_huge_line, options);
  EXPECT_EQ(result.failure, SmtpFailure::protocol) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_NE(result.detail.find("longer than 512 bytes"), std::string::npos) << result.detail;
  EXPECT_LT(result.elapsed, k_cut_off);
}

TEST(SmtpProbe, HugeCertificateChainIsCutOff)
{
  const auto result = probe("mx.chain.test", k_huge_chain);
  EXPECT_EQ(result.failure, SmtpFailure::tls_handshake) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "validation-failure");
  EXPECT_NE(result.detail.find("excessive message size"), std::string::npos) << result.detail;
  EXPECT_LT(result.elapsed, k_cut_off);
}

// --- success -----------------------------------------------------------------------------------

TEST(SmtpProbe, A10_GoodMxPassesWithSniSetToTheMxHost)
{
  const auto result = probe("mx1.good.test", k_good);
  ASSERT_EQ(result.failure, SmtpFailure::none) << result.detail;
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_EQ(result.banner, "220 mx1.good.test ESMTP mtasts test receiver");
  EXPECT_TRUE(result.starttls_offered);
  EXPECT_TRUE(contains(result.ehlo_capabilities, "STARTTLS"));
  EXPECT_TRUE(contains(result.ehlo_capabilities, "SIZE 10240000"));
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->protocol, "TLSv1.3");
  EXPECT_EQ(result.tls->chain, net::ChainVerdict::trusted);
  EXPECT_EQ(result.tls->matched_name, "mx1.good.test");
  const auto& receiver = SmtpWorld::receiver(k_good);
  EXPECT_EQ(receiver.last_sni(), "mx1.good.test");
  EXPECT_EQ(receiver.last_commands(),
            (std::vector<std::string>{"EHLO mtasts.invalid", "STARTTLS", "QUIT"}));
}

// RFC 7672 §3.1.1: a "3 1 1" record of the receiver's SPKI, computed from its PEM with OpenSSL,
// authenticates the live session; the same record with a wrong digest does not.
TEST(SmtpProbe, DaneEeRecordIsVerifiedOnTheLiveSession)
{
  const auto spki = testworld::spki_sha256_hex(SmtpWorld::s_good_certificate);
  ASSERT_TRUE(spki) << spki.error();
  auto options = quick();
  options.tlsa = {net::TlsaRecord{3, 1, 1, *spki}};
  options.tlsa_base_domain = "mx1.good.test";
  const auto result = probe("mx1.good.test", k_good, options);
  ASSERT_EQ(result.failure, SmtpFailure::none) << result.detail;
  ASSERT_TRUE(result.dane);
  EXPECT_EQ(result.dane->verdict, net::DaneOutcome::Verdict::verified) << result.dane->detail;
  EXPECT_EQ(result.dane->matched_record, "3 1 1 " + *spki);
  EXPECT_EQ(result.dane->matched_depth, 0);
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->chain_summary.at(0).spki_sha256, *spki);
  // Verified before QUIT, on the session itself.
  EXPECT_EQ(SmtpWorld::receiver(k_good).last_commands(),
            (std::vector<std::string>{"EHLO mtasts.invalid", "STARTTLS", "QUIT"}));

  std::string wrong = *spki;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  options.tlsa = {net::TlsaRecord{3, 1, 1, wrong}};
  const auto mismatch = probe("mx1.good.test", k_good, options);
  ASSERT_EQ(mismatch.failure, SmtpFailure::none) << "DANE never changes the probe's failure";
  ASSERT_TRUE(mismatch.dane);
  EXPECT_EQ(mismatch.dane->verdict, net::DaneOutcome::Verdict::failed);
  EXPECT_EQ(mismatch.dane->failure, net::DaneOutcome::Failure::no_match);
  EXPECT_EQ(mtasts::testing::text(net::dane_result_type(*mismatch.dane, net::DnssecStatus::secure)),
            "tlsa-invalid");

  EXPECT_FALSE(probe("mx1.good.test", k_good).dane) << "no TLSA records, no DANE outcome";
}

TEST(SmtpProbe, A03_WildcardCoversOneLabel)
{
  const auto result = probe("mx2.good.test", k_wildcard);
  ASSERT_EQ(result.failure, SmtpFailure::none) << result.detail;
  EXPECT_EQ(mtasts::testing::text(result.result_type()), "");
  EXPECT_EQ(result.tls->matched_name, "*.good.test");
  EXPECT_EQ(SmtpWorld::receiver(k_wildcard).last_sni(), "mx2.good.test");
}

TEST(SmtpProbe, PortAndHeloNameAreOptions)
{
  auto options = quick();
  options.port = k_other_port;
  options.helo_name = "probe.example";
  const auto result = probe("mx1.good.test", k_good, options);
  ASSERT_EQ(result.failure, SmtpFailure::none) << result.detail;
  const auto commands = SmtpWorld::receiver(k_good, k_other_port).last_commands();
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.front(), "EHLO probe.example");
}
