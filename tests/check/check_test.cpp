// check::check_domain against a whole test world: NSD serving one zone per scenario, nginx policy
// hosts selected by SNI on 127.0.0.10 and STARTTLS receivers on 127.0.0.2x, all in a private
// network namespace. Every scenario asserts the exact set of problem codes and severities; one
// test runs the real `mtasts check --json` binary in the same namespace.
#include <mtasts/check/checker.hpp>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../world/pki.hpp"
#include "../world/smtp_receiver.hpp"
#include "../world/world.hpp"
#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace {

using namespace mtasts;
using testworld::SmtpBehaviour;

const std::string k_policy_address = "127.0.0.10";
const std::string k_good_mx = "127.0.0.20";
const std::string k_no_starttls_mx = "127.0.0.21";
const std::string k_expired_mx = "127.0.0.22";
const std::string k_dane_mx = "127.0.0.23"; // certificate for mx1.<every dane scenario>.test
const std::string k_second_policy_address = "127.0.0.11"; // Scenario::second_policy_body
const std::string k_provider_address = "127.0.0.12";      // mta-sts.provider.test
const std::string k_rua_address = "127.0.0.13";           // tlsrpt.<name>.test (https rua sites)
const std::string k_closed_address = "127.0.0.14";        // nothing listens here

std::string policy(const std::string& mode, const std::string& mx,
                   const std::string& max_age = "86400")
{
  return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: " + max_age + "\r\n";
}

// One scenario: a zone `<name>.test` and, unless `policy_body` is empty, a policy host.
struct Scenario
{
  std::string name;
  std::vector<std::string> records; // zone lines beyond the defaults below
  std::string policy_body;
  bool sts_record = true;
  bool tlsrpt_record = true;
  std::string mx = "mx1.good.test.";
  std::string content_type = "text/plain";
  std::string redirect_to;
  bool wrong_certificate = false;
  // DANE scenarios: the MX is mx1.<name>.test at k_dane_mx with a TLSA "3 1 1" record at
  // _25._tcp.mx1 (RFC 7672). "match": the receiver's SPKI digest, signed zone; "mismatch": a
  // wrong digest, signed; "bogus": the right digest, tampered after signing; "insecure": the
  // right digest in an unsigned zone.
  std::string dane;
  // The policy host's certificate; none: one for exactly the site's host name.
  std::optional<testworld::CertificateRequest> policy_certificate;
  int policy_status = 200;
  // Non-empty: `mta-sts` is a CNAME to this name instead of an A record, and the site is
  // `site_host` at `policy_address` (a provider's host serving several customers).
  std::string policy_cname;
  std::string site_host;
  std::string policy_address = k_policy_address;
  // Non-empty: a second A record for `mta-sts` at k_second_policy_address, serving this body.
  std::string second_policy_body;
  // Non-empty: the MX is mx1.<name>.test at this address, with its own receiver.
  std::string mx_address;
  SmtpBehaviour mx_behaviour = SmtpBehaviour::good;
  std::optional<testworld::CertificateRequest> mx_certificate; // none: for mx1.<name>.test
  bool own_run = false; // not in all_results(): checked by its own test with its own options
  // Non-empty: the zone is signed and its first record of this type ("TXT": `_mta-sts`, "MX")
  // is tampered with after signing, so validating resolvers see it as bogus.
  std::string bogus;
  // Non-empty: the `_smtp._tls` rua value instead of mailto:tlsrpt@<name>.test.
  std::string rua;
  // Set: an HTTPS site tlsrpt.<name>.test at k_rua_address with this certificate (the rua
  // endpoint of `rua`), and its A record.
  std::optional<testworld::CertificateRequest> rua_certificate;
};

// Policy-host certificates are issued for 90 days, well past the 30-day expiry warning.
testworld::CertificateRequest long_lived(testworld::CertificateRequest request)
{
  request.valid_until = std::chrono::hours(24 * 90);
  return request;
}

Scenario make(std::string name, std::string policy_body)
{
  Scenario scenario;
  scenario.name = std::move(name);
  scenario.policy_body = std::move(policy_body);
  return scenario;
}

std::vector<Scenario> scenarios()
{
  const auto enforce = policy("enforce", "mx1.good.test");
  std::vector<Scenario> list;
  list.push_back(make("good", enforce));
  auto notxt = make("notxt", enforce);
  notxt.sts_record = false;
  notxt.tlsrpt_record = false;
  list.push_back(notxt);
  auto twotxt = make("twotxt", enforce);
  twotxt.records = {"_mta-sts IN TXT \"v=STSv1; id=second\""};
  list.push_back(twotxt);
  auto redirect = make("redirect", enforce);
  redirect.redirect_to = "https://elsewhere.test/.well-known/mta-sts.txt";
  list.push_back(redirect);
  auto html = make("html", enforce);
  html.content_type = "text/html";
  list.push_back(html);
  auto wrongname = make("wrongname", enforce);
  wrongname.wrong_certificate = true;
  list.push_back(wrongname);
  list.push_back(make("uncovered", policy("enforce", "mx9.elsewhere.test")));
  list.push_back(make("uncoveredtesting", policy("testing", "mx9.elsewhere.test")));
  auto no_starttls = make("nostarttls", policy("enforce", "mx1.nostarttls.test"));
  no_starttls.records = {"mx1 IN A " + k_no_starttls_mx};
  no_starttls.mx = "mx1.nostarttls.test.";
  list.push_back(no_starttls);
  auto expired = make("expiredmx", policy("enforce", "mx1.expiredmx.test"));
  expired.records = {"mx1 IN A " + k_expired_mx};
  expired.mx = "mx1.expiredmx.test.";
  list.push_back(expired);
  auto notlsrpt = make("notlsrpt", enforce);
  notlsrpt.tlsrpt_record = false;
  list.push_back(notlsrpt);
  list.push_back(make("shortcert", policy("enforce", "mx1.good.test", "31557600")));
  for (const std::string dane : {"match", "mismatch", "bogus", "insecure"}) {
    auto scenario = make("dane" + dane, policy("enforce", "mx1.dane" + dane + ".test"));
    scenario.dane = dane;
    scenario.mx = "mx1.dane" + dane + ".test.";
    list.push_back(scenario);
  }
  auto dane_uncovered = make("daneuncovered", policy("testing", "mx9.elsewhere.test"));
  dane_uncovered.dane = "match";
  dane_uncovered.mx = "mx1.daneuncovered.test.";
  list.push_back(dane_uncovered);
  auto notfound = make("notfound", enforce);
  notfound.policy_status = 404;
  list.push_back(notfound);
  auto toolarge = make("toolarge", enforce);
  while (toolarge.policy_body.size() < 70 * 1024) {
    toolarge.policy_body += "mx: mx1.good.test\r\n";
  }
  list.push_back(toolarge);
  auto expiredpolicy = make("expiredpolicy", enforce);
  expiredpolicy.policy_certificate = testworld::CertificateRequest{
      "mta-sts.expiredpolicy.test", {"mta-sts.expiredpolicy.test"}, {}};
  expiredpolicy.policy_certificate->valid_from = -std::chrono::hours(48);
  expiredpolicy.policy_certificate->valid_until = -std::chrono::hours(24);
  list.push_back(expiredpolicy);
  auto selfsignedpolicy = make("selfsignedpolicy", enforce);
  selfsignedpolicy.policy_certificate = testworld::CertificateRequest{
      "mta-sts.selfsignedpolicy.test", {"mta-sts.selfsignedpolicy.test"}, {}};
  selfsignedpolicy.policy_certificate->self_signed = true;
  list.push_back(selfsignedpolicy);
  // Both bodies are valid and equally healthy; only max_age differs.
  auto twoaddr = make("twoaddr", enforce);
  twoaddr.second_policy_body = policy("enforce", "mx1.good.test", "604800");
  list.push_back(twoaddr);
  // RFC 8461 §8.2: a delegated policy host must still present a certificate for
  // mta-sts.<customer>. cnamebad meets the provider's default site (its own name only);
  // cnamegood has an SNI site whose certificate also names the customer.
  auto cnamebad = make("cnamebad", enforce);
  cnamebad.policy_cname = "mta-sts.provider.test.";
  cnamebad.site_host = "mta-sts.provider.test";
  cnamebad.policy_address = k_provider_address;
  list.push_back(cnamebad);
  auto cnamegood = make("cnamegood", enforce);
  cnamegood.policy_cname = "mta-sts.provider.test.";
  cnamegood.site_host = "mta-sts.cnamegood.test";
  cnamegood.policy_address = k_provider_address;
  cnamegood.policy_certificate = long_lived(testworld::CertificateRequest{
      "mta-sts.provider.test", {"mta-sts.provider.test", "mta-sts.cnamegood.test"}, {}});
  list.push_back(cnamegood);
  const auto own_mx = [&](const std::string& name, const std::string& address) {
    auto scenario = make(name, policy("enforce", "mx1." + name + ".test"));
    scenario.mx = "mx1." + name + ".test.";
    scenario.mx_address = address;
    return scenario;
  };
  auto mxwrongname = own_mx("mxwrongname", "127.0.0.24");
  mxwrongname.mx_certificate =
      testworld::CertificateRequest{"mx1.other.test", {"mx1.other.test"}, {}};
  list.push_back(mxwrongname);
  auto mxselfsigned = own_mx("mxselfsigned", "127.0.0.25");
  mxselfsigned.mx_certificate =
      testworld::CertificateRequest{"mx1.mxselfsigned.test", {"mx1.mxselfsigned.test"}, {}};
  mxselfsigned.mx_certificate->self_signed = true;
  list.push_back(mxselfsigned);
  auto mxwildcard = own_mx("mxwildcard", "127.0.0.26");
  mxwildcard.mx_certificate =
      testworld::CertificateRequest{"*.mxwildcard.test", {"*.mxwildcard.test"}, {}};
  list.push_back(mxwildcard);
  auto badtlsrpt = make("badtlsrpt", enforce);
  badtlsrpt.tlsrpt_record = false;
  badtlsrpt.records = {"_smtp._tls IN TXT \"v=TLSRPTv1; rua=tlsrpt@x.test\""};
  list.push_back(badtlsrpt);
  auto drip = own_mx("drip", "127.0.0.27");
  drip.mx_behaviour = SmtpBehaviour::drip;
  drip.own_run = true;
  list.push_back(drip);
  // RFC 8460 §3 https: rua endpoints, contacted as a report submitter would (no POST).
  const auto rua_scenario = [&](const std::string& name, const std::string& certificate_name) {
    auto scenario = make(name, enforce);
    scenario.rua = "mailto:tlsrpt@" + name + ".test,https://tlsrpt." + name + ".test/v1/report";
    scenario.rua_certificate = long_lived({certificate_name, {certificate_name}, {}});
    return scenario;
  };
  list.push_back(rua_scenario("ruagood", "tlsrpt.ruagood.test"));
  list.push_back(rua_scenario("ruawrongname", "tlsrpt.other.test"));
  auto ruaselfsigned = rua_scenario("ruaselfsigned", "tlsrpt.ruaselfsigned.test");
  ruaselfsigned.rua_certificate->self_signed = true;
  list.push_back(ruaselfsigned);
  auto ruadown = make("ruadown", enforce);
  ruadown.rua = "https://nowhere.ruadown.test/r,https://closed.ruadown.test:8443/r";
  ruadown.records = {"closed IN A " + k_closed_address};
  list.push_back(ruadown);
  // Bogus DNSSEC (RFC 8460 §4.3.2.1): validating senders see no policy, or no MX.
  auto bogussts = make("bogussts", enforce);
  bogussts.bogus = "TXT";
  list.push_back(bogussts);
  auto bogusmx = make("bogusmx", enforce);
  bogusmx.bogus = "MX";
  list.push_back(bogusmx);
  auto expiringpolicy = make("expiringpolicy", enforce);
  expiringpolicy.policy_certificate = testworld::CertificateRequest{
      "mta-sts.expiringpolicy.test", {"mta-sts.expiringpolicy.test"}, {}};
  expiringpolicy.policy_certificate->valid_until = std::chrono::hours(24 * 10);
  list.push_back(expiringpolicy);
  return list;
}

testworld::PolicySite site(std::string host, const testworld::CertificateFiles& files,
                           std::string body)
{
  testworld::PolicySite result;
  result.host = std::move(host);
  result.address = k_policy_address;
  result.certificate = files.certificate;
  result.key = files.key;
  result.body = std::move(body);
  return result;
}

class CheckWorld : public ::testing::Environment
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
      return files ? *files : testworld::CertificateFiles{};
    };
    const auto named = [](const std::string& name) {
      return long_lived(testworld::CertificateRequest{name, {name}, {}});
    };

    // The TLSA data is the digest of a certificate that exists: issue it before the zones.
    testworld::CertificateRequest dane_request{"mx1.danematch.test", {}, {}};
    for (const auto& scenario : scenarios()) {
      if (!scenario.dane.empty()) {
        dane_request.dns_names.push_back("mx1." + scenario.name + ".test");
      }
    }
    const auto dane_files = issue("mx-dane", dane_request);
    const auto spki = testworld::spki_sha256_hex(dane_files.certificate);
    ASSERT_TRUE(spki) << spki.error();
    std::string wrong_spki = *spki;
    wrong_spki.back() = wrong_spki.back() == '0' ? '1' : '0';

    std::vector<testworld::Zone> zones;
    std::vector<testworld::PolicySite> sites;
    const auto fallback = issue("fallback", named("fallback.invalid"));
    sites.push_back(site("fallback.invalid", fallback, "not a policy"));
    for (const auto& scenario : scenarios()) {
      const std::string domain = scenario.name + ".test";
      testworld::Zone zone;
      zone.origin = domain;
      zone.records = scenario.records;
      zone.signed_zone = scenario.name == "good" || !scenario.bogus.empty() ||
                         (!scenario.dane.empty() && scenario.dane != "insecure");
      if (!scenario.bogus.empty()) {
        zone.break_after_signing = true;
        zone.break_type = scenario.bogus;
      }
      if (!scenario.dane.empty()) {
        zone.records.push_back("mx1 IN A " + k_dane_mx);
        zone.records.push_back("_25._tcp.mx1 IN TLSA 3 1 1 " +
                               (scenario.dane == "mismatch" ? wrong_spki : *spki));
        zone.break_after_signing = scenario.dane == "bogus";
        zone.break_type = "TLSA";
      }
      zone.records.push_back("@ IN MX 10 " + scenario.mx);
      if (scenario.policy_cname.empty()) {
        zone.records.push_back("mta-sts IN A " + k_policy_address);
      } else {
        zone.records.push_back("mta-sts IN CNAME " + scenario.policy_cname);
      }
      if (!scenario.second_policy_body.empty()) {
        zone.records.push_back("mta-sts IN A " + k_second_policy_address);
      }
      if (!scenario.mx_address.empty()) {
        zone.records.push_back("mx1 IN A " + scenario.mx_address);
      }
      if (scenario.sts_record) {
        zone.records.push_back("_mta-sts IN TXT \"v=STSv1; id=20261123T000000Z\"");
      }
      if (scenario.tlsrpt_record) {
        const std::string rua = scenario.rua.empty() ? "mailto:tlsrpt@" + domain : scenario.rua;
        zone.records.push_back("_smtp._tls IN TXT \"v=TLSRPTv1; rua=" + rua + "\"");
      }
      if (scenario.rua_certificate) {
        zone.records.push_back("tlsrpt IN A " + k_rua_address);
        const std::string rua_host = "tlsrpt." + domain;
        auto rua_site =
            site(rua_host, issue("rua-" + scenario.name, *scenario.rua_certificate), "reports");
        rua_site.address = k_rua_address;
        sites.push_back(std::move(rua_site));
      }
      if (scenario.name == "good") {
        zone.records.push_back("mx1 IN A " + k_good_mx);
      }
      zones.push_back(std::move(zone));

      const std::string host = "mta-sts." + domain;
      const std::string site_host = scenario.site_host.empty() ? host : scenario.site_host;
      const auto files =
          issue(scenario.name, scenario.policy_certificate.value_or(
                                   named(scenario.wrong_certificate ? domain : site_host)));
      auto policy_site = site(site_host, files, scenario.policy_body);
      policy_site.address = scenario.policy_address;
      policy_site.status = scenario.policy_status;
      policy_site.content_type = scenario.content_type;
      policy_site.redirect_to = scenario.redirect_to;
      sites.push_back(policy_site);
      if (!scenario.second_policy_body.empty()) {
        policy_site.address = k_second_policy_address;
        policy_site.body = scenario.second_policy_body;
        sites.push_back(std::move(policy_site));
      }
    }
    testworld::Zone provider;
    provider.origin = "provider.test";
    provider.records = {"mta-sts IN A " + k_provider_address};
    zones.push_back(std::move(provider));
    auto nsd = testworld::Nsd::start(s_scratch.path() / "dns", zones);
    ASSERT_TRUE(nsd) << nsd.error();
    s_nsd.emplace(std::move(*nsd));
    auto nginx = testworld::Nginx::start(s_scratch.path() / "web", sites);
    ASSERT_TRUE(nginx) << nginx.error();
    s_nginx.emplace(std::move(*nginx));

    auto expired_request = named("mx1.expiredmx.test");
    expired_request.valid_from = -std::chrono::hours(48);
    expired_request.valid_until = -std::chrono::hours(24);
    const auto start = [&](const std::string& address, SmtpBehaviour behaviour,
                           const testworld::CertificateFiles& files) {
      testworld::SmtpReceiverOptions options;
      options.address = address;
      options.behaviour = behaviour;
      options.certificate = files.certificate;
      options.key = files.key;
      auto receiver = testworld::SmtpReceiver::start(options);
      ASSERT_TRUE(receiver) << receiver.error();
      s_receivers.push_back(std::move(*receiver));
    };
    start(k_good_mx, SmtpBehaviour::good, issue("mx-good", named("mx1.good.test")));
    start(k_no_starttls_mx, SmtpBehaviour::no_starttls,
          issue("mx-nostarttls", named("mx1.nostarttls.test")));
    start(k_expired_mx, SmtpBehaviour::good, issue("mx-expired", expired_request));
    start(k_dane_mx, SmtpBehaviour::good, dane_files);
    for (const auto& scenario : scenarios()) {
      if (!scenario.mx_address.empty()) {
        const std::string mx = "mx1." + scenario.name + ".test";
        start(scenario.mx_address, scenario.mx_behaviour,
              issue("mx-" + scenario.name, scenario.mx_certificate.value_or(named(mx))));
      }
    }
    s_ca_file = ca->ca_file();
  }
  void TearDown() override
  {
    s_receivers.clear();
    s_nginx.reset();
    s_nsd.reset();
  }

  static testworld::ScratchDir s_scratch;
  static std::optional<testworld::Nsd> s_nsd;
  static std::optional<testworld::Nginx> s_nginx;
  static std::vector<testworld::SmtpReceiver> s_receivers;
  static std::filesystem::path s_ca_file;
};

testworld::ScratchDir CheckWorld::s_scratch;
std::optional<testworld::Nsd> CheckWorld::s_nsd;
std::optional<testworld::Nginx> CheckWorld::s_nginx;
std::vector<testworld::SmtpReceiver> CheckWorld::s_receivers;
std::filesystem::path CheckWorld::s_ca_file;
const auto* const k_world = ::testing::AddGlobalTestEnvironment(new CheckWorld);

check::CheckOptions world_options()
{
  check::CheckOptions options;
  options.dns.servers = {CheckWorld::s_nsd->server()};
  options.dns.trust_anchor_file = CheckWorld::s_nsd->trust_anchors().string();
  options.dns.timeout = std::chrono::seconds(3);
  options.ca_file = CheckWorld::s_ca_file.string();
  options.timeout = std::chrono::seconds(3);
  return options;
}

// Every scenario checked once, concurrently on one io_context; results by domain.
const std::map<std::string, check::DomainResult>& all_results()
{
  static const auto results = [] {
    std::vector<std::string> domains;
    for (const auto& scenario : scenarios()) {
      if (!scenario.own_run) {
        domains.push_back(scenario.name + ".test");
      }
    }
    auto options = world_options();
    options.concurrency = 4;
    auto run = check::run_checks(options, domains);
    EXPECT_TRUE(run) << run.error();
    std::map<std::string, check::DomainResult> by_domain;
    if (run) {
      const auto* checked = &run->results;
      EXPECT_TRUE(run->dnssec.validated) << run->dnssec.detail;
      EXPECT_EQ(checked->size(), domains.size());
      for (std::size_t i = 0; i < checked->size(); ++i) {
        EXPECT_EQ((*checked)[i].domain, domains[i]) << "results must keep the input order";
        by_domain[domains[i]] = (*checked)[i];
      }
    }
    return by_domain;
  }();
  return results;
}

// "code:severity" of every problem, sorted.
std::vector<std::string> codes(const std::string& domain)
{
  std::vector<std::string> list;
  const auto& results = all_results();
  const auto found = results.find(domain);
  if (found == results.end()) {
    ADD_FAILURE() << "no result for " << domain;
    return list;
  }
  for (const auto& problem : found->second.problems) {
    list.push_back(problem.code + ":" + std::string(core::severity_name(problem.severity)));
  }
  std::ranges::sort(list);
  return list;
}

using Codes = std::vector<std::string>;

const check::Problem* find_problem(const std::string& domain, const std::string& code)
{
  const auto& problems = all_results().at(domain).problems;
  const auto found = std::ranges::find(problems, code, &check::Problem::code);
  return found == problems.end() ? nullptr : &*found;
}

} // namespace

// --- failures first ----------------------------------------------------------------------------

TEST(Check, NoStsRecord)
{
  EXPECT_EQ(codes("notxt.test"), Codes{"sts-record-missing:error"});
  EXPECT_FALSE(all_results().at("notxt.test").ok());
}

TEST(Check, TwoStsRecordCandidates)
{
  EXPECT_EQ(codes("twotxt.test"),
            (Codes{"multiple-sts-records:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("twotxt.test", "multiple-sts-records");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("records").as_array().size(), 2U);
}

TEST(Check, RedirectIsAFetchError)
{
  EXPECT_EQ(codes("redirect.test"),
            (Codes{"sts-policy-fetch-error:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("redirect.test", "sts-policy-fetch-error");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("status").as_int64(), 301);
  EXPECT_EQ(problem->evidence.at("location").as_string(),
            "https://elsewhere.test/.well-known/mta-sts.txt");
  EXPECT_EQ(problem->evidence.at("address").as_string(), k_policy_address.c_str());
}

TEST(Check, HtmlPolicyIsInvalid)
{
  EXPECT_EQ(codes("html.test"), (Codes{"sts-policy-invalid:error", "tlsrpt-record-valid:info"}));
  EXPECT_EQ(find_problem("html.test", "sts-policy-invalid")->evidence.at("content_type"),
            "text/html");
}

TEST(Check, WrongNamePolicyCertificate)
{
  EXPECT_EQ(codes("wrongname.test"),
            (Codes{"sts-webpki-invalid:error", "tlsrpt-record-valid:info"}));
  const auto& tls = find_problem("wrongname.test", "sts-webpki-invalid")->evidence.at("tls");
  EXPECT_EQ(tls.at("certificate").at("san_dns_names").as_array().at(0), "wrongname.test");
}

TEST(Check, MxNotCoveredUnderEnforceIsAnError)
{
  EXPECT_EQ(codes("uncovered.test"), (Codes{"mx-not-covered:error", "mx-pattern-unused:warning",
                                            "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("uncovered.test", "mx-not-covered");
  EXPECT_EQ(problem->evidence.at("mx"), "mx1.good.test");
  EXPECT_EQ(problem->evidence.at("result_type"), "validation-failure");
}

TEST(Check, MxNotCoveredUnderTestingIsAWarning)
{
  EXPECT_EQ(codes("uncoveredtesting.test"),
            (Codes{"mx-not-covered:warning", "mx-pattern-unused:warning", "testing-mode:info",
                   "tlsrpt-record-valid:info"}));
  EXPECT_TRUE(all_results().at("uncoveredtesting.test").ok());
}

TEST(Check, MxWithoutStarttls)
{
  EXPECT_EQ(codes("nostarttls.test"),
            (Codes{"starttls-not-supported:error", "tlsrpt-record-valid:info"}));
  EXPECT_EQ(find_problem("nostarttls.test", "starttls-not-supported")->evidence.at("address"),
            k_no_starttls_mx.c_str());
}

TEST(Check, MxWithExpiredCertificate)
{
  EXPECT_EQ(codes("expiredmx.test"),
            (Codes{"certificate-expired:error", "tlsrpt-record-valid:info"}));
}

TEST(Check, MxCertificateExpiresBeforeMaxAge)
{
  EXPECT_EQ(codes("shortcert.test"),
            (Codes{"certificate-expires-before-max-age:warning", "tlsrpt-record-valid:info"}));
}

TEST(Check, TlsrptMissingIsAWarning)
{
  EXPECT_EQ(codes("notlsrpt.test"), Codes{"tlsrpt-record-missing:warning"});
  EXPECT_TRUE(all_results().at("notlsrpt.test").ok());
}

TEST(Check, InvalidDomainName)
{
  auto run = check::run_checks(world_options(), {"a..b"});
  ASSERT_TRUE(run) << run.error();
  auto* results = &run->results;
  ASSERT_EQ(results->size(), 1U);
  ASSERT_EQ(results->front().problems.size(), 1U);
  EXPECT_EQ(results->front().problems.front().code, "domain-invalid");
}

TEST(Check, DaneMismatchingTlsaIsTlsaInvalidEvenWhenPkixPasses)
{
  // RFC 8461 §2: the PKIX-valid certificate satisfies MTA-STS, but a DANE sender finds no TLSA
  // record matching it (dane_result_type: failed / no-match -> tlsa-invalid).
  EXPECT_EQ(codes("danemismatch.test"), (Codes{"tlsa-invalid:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("danemismatch.test", "tlsa-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("address"), k_dane_mx.c_str());
  EXPECT_EQ(problem->evidence.at("result_type"), "tlsa-invalid");
  EXPECT_EQ(problem->evidence.at("dane").at("verdict"), "failed");
  EXPECT_EQ(problem->evidence.at("dane").at("failure"), "no-match");
  EXPECT_EQ(problem->evidence.at("tlsa").at("dnssec"), "secure");
  EXPECT_EQ(problem->evidence.at("tlsa").at("records").as_array().size(), 1U);
}

TEST(Check, DaneBogusTlsaIsDnssecInvalid)
{
  EXPECT_EQ(codes("danebogus.test"), (Codes{"dnssec-invalid:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("danebogus.test", "dnssec-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("dnssec"), "bogus");
  EXPECT_EQ(problem->evidence.at("mx"), "mx1.danebogus.test");
  EXPECT_EQ(problem->evidence.at("name"), "_25._tcp.mx1.danebogus.test");
}

TEST(Check, PolicyNotFound)
{
  EXPECT_EQ(codes("notfound.test"),
            (Codes{"sts-policy-fetch-error:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("notfound.test", "sts-policy-fetch-error");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("status").as_int64(), 404);
  EXPECT_EQ(problem->evidence.at("failure"), "http-status");
}

TEST(Check, PolicyBodyTooLarge)
{
  EXPECT_EQ(codes("toolarge.test"),
            (Codes{"sts-policy-fetch-error:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("toolarge.test", "sts-policy-fetch-error");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("failure"), "too-large");
}

TEST(Check, ExpiredPolicyCertificate)
{
  EXPECT_EQ(codes("expiredpolicy.test"),
            (Codes{"sts-webpki-invalid:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("expiredpolicy.test", "sts-webpki-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("failure"), "certificate");
  EXPECT_EQ(problem->evidence.at("tls").at("chain"), "expired");
}

TEST(Check, SelfSignedPolicyCertificate)
{
  EXPECT_EQ(codes("selfsignedpolicy.test"),
            (Codes{"sts-webpki-invalid:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("selfsignedpolicy.test", "sts-webpki-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("tls").at("chain"), "untrusted");
}

TEST(Check, PolicyDiffersBetweenAddresses)
{
  EXPECT_EQ(codes("twoaddr.test"),
            (Codes{"policy-differs-between-addresses:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("twoaddr.test", "policy-differs-between-addresses");
  ASSERT_NE(problem, nullptr);
  std::vector<std::string> addresses;
  for (const auto& body : problem->evidence.at("bodies").as_array()) {
    addresses.emplace_back(body.at("address").as_string());
  }
  std::ranges::sort(addresses);
  EXPECT_EQ(addresses, (std::vector<std::string>{k_policy_address, k_second_policy_address}));
}

TEST(Check, CnameDelegatedPolicyHostNeedsTheCustomerName)
{
  EXPECT_EQ(codes("cnamebad.test"),
            (Codes{"sts-webpki-invalid:error", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("cnamebad.test", "sts-webpki-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("address"), k_provider_address.c_str());
  EXPECT_EQ(problem->evidence.at("host"), "mta-sts.cnamebad.test");
  EXPECT_EQ(problem->evidence.at("tls").at("certificate").at("san_dns_names").as_array().at(0),
            "mta-sts.provider.test");
  EXPECT_EQ(problem->evidence.at("tls").at("chain"), "trusted");
  EXPECT_EQ(problem->evidence.at("tls").at("identity_matched"), false);
}

TEST(Check, MxCertificateForAnotherName)
{
  EXPECT_EQ(codes("mxwrongname.test"),
            (Codes{"certificate-host-mismatch:error", "tlsrpt-record-valid:info"}));
}

TEST(Check, MxSelfSignedCertificate)
{
  EXPECT_EQ(codes("mxselfsigned.test"),
            (Codes{"certificate-not-trusted:error", "tlsrpt-record-valid:info"}));
}

TEST(Check, InvalidTlsrptRecord)
{
  EXPECT_EQ(codes("badtlsrpt.test"), Codes{"tlsrpt-record-invalid:error"});
  EXPECT_FALSE(all_results().at("badtlsrpt.test").ok());
  const auto* problem = find_problem("badtlsrpt.test", "tlsrpt-record-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("parser_code"), "rua-no-scheme");
}

TEST(Check, DrippingMxTimesOutWithinTheDeadline)
{
  auto options = world_options();
  options.timeout = std::chrono::milliseconds(500);
  const auto started = std::chrono::steady_clock::now();
  auto run = check::run_checks(options, {"drip.test"});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(run) << run.error();
  auto* results = &run->results;
  ASSERT_EQ(results->size(), 1U);
  std::vector<std::string> list;
  for (const auto& problem : results->front().problems) {
    list.push_back(problem.code + ":" + std::string(core::severity_name(problem.severity)));
  }
  std::ranges::sort(list);
  EXPECT_EQ(list, (Codes{"mx-unreachable:warning", "tlsrpt-record-valid:info"}));
  const auto& problems = results->front().problems;
  const auto found = std::ranges::find(problems, "mx-unreachable", &check::Problem::code);
  ASSERT_NE(found, problems.end());
  EXPECT_EQ(found->evidence.at("failure"), "timeout");
  EXPECT_EQ(found->evidence.at("address"), "127.0.0.27");
  // The checker's own deadlines (3 x 500 ms per probe) cut the peer off; without them the
  // dialogue would last until the receiver gives up after 10 s. The bound is loose on purpose:
  // it proves the cut-off without turning machine load into a failure.
  EXPECT_LT(elapsed, std::chrono::seconds(8));
}

TEST(Check, RuaHttpsEndpointWithAnotherNamesCertificate)
{
  EXPECT_EQ(codes("ruawrongname.test"),
            (Codes{"tlsrpt-https-certificate-invalid:warning", "tlsrpt-record-valid:info"}));
  EXPECT_TRUE(all_results().at("ruawrongname.test").ok());
  const auto* problem = find_problem("ruawrongname.test", "tlsrpt-https-certificate-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("uri"), "https://tlsrpt.ruawrongname.test/v1/report");
  EXPECT_EQ(problem->evidence.at("host"), "tlsrpt.ruawrongname.test");
  EXPECT_EQ(problem->evidence.at("address"), k_rua_address.c_str());
  EXPECT_EQ(problem->evidence.at("result_type"), "certificate-host-mismatch");
  EXPECT_EQ(problem->evidence.at("tls").at("chain"), "trusted");
  EXPECT_EQ(problem->evidence.at("tls").at("certificate").at("san_dns_names").as_array().at(0),
            "tlsrpt.other.test");
}

TEST(Check, RuaHttpsEndpointWithUntrustedCertificate)
{
  EXPECT_EQ(codes("ruaselfsigned.test"),
            (Codes{"tlsrpt-https-certificate-invalid:warning", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("ruaselfsigned.test", "tlsrpt-https-certificate-invalid");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("result_type"), "certificate-not-trusted");
  EXPECT_EQ(problem->evidence.at("tls").at("chain"), "untrusted");
  EXPECT_FALSE(problem->evidence.at("tls").at("certificate").at("not_after").as_string().empty());
}

TEST(Check, RuaHttpsEndpointsWithoutAddressOrListener)
{
  EXPECT_EQ(codes("ruadown.test"),
            (Codes{"tlsrpt-https-unreachable:warning", "tlsrpt-https-unreachable:warning",
                   "tlsrpt-record-valid:info"}));
  EXPECT_TRUE(all_results().at("ruadown.test").ok());
  std::vector<const check::Problem*> unreachable;
  for (const auto& problem : all_results().at("ruadown.test").problems) {
    if (problem.code == "tlsrpt-https-unreachable") {
      unreachable.push_back(&problem);
    }
  }
  ASSERT_EQ(unreachable.size(), 2U);
  // In rua order: the name without an address, then the address where nothing listens.
  EXPECT_EQ(unreachable[0]->evidence.at("uri"), "https://nowhere.ruadown.test/r");
  EXPECT_EQ(unreachable[0]->evidence.at("failure"), "no-address");
  EXPECT_EQ(unreachable[0]->evidence.at("a").at("nxdomain"), true);
  EXPECT_EQ(unreachable[1]->evidence.at("uri"), "https://closed.ruadown.test:8443/r");
  EXPECT_EQ(unreachable[1]->evidence.at("failure"), "connect");
  EXPECT_EQ(unreachable[1]->evidence.at("address"), k_closed_address.c_str());
  EXPECT_EQ(unreachable[1]->evidence.at("port"), 8443);
}

TEST(Check, PolicyHostCertificateExpiringWithinThirtyDays)
{
  EXPECT_EQ(codes("expiringpolicy.test"),
            (Codes{"policy-host-certificate-expires-soon:warning", "tlsrpt-record-valid:info"}));
  EXPECT_TRUE(all_results().at("expiringpolicy.test").ok());
  const auto* problem = find_problem("expiringpolicy.test", "policy-host-certificate-expires-soon");
  ASSERT_NE(problem, nullptr);
  const auto days_left = problem->evidence.at("days_left").as_int64();
  EXPECT_GE(days_left, 9);
  EXPECT_LE(days_left, 10);
  EXPECT_EQ(problem->evidence.at("not_after"),
            problem->evidence.at("tls").at("certificate").at("not_after"));
  EXPECT_EQ(problem->evidence.at("address"), k_policy_address.c_str());
  EXPECT_NE(problem->message.find("sts-webpki-invalid"), std::string::npos) << problem->message;
  EXPECT_NE(problem->message.find("max_age (86400 s)"), std::string::npos) << problem->message;
}

// --- success -----------------------------------------------------------------------------------

TEST(Check, RuaHttpsEndpointReachable)
{
  // The mailto: URI is not contacted: one finding, for the https: URI.
  EXPECT_EQ(codes("ruagood.test"),
            (Codes{"tlsrpt-https-reachable:info", "tlsrpt-record-valid:info"}));
  const auto* problem = find_problem("ruagood.test", "tlsrpt-https-reachable");
  ASSERT_NE(problem, nullptr);
  EXPECT_EQ(problem->evidence.at("host"), "tlsrpt.ruagood.test");
  EXPECT_EQ(problem->evidence.at("address"), k_rua_address.c_str());
  EXPECT_EQ(problem->evidence.at("port"), 443);
  EXPECT_EQ(problem->evidence.at("failure"), "none");
  EXPECT_EQ(problem->evidence.at("tls").at("identity_matched"), true);
  // Step order: the record's own finding comes before its endpoints'.
  const auto& problems = all_results().at("ruagood.test").problems;
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0].code, "tlsrpt-record-valid");
}

TEST(Check, OnResultReportsEveryDomainOnceAsItCompletes)
{
  auto options = world_options();
  options.concurrency = 2;
  std::vector<std::size_t> seen;
  std::vector<std::string> domains_seen;
  options.on_result = [&](std::size_t index, const check::DomainResult& result) {
    seen.push_back(index);
    domains_seen.push_back(result.domain);
  };
  const std::vector<std::string> domains{"good.test", "notxt.test", "a..b", "uncovered.test"};
  auto run = check::run_checks(options, domains);
  ASSERT_TRUE(run) << run.error();
  ASSERT_EQ(seen.size(), domains.size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(domains_seen[i], domains.at(seen[i]));
  }
  std::ranges::sort(seen);
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(Check, BogusDnssecOnTheStsRecordIsDnssecInvalid)
{
  EXPECT_EQ(codes("bogussts.test"), (Codes{"dnssec-invalid:error", "tlsrpt-record-valid:info"}));
  const auto& sender = *all_results().at("bogussts.test").sender;
  EXPECT_EQ(sender.reply, "NOTFOUND ");
  EXPECT_EQ(check::sender_json(sender).at("failure"), "dnssec-invalid");
}

TEST(Check, BogusDnssecOnTheMxRrsetIsDnssecInvalid)
{
  EXPECT_EQ(codes("bogusmx.test"), (Codes{"dnssec-invalid:error", "tlsrpt-record-valid:info"}));
}

TEST(Check, DaneMatchingTlsaIsVerified)
{
  EXPECT_EQ(codes("danematch.test"), (Codes{"dane-verified:info", "tlsrpt-record-valid:info"}));
  EXPECT_TRUE(all_results().at("danematch.test").ok());
  const auto* problem = find_problem("danematch.test", "dane-verified");
  ASSERT_NE(problem, nullptr);
  const auto& dane = problem->evidence.at("dane");
  EXPECT_EQ(dane.at("verdict"), "verified");
  EXPECT_EQ(dane.at("matched_depth"), 0);
  EXPECT_EQ(dane.at("matched_record"), problem->evidence.at("tlsa").at("records").at(0));
  EXPECT_EQ(problem->evidence.at("tlsa").at("dnssec"), "secure");
}

TEST(Check, InsecureTlsaIsIgnoredBySenders)
{
  EXPECT_EQ(codes("daneinsecure.test"),
            (Codes{"tlsa-not-dnssec:info", "tlsrpt-record-valid:info"}));
  EXPECT_TRUE(all_results().at("daneinsecure.test").ok());
}

TEST(Check, DaneMxOutsideTheStsPolicyIsAWarning)
{
  EXPECT_EQ(
      codes("daneuncovered.test"),
      (Codes{"dane-mx-not-in-sts-policy:warning", "dane-verified:info", "mx-not-covered:warning",
             "mx-pattern-unused:warning", "testing-mode:info", "tlsrpt-record-valid:info"}));
}

TEST(Check, CnameDelegatedPolicyHostWithTheCustomerName)
{
  EXPECT_EQ(codes("cnamegood.test"), Codes{"tlsrpt-record-valid:info"});
  EXPECT_TRUE(all_results().at("cnamegood.test").ok());
}

TEST(Check, WildcardMxCertificate)
{
  EXPECT_EQ(codes("mxwildcard.test"), Codes{"tlsrpt-record-valid:info"});
}

TEST(Check, HealthyDomain)
{
  EXPECT_EQ(codes("good.test"), Codes{"tlsrpt-record-valid:info"});
  const auto& result = all_results().at("good.test");
  EXPECT_TRUE(result.ok());
  ASSERT_TRUE(result.mode);
  EXPECT_EQ(*result.mode, core::PolicyMode::enforce);
}

TEST(Check, NoSmtpSkipsTheProbes)
{
  auto options = world_options();
  options.smtp = false;
  auto run = check::run_checks(options, {"expiredmx.test", "good.test"});
  ASSERT_TRUE(run) << run.error();
  auto* results = &run->results;
  ASSERT_EQ(results->size(), 2U);
  EXPECT_EQ((*results)[0].domain, "expiredmx.test");
  EXPECT_TRUE((*results)[0].ok());
  EXPECT_TRUE((*results)[1].ok());
}

#ifdef MTASTS_BINARY
TEST(CheckCli, JsonShapeAndExitCode)
{
  const std::string command =
      std::string(MTASTS_BINARY) + " check --json --dns-server " + CheckWorld::s_nsd->server() +
      " --ca-file " + CheckWorld::s_ca_file.string() + " --timeout 3 good.test uncovered.test";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  for (std::size_t n = 0; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << output;
  boost::system::error_code error;
  const auto document = boost::json::parse(output, error);
  ASSERT_FALSE(error) << output;
  EXPECT_EQ(document.at("ok"), false);
  const auto& domains = document.at("domains").as_array();
  ASSERT_EQ(domains.size(), 2U);
  EXPECT_EQ(domains[0].at("domain"), "good.test");
  EXPECT_EQ(domains[0].at("ok"), true);
  EXPECT_EQ(domains[0].at("mode"), "enforce");
  EXPECT_EQ(domains[1].at("ok"), false);
  const auto& problem = domains[1].at("problems").as_array().at(0).as_object();
  for (const char* key : {"code", "severity", "message", "evidence"}) {
    EXPECT_TRUE(problem.contains(key)) << key;
  }
}

TEST(CheckCli, TextOutputIsStreamedInInputOrderWithoutProgressWhenNotATerminal)
{
  const auto stderr_file = CheckWorld::s_scratch.path() / "check-cli-stderr.txt";
  const std::string command = std::string(MTASTS_BINARY) + " check --dns-server " +
                              CheckWorld::s_nsd->server() + " --ca-file " +
                              CheckWorld::s_ca_file.string() + " --trust-anchor " +
                              CheckWorld::s_nsd->trust_anchors().string() +
                              " --timeout 3 --concurrency 4 uncovered.test good.test notxt.test "
                              "ruagood.test danematch.test 2>" +
                              stderr_file.string();
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  for (std::size_t n = 0; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << output;
  // One block per domain, in input order, each starting with "<domain>  <mode>  <verdict>".
  std::vector<std::string> headers;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(" ")) {
      headers.push_back(line);
    }
  }
  EXPECT_EQ(headers,
            (std::vector<std::string>{"uncovered.test  enforce  FAIL", "good.test  enforce  ok",
                                      "notxt.test  no policy  FAIL", "ruagood.test  enforce  ok",
                                      "danematch.test  enforce  ok"}))
      << output;
  EXPECT_NE(output.find("  info [tlsrpt-https-reachable] "), std::string::npos) << output;
  // Standard error is a file: no progress bar, no carriage returns, no escape sequences.
  std::ifstream error_file(stderr_file);
  const std::string errors((std::istreambuf_iterator<char>(error_file)),
                           std::istreambuf_iterator<char>());
  EXPECT_EQ(errors, "");
  EXPECT_EQ(output.find('\r'), std::string::npos);
  EXPECT_EQ(output.find('\x1b'), std::string::npos);
}

// A trust anchor the DNS server cannot prime (here: a root DS, and a server authoritative only
// for the world's zones) would make every answer bogus: the check goes on without validation and
// says so, in the JSON document and on standard error.
TEST(CheckCli, SaysWhenDnssecCannotBeValidated)
{
  const auto anchor = CheckWorld::s_scratch.path() / "root-ds.txt";
  std::ofstream(anchor) << ". IN DS 20326 8 2 "
                           "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n";
  const auto stderr_file = CheckWorld::s_scratch.path() / "check-dnssec-stderr.txt";
  const auto run = [&](const std::string& extra) {
    const std::string command =
        std::string(MTASTS_BINARY) + " check " + extra + " --dns-server " +
        CheckWorld::s_nsd->server() + " --ca-file " + CheckWorld::s_ca_file.string() +
        " --trust-anchor " + anchor.string() + " --timeout 3 good.test 2>" + stderr_file.string();
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    std::array<char, 4096> buffer{};
    for (std::size_t n = 0; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
      output.append(buffer.data(), n);
    }
    const int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
    std::ifstream error_file(stderr_file);
    return std::pair{output, std::string((std::istreambuf_iterator<char>(error_file)),
                                         std::istreambuf_iterator<char>())};
  };
  const auto [text, text_errors] = run("");
  EXPECT_NE(text.find("good.test  enforce  ok"), std::string::npos) << text;
  EXPECT_NE(text_errors.find("DNSSEC was not validated"), std::string::npos) << text_errors;
  EXPECT_NE(text_errors.find("cannot prime the trust anchor"), std::string::npos) << text_errors;
  const auto [json, json_errors] = run("--json");
  EXPECT_EQ(json_errors, "");
  const auto document = boost::json::parse(json);
  EXPECT_EQ(document.at("dnssec").at("validated"), false);
  EXPECT_EQ(document.at("domains").at(0).at("ok"), true);
}

// What `mtasts check` says a sender does (its `sender` object) is what `mtasts resolver` answers
// Postfix, for every scenario: one engine. The daemon runs in this namespace with the same DNS
// server, trust anchors and CA, and an empty memory cache.
TEST(CheckCli, TheSenderAnswerIsTheResolversReplyForEveryScenario)
{
  const auto config = CheckWorld::s_scratch.path() / "resolver.toml";
  std::ofstream(config) << "[dns]\nservers = [\"" << CheckWorld::s_nsd->server()
                        << "\"]\ntrust_anchor = \"" << CheckWorld::s_nsd->trust_anchors().string()
                        << "\"\ntimeout = \"3s\"\n[tls]\nca_file = \""
                        << CheckWorld::s_ca_file.string()
                        << "\"\n[resolver]\nlisten = [\"127.0.0.1:18461\"]\ncache = \"memory:\"\n"
                        << "admin_listen = \"\"\nfetch_timeout = \"3s\"\nobserve_testing = false\n";
  auto daemon = testworld::Process::start({MTASTS_BINARY, "resolver", "--config", config.string()},
                                          CheckWorld::s_scratch.path() / "resolver.log");
  ASSERT_TRUE(daemon) << daemon.error();
  ASSERT_TRUE(testworld::wait_for_tcp("127.0.0.1", 18461, std::chrono::seconds(10)));
  const auto lookup = [](const std::string& domain) -> std::string {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(18461);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return "<no connection>";
    }
    const std::string payload = "postfix " + domain;
    const std::string request = std::to_string(payload.size()) + ":" + payload + ",";
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string reply;
    std::array<char, 4096> buffer{};
    while (reply.empty() || reply.back() != ',') {
      const auto n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        break;
      }
      reply.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto colon = reply.find(':');
    return colon == std::string::npos || reply.size() < colon + 2
               ? "<bad reply " + reply + ">"
               : reply.substr(colon + 1, reply.size() - colon - 2);
  };
  std::size_t compared = 0;
  for (const auto& [domain, result] : all_results()) {
    ASSERT_TRUE(result.sender) << domain;
    EXPECT_EQ(lookup(domain), result.sender->reply)
        << domain << ": the checker's sender says " << result.sender->answer.reason;
    ++compared;
  }
  EXPECT_GT(compared, 30U);
}
#endif
