// The checker's verdicts as pure functions of hand-made evidence (check/findings.hpp,
// check/sender_view.hpp): no network. The same verdicts against real servers are in
// tests/check/check_test.cpp.
#include <mtasts/check/findings.hpp>
#include <mtasts/check/sender_view.hpp>
#include <mtasts/net/sts_discovery.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace mtasts;
using check::DomainEvidence;
using check::Problems;

constexpr check::TimePoint t0{std::chrono::seconds(1'800'000'000)};

// --- wire-format RDATA

std::string txt_rdata(std::string_view text)
{
  return std::string(1, static_cast<char>(text.size())) + std::string(text);
}

std::string name_wire(std::string_view name)
{
  std::string wire;
  std::size_t start = 0;
  while (start < name.size()) {
    const auto dot = name.find('.', start);
    const auto label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    wire += static_cast<char>(label.size());
    wire += label;
    start = dot == std::string_view::npos ? name.size() : dot + 1;
  }
  return wire + std::string(1, '\0');
}

std::string mx_rdata(std::uint16_t preference, std::string_view exchange)
{
  return std::string{static_cast<char>(preference >> 8), static_cast<char>(preference & 0xff)} +
         name_wire(exchange);
}

std::string tlsa_rdata()
{
  return std::string{3, 1, 1} + std::string(32, '\x5a');
}

net::DnsAnswer answer(std::string name, std::vector<std::string> rdata,
                      net::DnssecStatus dnssec = net::DnssecStatus::insecure)
{
  net::DnsAnswer a;
  a.name = name;
  a.canonical_name = std::move(name);
  a.rdata = std::move(rdata);
  a.dnssec = dnssec;
  a.ttl = 300;
  return a;
}

net::DnsAnswer bogus(std::string name)
{
  auto a = answer(std::move(name), {}, net::DnssecStatus::bogus);
  a.failure = "DNSSEC bogus";
  a.why_bogus = "signature expired";
  return a;
}

net::FetchEvidence fetch(std::string address, net::FetchFailure failure, std::string body = {})
{
  net::FetchEvidence evidence;
  evidence.url = "https://mta-sts.example.test/.well-known/mta-sts.txt";
  evidence.host = "mta-sts.example.test";
  evidence.address = std::move(address);
  evidence.failure = failure;
  evidence.status = failure == net::FetchFailure::none ? 200 : 0;
  evidence.content_type = "text/plain";
  evidence.body = std::move(body);
  evidence.detail = failure == net::FetchFailure::none ? "" : "connection refused";
  return evidence;
}

const std::string k_enforce =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 604800\r\n";

// A domain with the `_mta-sts` record, one policy-host address serving `body`, and `mx`.
DomainEvidence domain(const std::string& body = k_enforce,
                      std::vector<std::string> mx = {mx_rdata(10, "mx1.example.test")})
{
  DomainEvidence e;
  e.domain = "example.test";
  e.sts_txt = answer("_mta-sts.example.test", {txt_rdata("v=STSv1; id=1")});
  e.policy_a = answer("mta-sts.example.test", {std::string("\xc0\x00\x02\x01", 4)});
  e.policy_addresses = {"192.0.2.1"};
  e.fetches = {fetch("192.0.2.1", net::FetchFailure::none, body)};
  e.fetched = true;
  e.mx = answer("example.test", std::move(mx));
  e.targets = core::mx_targets(e.domain, net::to_mx_answer(e.mx).records);
  for (const auto& host : e.targets.hosts) {
    check::MxHostEvidence mx_host;
    mx_host.host = host;
    mx_host.tlsa = answer("_25._tcp." + host, {});
    e.mx_hosts.push_back(std::move(mx_host));
  }
  e.tlsrpt_txt = answer("_smtp._tls.example.test", {txt_rdata("v=TLSRPTv1; rua=mailto:r@x.test")});
  return e;
}

std::vector<std::string> codes(const Problems& problems)
{
  std::vector<std::string> list;
  for (const auto& problem : problems) {
    list.push_back(problem.code + ":" + std::string(core::severity_name(problem.severity)));
  }
  std::ranges::sort(list);
  return list;
}

using Codes = std::vector<std::string>;

// --- failures first

TEST(CheckFindings, ABogusStsRecordIsDnssecInvalidAndNothingIsPublished)
{
  auto e = domain();
  e.sts_txt = bogus("_mta-sts.example.test");
  bool published = true;
  const auto problems = check::sts_record_findings(e, published);
  EXPECT_EQ(codes(problems), Codes{"dnssec-invalid:error"});
  EXPECT_FALSE(published);
  EXPECT_NE(problems[0].message.find("signature expired"), std::string::npos);
}

TEST(CheckFindings, AFailedStsLookupIsADnsError)
{
  auto e = domain();
  e.sts_txt.failure = "timed out";
  bool published = true;
  EXPECT_EQ(codes(check::sts_record_findings(e, published)), Codes{"dns-error:error"});
}

TEST(CheckFindings, ABogusMxRrsetIsDnssecInvalid)
{
  auto e = domain();
  e.mx = bogus("example.test");
  const auto policy = core::parse_policy(k_enforce, core::Profile::compatible).value;
  EXPECT_EQ(codes(check::mx_findings(e, policy)), Codes{"dnssec-invalid:error"});
}

TEST(CheckFindings, ANullMxIsReportedAndNoHostIsCovered)
{
  auto e = domain(k_enforce, {mx_rdata(0, "")});
  const auto policy = core::parse_policy(k_enforce, core::Profile::compatible).value;
  EXPECT_EQ(codes(check::mx_findings(e, policy)), Codes{"null-mx:info"});
}

TEST(CheckFindings, AnMxHostListedTwiceIsOneHost)
{
  auto e =
      domain(k_enforce, {mx_rdata(10, "mx9.elsewhere.test"), mx_rdata(20, "MX9.elsewhere.test")});
  const auto policy = core::parse_policy(k_enforce, core::Profile::compatible).value;
  EXPECT_EQ(codes(check::mx_findings(e, policy)),
            (Codes{"mx-not-covered:error", "mx-pattern-unused:warning"}));
}

TEST(CheckFindings, APolicyThatWidelyDeployedSendersRejectIsAnError)
{
  const std::string body =
      "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 31557601\r\n";
  std::optional<core::Policy> policy;
  const auto problems = check::policy_findings(domain(body), t0, policy);
  ASSERT_TRUE(policy) << "lenient senders apply it";
  EXPECT_EQ(codes(problems), (Codes{"policy-lint:warning", "policy-rejected-by-sender:error",
                                    "policy-rejected-by-sender:error"}));
  const auto rejection =
      std::ranges::find(problems, "policy-rejected-by-sender", &check::Problem::code);
  EXPECT_EQ(rejection->evidence.at("implementation"), "mailauth 7.1.0 parsePolicy (strict)");
  EXPECT_EQ(rejection->evidence.at("result_type"), "sts-policy-invalid");
}

TEST(CheckFindings, AShortMaxAgeIsItsOwnFindingUnderEnforceAndALintOtherwise)
{
  std::optional<core::Policy> policy;
  EXPECT_EQ(codes(check::policy_findings(
                domain("version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 3600\n"), t0,
                policy)),
            Codes{"max-age-short-for-enforce:warning"});
  EXPECT_EQ(codes(check::policy_findings(
                domain("version: STSv1\nmode: testing\nmx: mx1.example.test\nmax_age: 3600\n"), t0,
                policy)),
            (Codes{"policy-lint:warning", "testing-mode:info"}));
}

TEST(CheckFindings, TlsaRecordsCountOnlyWithASecureMxRrset)
{
  auto e = domain();
  e.probed = true;
  e.mx_hosts[0].a = answer("mx1.example.test", {std::string("\xc0\x00\x02\x19", 4)});
  e.mx_hosts[0].tlsa = answer("_25._tcp.mx1.example.test", {tlsa_rdata()},
                              net::DnssecStatus::secure); // the MX RRset stays insecure
  const auto policy = core::parse_policy(k_enforce, core::Profile::compatible).value;
  EXPECT_EQ(codes(check::smtp_findings(e, policy, t0)), Codes{"dane-mx-not-dnssec:info"});
  e.mx.dnssec = net::DnssecStatus::secure;
  EXPECT_EQ(codes(check::smtp_findings(e, policy, t0)), Codes{}) << "DANE applies: probes decide";
}

// --- what a sender does

TEST(CheckSenderView, TheNextAddressIsTriedOnlyWhenNoServerAnswered)
{
  auto e = domain();
  e.policy_addresses = {"192.0.2.1", "192.0.2.2"};
  e.fetches = {fetch("192.0.2.1", net::FetchFailure::connect),
               fetch("192.0.2.2", net::FetchFailure::none, k_enforce)};
  auto view = check::sender_view(e, t0);
  EXPECT_EQ(view.reply, "OK secure match=mx1.example.test servername=hostname");
  EXPECT_EQ(check::sender_json(view).at("applied"), true);
  e.fetches[0] = fetch("192.0.2.1", net::FetchFailure::http_status);
  view = check::sender_view(e, t0);
  EXPECT_EQ(view.reply, "NOTFOUND ");
  const auto json = check::sender_json(view);
  EXPECT_EQ(json.at("reason"), "fetch-failed");
  EXPECT_EQ(json.at("failure"), "sts-policy-fetch-error");
}

TEST(CheckSenderView, EveryMxWithDaneIsDaneOnly)
{
  auto e = domain();
  e.mx.dnssec = net::DnssecStatus::secure;
  e.mx_hosts[0].tlsa =
      answer("_25._tcp.mx1.example.test", {tlsa_rdata()}, net::DnssecStatus::secure);
  EXPECT_EQ(check::sender_view(e, t0).reply, "OK dane-only");
}

TEST(CheckSenderView, NoRecordIsNoPolicy)
{
  auto e = domain();
  e.sts_txt = answer("_mta-sts.example.test", {});
  e.sts_txt.nxdomain = true;
  const auto view = check::sender_view(e, t0);
  EXPECT_EQ(view.reply, "NOTFOUND ");
  const auto json = check::sender_json(view);
  EXPECT_EQ(json.at("reason"), "no-policy");
  EXPECT_TRUE(json.at("failure").is_null());
  EXPECT_TRUE(json.at("policy").is_null());
}

} // namespace
