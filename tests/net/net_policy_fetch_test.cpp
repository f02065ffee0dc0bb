// net::fetch_policy against real nginx virtual hosts in a private network namespace, one site
// per behaviour (spec digest cases F01-F16). Certificates come from the world's test CA.
#include <mtasts/net/policy_fetch.hpp>

#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>

#include "../support/result_type_text.hpp"
#include "../world/pki.hpp"
#include "../world/world.hpp"
#include <filesystem>
#include <fstream>

namespace {

using namespace mtasts;
using net::FetchFailure;

const std::string k_policy =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmax_age: 86400\r\n";

class FetchWorld : public ::testing::Environment
{
public:
  void SetUp() override
  {
    if (auto error = testworld::enter_private_network()) {
      FAIL() << *error;
    }
    auto ca = testworld::TestCa::create(s_scratch.path() / "pki");
    ASSERT_TRUE(ca) << ca.error();
    const auto issue = [&](const std::string& stem, testworld::CertificateRequest request) {
      auto files = ca->issue(stem, request);
      EXPECT_TRUE(files) << files.error();
      return *files;
    };
    const auto named = [](const std::string& name) {
      return testworld::CertificateRequest{name, {name}, {}};
    };
    const auto fallback = issue("fallback", named("fallback.invalid"));
    const auto good = issue("good", named("mta-sts.good.test"));
    const auto wildcard =
        issue("wild", testworld::CertificateRequest{"*.wild.test", {"*.wild.test"}, {}});
    const auto wrong = issue("wrong", named("good.test"));
    auto expired_request = named("mta-sts.expired.test");
    expired_request.valid_from = -std::chrono::hours(48);
    expired_request.valid_until = -std::chrono::hours(24);
    const auto expired = issue("expired", expired_request);
    auto self_request = named("mta-sts.self.test");
    self_request.self_signed = true;
    const auto self_signed = issue("self", self_request);
    const auto cn_only =
        issue("cnonly", testworld::CertificateRequest{"mta-sts.cnonly.test", {}, {}});

    const std::string a = "127.0.0.10";
    const auto site = [&](std::string host, const testworld::CertificateFiles& files) {
      testworld::PolicySite result;
      result.host = std::move(host);
      result.address = a;
      result.certificate = files.certificate;
      result.key = files.key;
      result.body = k_policy;
      return result;
    };
    std::vector<testworld::PolicySite> sites;
    sites.push_back(site("fallback.invalid", fallback)); // what a client without SNI gets
    sites.push_back(site("mta-sts.good.test", good));
    sites.push_back(site("mta-sts.wild.test", wildcard));
    auto charset = site("mta-sts.charset.test", issue("charset", named("mta-sts.charset.test")));
    charset.content_type = "TEXT/Plain; charset=iso-8859-1";
    sites.push_back(charset);
    auto redirect =
        site("mta-sts.redirect.test", issue("redirect", named("mta-sts.redirect.test")));
    redirect.redirect_to = "https://mta-sts.redirect.test/.well-known/mta-sts.txt";
    sites.push_back(redirect);
    auto missing = site("mta-sts.missing.test", issue("missing", named("mta-sts.missing.test")));
    missing.status = 404;
    sites.push_back(missing);
    auto html = site("mta-sts.html.test", issue("html", named("mta-sts.html.test")));
    html.content_type = "text/html";
    sites.push_back(html);
    auto large = site("mta-sts.large.test", issue("large", named("mta-sts.large.test")));
    large.body = k_policy + "x: " + std::string(70 * 1024, 'a') + "\r\n";
    sites.push_back(large);
    auto limit = site("mta-sts.limit.test", issue("limit", named("mta-sts.limit.test")));
    limit.body = std::string(65536, '#');
    sites.push_back(limit);
    auto drip = site("mta-sts.drip.test", issue("drip", named("mta-sts.drip.test")));
    drip.bytes_per_second = 1;
    sites.push_back(drip);
    sites.push_back(site("mta-sts.wrongname.test", wrong));
    sites.push_back(site("mta-sts.expired.test", expired));
    sites.push_back(site("mta-sts.self.test", self_signed));
    sites.push_back(site("mta-sts.cnonly.test", cn_only));

    auto nginx = testworld::Nginx::start(s_scratch.path(), sites);
    ASSERT_TRUE(nginx) << nginx.error();
    s_nginx.emplace(std::move(*nginx));
    s_ca_file = ca->ca_file();

    // A server whose response has no Content-Length: HTTP/1.0, the body ends when the
    // connection does (RFC 9112 §6.3), the end announced by TLS close_notify. `openssl
    // s_server -WWW` serves the files of its working directory exactly like that.
    const auto close_files = issue("close", named("mta-sts.close.test"));
    const auto root = s_scratch.path() / "close-root";
    std::filesystem::create_directories(root / ".well-known");
    std::ofstream(root / ".well-known" / "mta-sts.txt") << k_policy;
    auto server = testworld::Process::start(
        {"/bin/sh", "-c",
         "cd '" + root.string() + "' && exec openssl s_server -quiet -WWW -accept " +
             k_close_address + ":443 -cert '" + close_files.certificate.string() + "' -key '" +
             close_files.key.string() + "'"},
        s_scratch.path() / "s_server.log");
    ASSERT_TRUE(server) << server.error();
    s_close_server.emplace(std::move(*server));
    ASSERT_TRUE(testworld::wait_for_tcp(k_close_address, 443));

    // A server that completes the TLS handshake and closes at once with close_notify, before
    // any HTTP byte (`openssl s_server` whose input is at its end).
    const auto mute_files = issue("mute", named("mta-sts.mute.test"));
    auto mute = testworld::Process::start({"/bin/sh", "-c",
                                           "exec openssl s_server -quiet -accept " +
                                               std::string(k_mute_address) + ":443 -cert '" +
                                               mute_files.certificate.string() + "' -key '" +
                                               mute_files.key.string() + "' < /dev/null"},
                                          s_scratch.path() / "s_server_mute.log");
    ASSERT_TRUE(mute) << mute.error();
    s_mute_server.emplace(std::move(*mute));
    ASSERT_TRUE(testworld::wait_for_tcp(k_mute_address, 443));
  }
  void TearDown() override
  {
    s_mute_server.reset();
    s_close_server.reset();
    s_nginx.reset();
  }

  static constexpr const char* k_close_address = "127.0.0.12";
  static constexpr const char* k_mute_address = "127.0.0.13";
  static inline std::optional<testworld::Process> s_close_server;
  static inline std::optional<testworld::Process> s_mute_server;

  static testworld::ScratchDir s_scratch;
  static std::optional<testworld::Nginx> s_nginx;
  static std::filesystem::path s_ca_file;
};

testworld::ScratchDir FetchWorld::s_scratch;
std::optional<testworld::Nginx> FetchWorld::s_nginx;
std::filesystem::path FetchWorld::s_ca_file;
const auto* const k_world = ::testing::AddGlobalTestEnvironment(new FetchWorld);

net::FetchEvidence fetch(const std::string& host, net::FetchOptions options = {},
                         const std::string& address = "127.0.0.10")
{
  net::asio::io_context io;
  net::TlsClientOptions tls;
  tls.ca_file = FetchWorld::s_ca_file.string();
  auto native = net::make_client_context(tls);
  EXPECT_TRUE(native) << native.error();
  boost::asio::ssl::context context(native->release());
  net::FetchEvidence evidence;
  net::asio::co_spawn(
      io,
      [&]() -> net::Awaitable<void> {
        evidence = co_await net::fetch_policy(context, host, address, options);
      },
      net::asio::detached);
  io.run();
  return evidence;
}

} // namespace

// --- failures first ----------------------------------------------------------------------------

TEST(PolicyFetch, F07_RedirectIsNeverFollowed)
{
  const auto evidence = fetch("mta-sts.redirect.test");
  EXPECT_EQ(evidence.failure, FetchFailure::redirect) << evidence.detail;
  EXPECT_EQ(evidence.status, 301);
  EXPECT_EQ(evidence.location, "https://mta-sts.redirect.test/.well-known/mta-sts.txt");
  EXPECT_EQ(mtasts::testing::text(core::fetch_result_type(evidence.failure)),
            "sts-policy-fetch-error");
}

TEST(PolicyFetch, F08_OnlyStatus200Counts)
{
  const auto evidence = fetch("mta-sts.missing.test");
  EXPECT_EQ(evidence.failure, FetchFailure::http_status) << evidence.detail;
  EXPECT_EQ(evidence.status, 404);
}

TEST(PolicyFetch, F05_TextHtmlIsRejected)
{
  const auto evidence = fetch("mta-sts.html.test");
  EXPECT_EQ(evidence.failure, FetchFailure::content_type) << evidence.detail;
  EXPECT_EQ(evidence.content_type, "text/html");
  EXPECT_EQ(mtasts::testing::text(core::fetch_result_type(evidence.failure)), "sts-policy-invalid");
}

TEST(PolicyFetch, F09_BodyOver64KiBIsRejected)
{
  const auto evidence = fetch("mta-sts.large.test");
  EXPECT_EQ(evidence.failure, FetchFailure::too_large) << evidence.detail;
}

TEST(PolicyFetch, F10_DeadlineCoversTheWholeExchange)
{
  net::FetchOptions options;
  options.total_timeout = std::chrono::seconds(2);
  const auto started = std::chrono::steady_clock::now();
  const auto evidence = fetch("mta-sts.drip.test", options);
  EXPECT_EQ(evidence.failure, FetchFailure::timeout) << evidence.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(PolicyFetch, F11_CertificateForAnotherNameIsWebpkiInvalid)
{
  const auto evidence = fetch("mta-sts.wrongname.test");
  EXPECT_EQ(evidence.failure, FetchFailure::certificate) << evidence.detail;
  ASSERT_TRUE(evidence.tls);
  EXPECT_FALSE(evidence.tls->identity_matched);
  EXPECT_EQ(mtasts::testing::text(core::fetch_result_type(evidence.failure)), "sts-webpki-invalid");
}

TEST(PolicyFetch, F13_CnOnlyCertificateFails)
{
  const auto evidence = fetch("mta-sts.cnonly.test");
  EXPECT_EQ(evidence.failure, FetchFailure::certificate) << evidence.detail;
}

TEST(PolicyFetch, F14_ExpiredAndSelfSignedCertificatesFail)
{
  const auto expired = fetch("mta-sts.expired.test");
  EXPECT_EQ(expired.failure, FetchFailure::certificate) << expired.detail;
  ASSERT_TRUE(expired.tls);
  EXPECT_EQ(expired.tls->chain, net::ChainVerdict::expired);
  const auto self_signed = fetch("mta-sts.self.test");
  EXPECT_EQ(self_signed.failure, FetchFailure::certificate) << self_signed.detail;
  ASSERT_TRUE(self_signed.tls);
  EXPECT_EQ(self_signed.tls->chain, net::ChainVerdict::untrusted);
}

TEST(PolicyFetch, NobodyListeningIsAConnectFailure)
{
  const auto evidence = fetch("mta-sts.good.test", {}, "127.0.0.11");
  EXPECT_EQ(evidence.failure, FetchFailure::connect) << evidence.detail;
}

// --- success -----------------------------------------------------------------------------------

TEST(PolicyFetch, F01_F15_GoodSiteNeedsSni)
{
  // The default site of the address holds a certificate for another name, so this passes only
  // if the ClientHello carried SNI = mta-sts.good.test.
  const auto evidence = fetch("mta-sts.good.test");
  ASSERT_TRUE(evidence.ok()) << evidence.detail;
  EXPECT_EQ(evidence.status, 200);
  EXPECT_EQ(evidence.body, k_policy);
  EXPECT_EQ(evidence.url, "https://mta-sts.good.test/.well-known/mta-sts.txt");
  ASSERT_TRUE(evidence.tls);
  EXPECT_EQ(evidence.tls->matched_name, "mta-sts.good.test");
}

TEST(PolicyFetch, F12_WildcardCertificate)
{
  const auto evidence = fetch("mta-sts.wild.test");
  ASSERT_TRUE(evidence.ok()) << evidence.detail;
  EXPECT_EQ(evidence.tls->matched_name, "*.wild.test");
}

TEST(PolicyFetch, F03_F04_MediaTypeParametersIgnored)
{
  const auto evidence = fetch("mta-sts.charset.test");
  ASSERT_TRUE(evidence.ok()) << evidence.detail;
  EXPECT_EQ(evidence.content_type, "TEXT/Plain; charset=iso-8859-1");
}

TEST(PolicyFetch, F09_BodyOfExactly64KiBIsAccepted)
{
  const auto evidence = fetch("mta-sts.limit.test");
  ASSERT_TRUE(evidence.ok()) << evidence.detail;
  EXPECT_EQ(evidence.body.size(), 65536U);
}

TEST(PolicyFetch, BodyEndingWithTheConnectionIsAccepted)
{
  const auto evidence = fetch("mta-sts.close.test", {}, FetchWorld::k_close_address);
  ASSERT_TRUE(evidence.ok()) << evidence.detail;
  EXPECT_EQ(evidence.status, 200);
  EXPECT_EQ(evidence.body, k_policy);
}

TEST(PolicyFetch, ClosedBeforeAnyResponseIsAnHttpProtocolFailure)
{
  const auto evidence = fetch("mta-sts.mute.test", {}, FetchWorld::k_mute_address);
  EXPECT_EQ(evidence.failure, FetchFailure::http_protocol) << evidence.detail;
  EXPECT_EQ(evidence.status, 0); // no status was ever received
}
