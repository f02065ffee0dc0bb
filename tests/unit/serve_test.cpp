// mtasts serve's pure parts: the policy host's answers, the DNS records it prints, id rotation,
// and the configuration loader's errors.
#include <mtasts/core/sts_record.hpp>
#include <mtasts/serve/config.hpp>
#include <mtasts/serve/policy_host.hpp>
#include <mtasts/serve/records.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace {

using namespace mtasts;
using namespace std::chrono_literals;

const std::string k_body =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 604800\r\n";

serve::PolicyResponse ask(std::string_view method, std::string_view target,
                          std::optional<std::string_view> host, unsigned version = 11)
{
  serve::PolicyRequest request;
  request.method = method;
  request.target = target;
  request.host = host;
  request.version = version;
  request.server_name = "mta-sts.example.test";
  return serve::answer_policy_request(request, k_body, 300s);
}

TEST(ServePolicyHost, GetOfThePolicyPathIsThePolicyAsPlainText)
{
  const auto response = ask("GET", "/.well-known/mta-sts.txt", "mta-sts.example.test");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain");
  EXPECT_EQ(response.body, k_body);
  EXPECT_EQ(response.cache_control, "max-age=300");
  EXPECT_EQ(ask("HEAD", "/.well-known/mta-sts.txt", "mta-sts.example.test").status, 200);
  EXPECT_EQ(ask("GET", "/.well-known/mta-sts.txt?x=1", "mta-sts.example.test").status, 200);
}

TEST(ServePolicyHost, OtherPathsMethodsAndHosts)
{
  EXPECT_EQ(ask("GET", "/", "mta-sts.example.test").status, 404);
  EXPECT_EQ(ask("GET", "/.well-known/mta-sts.txt/", "mta-sts.example.test").status, 404);
  EXPECT_EQ(ask("POST", "/other", "mta-sts.example.test").status, 404);
  const auto post = ask("POST", "/.well-known/mta-sts.txt", "mta-sts.example.test");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.allow, "GET, HEAD");
  EXPECT_EQ(ask("DELETE", "/.well-known/mta-sts.txt", "mta-sts.example.test").status, 405);
  // Host must name the TLS server name; checked before anything else.
  EXPECT_EQ(ask("GET", "/.well-known/mta-sts.txt", "mta-sts.other.test").status, 421);
  EXPECT_EQ(ask("POST", "/x", "mta-sts.other.test").status, 421);
  EXPECT_EQ(ask("GET", "/.well-known/mta-sts.txt", "127.0.0.1").status, 421);
  // HTTP/1.1 requires Host; HTTP/1.0 may leave it out.
  EXPECT_EQ(ask("GET", "/.well-known/mta-sts.txt", std::nullopt, 11).status, 400);
  EXPECT_EQ(ask("GET", "/.well-known/mta-sts.txt", std::nullopt, 10).status, 200);
  // Error answers are one line of text and never cached.
  const auto missing = ask("GET", "/robots.txt", "mta-sts.example.test");
  EXPECT_EQ(missing.body.find('\n'), missing.body.size() - 1);
  EXPECT_EQ(missing.cache_control, "no-store");
}

TEST(ServePolicyHost, HostComparisonIgnoresCaseTrailingDotAndPort)
{
  EXPECT_TRUE(serve::host_names_server("MTA-STS.Example.TEST", "mta-sts.example.test"));
  EXPECT_TRUE(serve::host_names_server("mta-sts.example.test.", "mta-sts.example.test"));
  EXPECT_TRUE(serve::host_names_server("mta-sts.example.test:443", "mta-sts.example.test"));
  EXPECT_TRUE(serve::host_names_server("mta-sts.example.test:8443", "mta-sts.example.test"));
  EXPECT_FALSE(serve::host_names_server("mta-sts.example.test:x", "mta-sts.example.test"));
  EXPECT_FALSE(serve::host_names_server("", "mta-sts.example.test"));
  EXPECT_FALSE(serve::host_names_server("example.test", "mta-sts.example.test"));
}

TEST(ServePolicyHost, PlainHttpSaysHttpsOnly)
{
  const auto response = serve::answer_plain_http_request();
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, "the MTA-STS policy is served over HTTPS only\n");
}

TEST(ServePolicyHost, MxCoverageWarnings)
{
  const std::vector<std::string> hosts{"mx1.example.test", "mx2.example.test"};
  EXPECT_TRUE(serve::mx_coverage_warnings("example.test", "enforce", {}, {"*.example.test"}, hosts)
                  .empty());
  const auto uncovered =
      serve::mx_coverage_warnings("example.test", "testing", {}, {"mx1.example.test"}, hosts);
  ASSERT_EQ(uncovered.size(), 1U);
  EXPECT_NE(uncovered[0].find("MX host mx2.example.test is covered by no mx pattern"),
            std::string::npos);
  const auto removed = serve::mx_coverage_warnings(
      "example.test", "enforce", {"mx1.example.test", "*.example.test"}, {"*.example.test"}, hosts);
  ASSERT_EQ(removed.size(), 1U);
  EXPECT_NE(removed[0].find("removes mx pattern mx1.example.test, which still covers MX host "
                            "mx1.example.test"),
            std::string::npos);
  EXPECT_TRUE(serve::mx_coverage_warnings("example.test", "none", {}, {}, hosts).empty());
}

TEST(ServeRecords, EveryRecordOfADomain)
{
  const auto records =
      serve::domain_records("example.test", "20261203T101010Z", {"mailto:tlsrpt@example.test"},
                            {"192.0.2.10", "2001:db8::10"});
  ASSERT_EQ(records.size(), 4U);
  EXPECT_EQ(serve::zone_line(records[0]), "mta-sts.example.test. 3600 IN A 192.0.2.10");
  EXPECT_EQ(serve::zone_line(records[1]), "mta-sts.example.test. 3600 IN AAAA 2001:db8::10");
  EXPECT_EQ(serve::zone_line(records[2]),
            "_mta-sts.example.test. 3600 IN TXT \"v=STSv1; id=20261203T101010Z\"");
  EXPECT_EQ(serve::zone_line(records[3]),
            "_smtp._tls.example.test. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.test\"");
  // No rua: no _smtp._tls record; no address: only the TXT.
  EXPECT_EQ(serve::domain_records("example.test", "1", {}, {}).size(), 1U);
}

TEST(ServeRecords, LongTxtIsSplitIntoStringsOf255)
{
  const serve::DnsRecord record{"x.test.", "TXT", std::string(300, 'a')};
  const auto line = serve::zone_line(record);
  EXPECT_EQ(line, "x.test. 3600 IN TXT \"" + std::string(255, 'a') + "\" \"" +
                      std::string(45, 'a') + "\"");
}

TEST(ServeIds, ANewIdDiffersFromThePreviousOneEvenWithinASecond)
{
  const std::chrono::sys_seconds now{
      std::chrono::sys_days{std::chrono::year{2026} / std::chrono::December / 3}};
  const auto first = core::next_sts_id("", now);
  EXPECT_EQ(first, "20261203T000000Z");
  const auto second = core::next_sts_id(first, now);
  EXPECT_NE(second, first);
  EXPECT_TRUE(core::is_valid_sts_id(second));
  EXPECT_EQ(core::next_sts_id("older", now), first);
}

class ServeConfigFile : public ::testing::Test
{
protected:
  std::filesystem::path m_path = std::filesystem::temp_directory_path() /
                                 ("mtasts-serve-" + std::to_string(::getpid()) + ".toml");
  void TearDown() override { std::filesystem::remove(m_path); }
  util::Expected<serve::ServeConfig, std::string> load(const std::string& text)
  {
    std::ofstream(m_path) << text;
    return serve::load_serve_config(m_path.string(), true);
  }
};

TEST_F(ServeConfigFile, ReadsDomainsAndSettings)
{
  const auto config = load(R"(
[serve]
https_listen = ["127.0.0.1:8443"]
http_listen = []
state_dir = "/tmp/x"
cache_max_age = "10m"
[resolver]
cache = "memory:"
[[domain]]
name = "Example.TEST."
mode = "enforce"
mx = ["mx1.example.test", "*.example.test"]
max_age = 86400
rua = ["mailto:tlsrpt@example.test"]
certificate = "/c.pem"
key = "/k.pem"
)");
  ASSERT_TRUE(config) << config.error();
  ASSERT_EQ(config->domains.size(), 1U);
  EXPECT_EQ(config->domains[0].name, "example.test");
  EXPECT_EQ(core::serialize_policy(config->domains[0].policy),
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.example.test\r\n"
            "max_age: 86400\r\n");
  EXPECT_TRUE(config->http_listen.empty());
  EXPECT_EQ(config->cache_max_age, 600s);
  EXPECT_EQ(config->store_url(), "sqlite:///tmp/x/serve.db");
  EXPECT_TRUE(serve::unsupported_features(*config).empty());
}

TEST_F(ServeConfigFile, EveryProblemIsReportedWithItsLine)
{
  const auto config = load(R"([serve]
https_listen = ["nowhere"]
cache_max_age = "2h"
[[domain]]
name = "bad domain"
[[domain]]
name = "a.test"
mode = "enforce"
[[domain]]
name = "b.test"
mode = "enforced"
mx = ["mx.b.test"]
certificate = "/c.pem"
[[domain]]
name = "A.test"
mx = ["mx.a.test"]
[unknown]
)");
  ASSERT_FALSE(config);
  const auto& e = config.error();
  EXPECT_NE(e.find(":2: https_listen"), std::string::npos) << e;
  EXPECT_NE(e.find(":3: cache_max_age: expected at most one hour"), std::string::npos) << e;
  EXPECT_NE(e.find(":5: name: \"bad domain\" is not a domain name"), std::string::npos) << e;
  EXPECT_NE(e.find("a.test: mode enforce needs at least one mx pattern"), std::string::npos) << e;
  EXPECT_NE(e.find("b.test: set both certificate and key"), std::string::npos) << e;
  EXPECT_NE(e.find("b.test: [mode-invalid]"), std::string::npos) << e;
  EXPECT_NE(e.find("\"a.test\" is configured twice"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown table [unknown]"), std::string::npos) << e;
}

TEST_F(ServeConfigFile, WhatThisVersionCannotDoIsNamed)
{
  const auto with_acme = load(R"(
[serve]
http_listen = []
[acme]
directory = "https://127.0.0.1:14000/dir"
challenge = "http-01"
[dns_update]
server = "127.0.0.1"
[[domain]]
name = "a.test"
mx = ["mx.a.test"]
)");
  ASSERT_TRUE(with_acme) << with_acme.error();
  const auto problems = serve::unsupported_features(*with_acme);
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_NE(problems[0].find("http-01 needs an http_listen"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("[dns_update]"), std::string::npos) << problems[1];
  const auto without = load("[[domain]]\nname = \"a.test\"\nmx = [\"mx.a.test\"]\n");
  ASSERT_TRUE(without) << without.error();
  const auto missing = serve::unsupported_features(*without);
  ASSERT_EQ(missing.size(), 1U);
  EXPECT_NE(missing[0].find("a.test: no certificate and key, and no [acme]"), std::string::npos);
}

} // namespace
