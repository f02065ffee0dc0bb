// A real Postfix 3.7 uses the real `mtasts resolver` daemon as its TLS policy table
// (smtp_tls_policy_maps = socketmap:inet:127.0.0.1:PORT:postfix), and what happens to mail is
// read from Postfix's own log. One world for the whole file: NSD (authoritative, two
// DNSSEC-signed zones), unbound validating in front of it for Postfix (DANE needs the AD bit),
// nginx serving the MTA-STS policies, in-process STARTTLS receivers as MX hosts with
// certificates from the test CA, one daemon (SQLite cache in the scratch dir, DNS straight to
// NSD) and one Postfix (smtp_tls_security_level = may, smtp_tls_CAfile = the test CA,
// smtp_dns_support_level = dnssec).
//
// Scenarios
// 1. enf.test, enforce, MX certificate names the MX host: delivered over verified TLS.
// 2. wrong.test, enforce, MX certificate for another name: deferred, 4.7.5 "Server certificate
//    not verified".
// 3. tst.test, testing, MX certificate for another name: delivered (opportunistic TLS).
// 4. dane.test, signed, TLSA 3 1 1 of the MX's key plus an enforce policy: the daemon answers
//    `dane-only` and Postfix delivers with DANE; danebad.test, the same with a TLSA that does
//    not match: still `dane-only` (never a `secure` that overrides DANE), and Postfix defers.
// 5. nopol.test, no MTA-STS at all: NOTFOUND, delivered opportunistically.
// 6. `postmap -q` through the socketmap for every domain above, the parent-domain probes
//    (".enf.test", ".parent.test") and an address literal ("[127.0.0.20]").
// 7. Fault injection: after enf.test was delivered and wrong.test looked up, the daemon is
//    killed with SIGKILL and restarted with its DNS pointing at an address where nothing
//    listens: enf.test is still delivered verified and wrong.test still deferred (the cached
//    enforce policies are not weakened by the outage).
// 9. hosted.test: its policy is served by `mtasts serve` (the real binary, static certificate
//    from the test CA) instead of nginx: the daemon fetches it from there and Postfix delivers
//    over verified TLS.
// 8. The same outage for a DANE domain: the daemon remembers (in its store) that every MX has
//    DNSSEC-validated TLSA records and still answers `dane-only`, never `secure`, so Postfix
//    keeps deferring mail to danebad.test.
#include <gtest/gtest.h>

#include <signal.h>

#include "../world/pki.hpp"
#include "../world/postfix.hpp"
#include "../world/smtp_receiver.hpp"
#include "../world/unbound.hpp"
#include "../world/world.hpp"
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace {

using namespace mtasts;
using namespace std::chrono_literals;

const std::string k_policy_address = "127.0.0.10";
const std::string k_nsd_address = "127.0.0.53";
const std::string k_unbound_address = "127.0.0.54";
const std::string k_dead_dns = "127.0.0.99:53"; // nothing listens there
constexpr std::uint16_t k_socketmap_port = 18462;
const std::string k_admin = "127.0.0.1:19462";
const std::string k_map =
    "socketmap:inet:127.0.0.1:" + std::to_string(k_socketmap_port) + ":postfix";
const std::string k_wrong_name = "mx.elsewhere.test"; // what the wrong-name certificates name

// One receiving domain, its MX host name and that host's address (where its receiver listens).
struct Mx
{
  std::string domain;
  std::string host;
  std::string address;
};
const Mx k_enf{"enf.test", "mx1.enf.test", "127.0.0.20"};
const Mx k_wrong{"wrong.test", "mx1.wrong.test", "127.0.0.21"};
const Mx k_tst{"tst.test", "mx1.tst.test", "127.0.0.22"};
const Mx k_nopol{"nopol.test", "mx1.nopol.test", "127.0.0.23"};
const Mx k_dane{"dane.test", "mx1.dane.test", "127.0.0.24"};
const Mx k_danebad{"danebad.test", "mx1.danebad.test", "127.0.0.25"};
const Mx k_hosted{"hosted.test", "mx1.hosted.test", "127.0.0.26"};
const std::string k_serve_address = "127.0.0.11"; // mtasts serve, the policy host of hosted.test

const std::string k_enf_answer = "secure match=mx1.enf.test servername=hostname\n";
const std::string k_wrong_answer = "secure match=mx1.wrong.test servername=hostname\n";

double seconds_since(std::chrono::steady_clock::time_point start)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string read_text(const std::filesystem::path& path)
{
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string tail(const std::string& text, std::size_t size = 6000)
{
  return text.size() > size ? text.substr(text.size() - size) : text;
}

std::string policy(const std::string& mode, const std::string& mx)
{
  return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: 604800\r\n";
}

struct World
{
  testworld::ScratchDir scratch;
  std::optional<testworld::TestCa> ca;
  std::optional<testworld::Nsd> nsd;
  std::optional<testworld::Nginx> nginx;
  std::optional<testworld::Unbound> unbound;
  std::vector<testworld::SmtpReceiver> receivers;
  std::optional<testworld::Process> daemon;
  std::optional<testworld::Process> serve;
  std::optional<testworld::Postfix> postfix;
};

World* g_world = nullptr;

std::filesystem::path daemon_log()
{
  return g_world->scratch.path() / "daemon.log";
}

// Starts the daemon with the config file written by the environment, the SQLite cache in the
// scratch dir, and `extra` command-line overrides; waits until the socketmap port accepts.
std::optional<std::string> start_daemon(const std::vector<std::string>& extra = {})
{
  std::vector<std::string> argv{
      MTASTS_BINARY, "resolver",
      "--config",    (g_world->scratch.path() / "resolver.toml").string(),
      "--cache",     "sqlite://" + (g_world->scratch.path() / "cache.db").string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto process = testworld::Process::start(argv, daemon_log());
  if (!process) {
    return process.error();
  }
  g_world->daemon.emplace(std::move(*process));
  if (!testworld::wait_for_tcp("127.0.0.1", k_socketmap_port, 10s)) {
    return "the daemon did not listen: " + tail(read_text(daemon_log()));
  }
  return std::nullopt;
}

class PostfixResolverWorld : public ::testing::Environment
{
public:
  void SetUp() override
  {
    if (auto error = testworld::enter_private_network()) {
      FAIL() << *error;
    }
    g_world = new World();
    auto& w = *g_world;
    // Postfix resolves through libc: point it at the validating unbound (started below).
    if (auto error =
            testworld::use_private_resolv_conf(w.scratch.path() / "resolv", k_unbound_address)) {
      FAIL() << *error;
    }
    auto ca = testworld::TestCa::create(w.scratch.path() / "pki");
    ASSERT_TRUE(ca) << ca.error();
    w.ca.emplace(std::move(*ca));

    // MX certificates: right names, or a name that no policy and no MX lookup matches.
    std::vector<std::pair<Mx, testworld::CertificateFiles>> mxs;
    for (const auto* mx : {&k_enf, &k_wrong, &k_tst, &k_nopol, &k_dane, &k_danebad, &k_hosted}) {
      const bool wrong = mx == &k_wrong || mx == &k_tst;
      const std::string name = wrong ? k_wrong_name : mx->host;
      // dane.test's MX is self-signed: only its TLSA record can make Postfix trust it.
      testworld::CertificateRequest request{name, {name}, {}};
      request.self_signed = mx == &k_dane;
      auto files = w.ca->issue("mx-" + mx->domain, request);
      ASSERT_TRUE(files) << files.error();
      mxs.emplace_back(*mx, *files);
    }
    auto spki = testworld::spki_sha256_hex(mxs[4].second.certificate);
    ASSERT_TRUE(spki) << spki.error();
    const std::string good_tlsa = *spki;

    std::vector<testworld::PolicySite> sites;
    std::vector<testworld::Zone> zones;
    std::vector<std::string> origins;
    auto add = [&](const Mx& mx, const std::string& mode, std::vector<std::string> extra,
                   bool signed_zone) {
      testworld::Zone zone;
      zone.origin = mx.domain;
      zone.signed_zone = signed_zone;
      zone.records = {"@ IN MX 10 " + mx.host + ".",
                      mx.host.substr(0, mx.host.find('.')) + " IN A " + mx.address};
      if (!mode.empty()) {
        const std::string host = "mta-sts." + mx.domain;
        auto files =
            w.ca->issue("sts-" + mx.domain, testworld::CertificateRequest{host, {host}, {}});
        ASSERT_TRUE(files) << files.error();
        testworld::PolicySite site;
        site.host = host;
        site.address = k_policy_address;
        site.certificate = files->certificate;
        site.key = files->key;
        site.body = policy(mode, mx.host);
        sites.push_back(site);
        zone.records.push_back("_mta-sts IN TXT \"v=STSv1; id=" + mode + "1\"");
        zone.records.push_back("mta-sts IN A " + k_policy_address);
      }
      zone.records.insert(zone.records.end(), extra.begin(), extra.end());
      zones.push_back(zone);
      origins.push_back(mx.domain);
    };
    add(k_enf, "enforce", {}, false);
    add(k_wrong, "enforce", {}, false);
    add(k_tst, "testing", {}, false);
    add(k_nopol, "", {}, false);
    add(k_dane, "enforce", {"_25._tcp.mx1 IN TLSA 3 1 1 " + good_tlsa}, true);
    // danebad.test's MX has a CA-signed certificate for the right name, but its TLSA record
    // matches no key: only DANE can (and must) refuse it.
    std::string bad_tlsa = good_tlsa;
    bad_tlsa.back() = bad_tlsa.back() == '0' ? '1' : '0';
    add(k_danebad, "enforce", {"_25._tcp.mx1 IN TLSA 3 1 1 " + bad_tlsa}, true);

    // hosted.test: the policy host is mtasts serve.
    add(k_hosted, "", {"_mta-sts IN TXT \"v=STSv1; id=h1\"", "mta-sts IN A " + k_serve_address},
        false);
    {
      const auto files = w.ca->issue(
          "sts-hosted.test",
          testworld::CertificateRequest{"mta-sts.hosted.test", {"mta-sts.hosted.test"}, {}});
      ASSERT_TRUE(files) << files.error();
      std::filesystem::create_directories(w.scratch.path() / "serve");
      std::ofstream config(w.scratch.path() / "serve.toml");
      config << "[serve]\nhttps_listen = [\"" << k_serve_address << ":443\"]\nhttp_listen = []\n"
             << "state_dir = \"" << (w.scratch.path() / "serve").string() << "\"\n"
             << "[admin]\nlisten = \"127.0.0.1:19463\"\n"
             << "[[domain]]\nname = \"hosted.test\"\nmode = \"enforce\"\n"
             << "mx = [\"" << k_hosted.host << "\"]\nmax_age = 86400\n"
             << "certificate = \"" << files->certificate.string() << "\"\nkey = \""
             << files->key.string() << "\"\n";
      config.close(); // written before serve reads it
      auto serve = testworld::Process::start(
          {MTASTS_BINARY, "serve", "--config", (w.scratch.path() / "serve.toml").string()},
          w.scratch.path() / "serve.log");
      ASSERT_TRUE(serve) << serve.error();
      w.serve.emplace(std::move(*serve));
      ASSERT_TRUE(testworld::wait_for_tcp(k_serve_address, 443, 10s))
          << read_text(w.scratch.path() / "serve.log");
    }

    auto nsd = testworld::Nsd::start(w.scratch.path() / "dns", zones, k_nsd_address);
    ASSERT_TRUE(nsd) << nsd.error();
    w.nsd.emplace(std::move(*nsd));
    auto nginx = testworld::Nginx::start(w.scratch.path() / "nginx", sites);
    ASSERT_TRUE(nginx) << nginx.error();
    w.nginx.emplace(std::move(*nginx));
    auto unbound = testworld::Unbound::start(w.scratch.path() / "unbound", origins, k_nsd_address,
                                             w.nsd->trust_anchors(), k_unbound_address);
    ASSERT_TRUE(unbound) << unbound.error();
    w.unbound.emplace(std::move(*unbound));

    // The daemon asks NSD directly and validates with the same trust anchors.
    {
      std::ofstream config(w.scratch.path() / "resolver.toml");
      config << "[dns]\nservers = [\"" << w.nsd->server() << "\"]\n"
             << "trust_anchor = \"" << w.nsd->trust_anchors().string() << "\"\n"
             << "timeout = \"2s\"\n"
             << "[tls]\nca_file = \"" << w.ca->ca_file().string() << "\"\n"
             << "[resolver]\nlisten = [\"127.0.0.1:" << k_socketmap_port << "\"]\n"
             << "admin_listen = \"" << k_admin << "\"\nlog_level = \"debug\"\n"
             << "fetch_timeout = \"3s\"\n";
    }
    if (auto error = start_daemon()) {
      FAIL() << *error;
    }

    // Receivers last: they start threads, and the namespaces above are per thread.
    for (const auto& [mx, files] : mxs) {
      testworld::SmtpReceiverOptions options;
      options.address = mx.address;
      options.certificate = files.certificate;
      options.key = files.key;
      options.host_name = mx.host;
      auto receiver = testworld::SmtpReceiver::start(options);
      ASSERT_TRUE(receiver) << receiver.error();
      w.receivers.push_back(std::move(*receiver));
    }

    testworld::PostfixOptions options;
    options.ca_file = w.ca->ca_file();
    options.tls_policy_maps = k_map;
    // The DNSSEC probe asks for a name in a signed zone (the default, the root's NS, is not
    // resolvable here) and warns when the answer lacks the AD bit.
    options.extra_main_cf = {"smtp_dns_support_level = dnssec", "dnssec_probe = ns:dane.test"};
    const auto start = std::chrono::steady_clock::now();
    auto postfix = testworld::Postfix::start(w.scratch, options);
    ASSERT_TRUE(postfix) << postfix.error();
    std::cout << "[ timing   ] postfix start: " << seconds_since(start) << " s\n";
    w.postfix.emplace(std::move(*postfix));
  }
  void TearDown() override
  {
    if (g_world != nullptr) {
      g_world->postfix.reset();
      g_world->daemon.reset();
      g_world->serve.reset();
      g_world->receivers.clear();
    }
    delete g_world;
    g_world = nullptr;
  }
};

const auto* const k_environment = ::testing::AddGlobalTestEnvironment(new PostfixResolverWorld);

testworld::Postfix& postfix()
{
  return *g_world->postfix;
}

std::string context()
{
  return "\n--- maillog:\n" + tail(postfix().log()) + "\n--- daemon log:\n" +
         tail(read_text(daemon_log()), 3000);
}

// Submits one message to `mx.domain` and returns Postfix's first delivery status line for it
// ("... to=<user@DOMAIN>, relay=..., status=..."), or "" when none came within the timeout.
std::string deliver(const Mx& mx, const std::string& subject,
                    const std::string& status = "(sent|deferred|bounced)")
{
  const auto start = std::chrono::steady_clock::now();
  const std::string to = "user@" + mx.domain;
  auto id = postfix().send("sender@sender.test", to, subject);
  EXPECT_TRUE(id) << id.error();
  if (!id) {
    return "";
  }
  const auto line =
      postfix().wait_for_log(std::regex(*id + ": to=<" + to + ">.*status=" + status), 20s);
  std::cout << "[ timing   ] " << mx.domain << " submitted to status=: " << seconds_since(start)
            << " s\n";
  return line.value_or("");
}

bool logged(const std::string& pattern)
{
  return postfix().wait_for_log(std::regex(pattern), 0s).has_value();
}

std::string verified(const Mx& mx)
{
  return "Verified TLS connection established to " + mx.host + "\\[" + mx.address + "\\]:25";
}

class PostfixResolver : public ::testing::Test
{
protected:
  void SetUp() override
  {
    ASSERT_NE(g_world, nullptr);
    ASSERT_TRUE(g_world->postfix);
  }
};

// --- 6: what Postfix's own map client gets from the socketmap

TEST_F(PostfixResolver, PostmapAnswersForEveryKindOfDomain)
{
  const auto start = std::chrono::steady_clock::now();
  const auto found = [](const std::string& key, const std::string& value) {
    const auto result = postfix().postmap_query(key, k_map);
    EXPECT_EQ(result.exit_code, 0) << key << ": " << result.err << context();
    EXPECT_EQ(result.out, value) << key;
  };
  const auto not_found = [](const std::string& key) {
    const auto result = postfix().postmap_query(key, k_map);
    EXPECT_EQ(result.exit_code, 1) << key << ": " << result.out << result.err;
    EXPECT_EQ(result.out, "") << key;
    EXPECT_EQ(result.err, "") << key;
  };
  found("enf.test", k_enf_answer);
  found("wrong.test", k_wrong_answer);
  found("dane.test", "dane-only\n");
  found("danebad.test", "dane-only\n"); // DANE first even when the TLSA will not match
  not_found("tst.test");
  not_found("nopol.test");
  not_found(".enf.test"); // the parent-domain probe after a NOTFOUND for a subdomain
  not_found(".parent.test");
  not_found("[127.0.0.20]");
  std::cout << "[ timing   ] postmap queries: " << seconds_since(start) << " s\n";
}

// --- 1

TEST_F(PostfixResolver, EnforceDomainWithAMatchingMxIsDeliveredOverVerifiedTls)
{
  const auto line = deliver(k_enf, "enforce");
  ASSERT_NE(line, "") << context();
  EXPECT_NE(line.find("relay=" + k_enf.host + "[" + k_enf.address + "]:25"), std::string::npos)
      << line;
  EXPECT_NE(line.find("status=sent"), std::string::npos) << line << context();
  EXPECT_TRUE(logged(verified(k_enf))) << context();
  EXPECT_EQ(g_world->receivers[0].last_sni(), k_enf.host);
}

// --- 2

// --- 9: a policy hosted by mtasts serve

TEST_F(PostfixResolver, PolicyHostedByMtastsServeIsAppliedAndMailIsDeliveredOverVerifiedTls)
{
  const auto line = deliver(k_hosted, "hosted by serve");
  EXPECT_NE(line.find("status=sent"), std::string::npos) << line << context();
  EXPECT_TRUE(logged(verified(k_hosted))) << context();
  const auto answer = postfix().postmap_query(k_hosted.domain, k_map);
  EXPECT_EQ(answer.exit_code, 0) << answer.err;
  EXPECT_EQ(answer.out, "secure match=mx1.hosted.test servername=hostname\n");
}

TEST_F(PostfixResolver, EnforceDomainWithAWrongNameCertificateIsDeferred)
{
  const auto line = deliver(k_wrong, "wrong name");
  ASSERT_NE(line, "") << context();
  EXPECT_NE(line.find("status=deferred"), std::string::npos) << line << context();
  EXPECT_NE(line.find("dsn=4.7.5"), std::string::npos) << line;
  EXPECT_NE(line.find("Server certificate not verified"), std::string::npos) << line;
  EXPECT_TRUE(logged("server certificate verification failed for " + k_wrong.host + "\\[" +
                     k_wrong.address + "\\]:25.*hostname mismatch"))
      << context();
  EXPECT_FALSE(logged("to=<user@" + k_wrong.domain + ">.*status=sent"));
}

// --- 3

TEST_F(PostfixResolver, TestingDomainWithAWrongNameCertificateIsDeliveredOpportunistically)
{
  const auto line = deliver(k_tst, "testing");
  ASSERT_NE(line, "") << context();
  EXPECT_NE(line.find("status=sent"), std::string::npos) << line << context();
  // TLS was used but the name was never checked (level may: the chain alone makes it Trusted).
  EXPECT_TRUE(logged("(Trusted|Untrusted|Anonymous) TLS connection established to " + k_tst.host))
      << context();
  EXPECT_FALSE(logged(verified(k_tst)));
}

// --- 5

TEST_F(PostfixResolver, DomainWithoutPolicyIsDeliveredOpportunistically)
{
  const auto line = deliver(k_nopol, "no policy");
  ASSERT_NE(line, "") << context();
  EXPECT_NE(line.find("status=sent"), std::string::npos) << line << context();
  EXPECT_TRUE(logged("(Trusted|Untrusted|Anonymous) TLS connection established to " + k_nopol.host))
      << context();
}

// --- 4

TEST_F(PostfixResolver, DaneDomainIsDeliveredWithDane)
{
  const auto line = deliver(k_dane, "dane");
  ASSERT_NE(line, "") << context();
  EXPECT_NE(line.find("status=sent"), std::string::npos) << line << context();
  // The MX's certificate is self-signed: "Verified" can only come from the TLSA 3 1 1 match.
  EXPECT_TRUE(logged(verified(k_dane))) << context();
  EXPECT_FALSE(logged("DNSSEC validation may be unavailable")) << context();
}

TEST_F(PostfixResolver, DaneDomainWhoseTlsaDoesNotMatchIsDeferred)
{
  const auto line = deliver(k_danebad, "dane mismatch");
  ASSERT_NE(line, "") << context();
  EXPECT_NE(line.find("status=deferred"), std::string::npos) << line << context();
  EXPECT_NE(line.find("dsn=4.7.5"), std::string::npos) << line;
  EXPECT_NE(line.find("Server certificate not verified"), std::string::npos) << line;
  EXPECT_TRUE(logged("server certificate verification failed for " + k_danebad.host + "\\[" +
                     k_danebad.address + "\\]:25: num=65:no matching DANE TLSA records"))
      << context();
}

// --- 7

// SIGKILL to the daemon, then a new one on the same cache whose DNS server does not exist.
void restart_daemon_without_dns()
{
  const auto start = std::chrono::steady_clock::now();
  ::kill(g_world->daemon->pid(), SIGKILL);
  g_world->daemon.reset(); // reaps it
  ASSERT_FALSE(testworld::wait_for_tcp("127.0.0.1", k_socketmap_port, 100ms));
  if (auto error = start_daemon({"--dns-server", k_dead_dns})) {
    FAIL() << *error;
  }
  std::cout << "[ timing   ] kill and restart: " << seconds_since(start) << " s\n";
}

testworld::CommandResult timed_postmap(const std::string& key)
{
  const auto start = std::chrono::steady_clock::now();
  auto result = postfix().postmap_query(key, k_map);
  std::cout << "[ timing   ] postmap " << key << ": " << seconds_since(start) << " s\n";
  return result;
}

TEST_F(PostfixResolver, CachedPoliciesSurviveADaemonKillAndADnsOutage)
{
  // Both enforce policies are in the cache before the kill (whatever ran before).
  EXPECT_EQ(postfix().postmap_query("enf.test", k_map).out, k_enf_answer);
  EXPECT_EQ(postfix().postmap_query("wrong.test", k_map).out, k_wrong_answer);
  const auto first = deliver(k_enf, "before the kill");
  ASSERT_NE(first.find("status=sent"), std::string::npos) << first << context();

  restart_daemon_without_dns();
  EXPECT_EQ(timed_postmap("enf.test").out, k_enf_answer) << context();
  EXPECT_EQ(timed_postmap("wrong.test").out, k_wrong_answer) << context();

  const auto good = deliver(k_enf, "after the kill", "sent");
  ASSERT_NE(good, "") << context();
  const auto verified_count = [] {
    const auto text = postfix().log();
    const std::regex pattern(verified(k_enf));
    return std::distance(std::sregex_iterator(text.begin(), text.end(), pattern),
                         std::sregex_iterator());
  };
  EXPECT_GE(verified_count(), 2) << context();

  const auto wrong = deliver(k_wrong, "wrong name after the kill");
  ASSERT_NE(wrong, "") << context();
  EXPECT_NE(wrong.find("status=deferred"), std::string::npos) << wrong << context();
  EXPECT_NE(wrong.find("dsn=4.7.5"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("Server certificate not verified"), std::string::npos) << wrong;
}

// Scenario 8. danebad.test's MX is CA-signed with the right name but its TLSA does not match: a
// `secure` answer during the outage would let Postfix authenticate it by the WebPKI and deliver.
// The DANE coverage is persisted with the policy (store `dane` field), so the restarted daemon
// answers `dane-only` even though it cannot look TLSA up now.
TEST_F(PostfixResolver, DaneDomainIsNotDowngradedToSecureDuringADnsOutage)
{
  EXPECT_EQ(postfix().postmap_query("danebad.test", k_map).out, "dane-only\n");
  restart_daemon_without_dns();
  const auto answer = timed_postmap("danebad.test");
  EXPECT_EQ(answer.out.find("secure"), std::string::npos) << answer.out << answer.err;
  const auto line = deliver(k_danebad, "dane mismatch during the outage");
  EXPECT_EQ(line.find("status=sent"), std::string::npos) << line << context();
}

} // namespace
