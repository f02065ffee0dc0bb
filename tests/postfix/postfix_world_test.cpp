// The Postfix harness end to end, without any mtasts code: a real Postfix 3.7 in the world's
// network and mount namespaces resolves MX records through NSD (via the private resolv.conf),
// applies an inline: TLS policy map, and delivers to in-process STARTTLS receivers or defers.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "../world/pki.hpp"
#include "../world/postfix.hpp"
#include "../world/smtp_receiver.hpp"
#include "../world/world.hpp"
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

namespace {

using namespace mtasts;
using namespace std::chrono_literals;

const std::string k_good_mx = "127.0.0.25"; // mx.good.test, certificate for mx.good.test
const std::string k_bad_mx = "127.0.0.26";  // mx.bad.test, certificate for mx.bad.test
const std::string k_policy_maps =
    "inline:{ { good.test = secure match=mx.good.test servername=hostname }, "
    "{ bad.test = secure match=other.bad.test } }";

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

class PostfixWorld : public ::testing::Environment
{
public:
  void SetUp() override
  {
    if (auto error = testworld::enter_private_network()) {
      FAIL() << *error;
    }
    if (auto error = testworld::use_private_resolv_conf(s_scratch.path() / "resolv")) {
      FAIL() << *error;
    }
    auto ca = testworld::TestCa::create(s_scratch.path() / "pki");
    ASSERT_TRUE(ca) << ca.error();
    s_ca_file = ca->ca_file();

    testworld::Zone good;
    good.origin = "good.test";
    good.records = {"@ IN MX 10 mx.good.test.", "mx IN A " + k_good_mx};
    testworld::Zone bad;
    bad.origin = "bad.test";
    bad.records = {"@ IN MX 10 mx.bad.test.", "mx IN A " + k_bad_mx};
    auto nsd = testworld::Nsd::start(s_scratch.path() / "dns", {good, bad});
    ASSERT_TRUE(nsd) << nsd.error();
    s_nsd.emplace(std::move(*nsd));

    for (const auto& [address, host] : {std::pair{k_good_mx, std::string("mx.good.test")},
                                        std::pair{k_bad_mx, std::string("mx.bad.test")}}) {
      auto files = ca->issue(host, testworld::CertificateRequest{host, {host}, {}});
      ASSERT_TRUE(files) << files.error();
      testworld::SmtpReceiverOptions options;
      options.address = address;
      options.certificate = files->certificate;
      options.key = files->key;
      options.host_name = host;
      auto receiver = testworld::SmtpReceiver::start(options);
      ASSERT_TRUE(receiver) << receiver.error();
      s_receivers.push_back(std::move(*receiver));
    }

    testworld::PostfixOptions options;
    options.ca_file = s_ca_file;
    options.tls_policy_maps = k_policy_maps;
    const auto start = std::chrono::steady_clock::now();
    auto postfix = testworld::Postfix::start(s_scratch, options);
    ASSERT_TRUE(postfix) << postfix.error();
    std::cout << "[ timing   ] postfix start: " << seconds_since(start) << " s\n";
    s_postfix.emplace(std::move(*postfix));
  }
  void TearDown() override
  {
    const auto start = std::chrono::steady_clock::now();
    s_postfix.reset();
    std::cout << "[ timing   ] postfix stop: " << seconds_since(start) << " s\n";
    s_receivers.clear();
    s_nsd.reset();
  }

  static testworld::ScratchDir s_scratch;
  static std::optional<testworld::Nsd> s_nsd;
  static std::vector<testworld::SmtpReceiver> s_receivers;
  static std::optional<testworld::Postfix> s_postfix;
  static std::filesystem::path s_ca_file;
};

testworld::ScratchDir PostfixWorld::s_scratch;
std::optional<testworld::Nsd> PostfixWorld::s_nsd;
std::vector<testworld::SmtpReceiver> PostfixWorld::s_receivers;
std::optional<testworld::Postfix> PostfixWorld::s_postfix;
std::filesystem::path PostfixWorld::s_ca_file;
const auto* const k_world = ::testing::AddGlobalTestEnvironment(new PostfixWorld);

testworld::Postfix& postfix()
{
  return *PostfixWorld::s_postfix;
}

TEST(PostfixWorld, ResolvConfIsPrivateAndInheritedByPostfix)
{
  ASSERT_TRUE(PostfixWorld::s_postfix);
  const auto generated = PostfixWorld::s_scratch.path() / "resolv" / "resolv.conf";
  struct stat ours
  {};
  struct stat file
  {};
  ASSERT_EQ(stat("/etc/resolv.conf", &ours), 0);
  ASSERT_EQ(stat(generated.c_str(), &file), 0);
  EXPECT_EQ(ours.st_ino, file.st_ino) << "/etc/resolv.conf is the generated file here";
  EXPECT_EQ(ours.st_dev, file.st_dev);
  // PID 1 still sees the host's file: the bind mount stayed in our mount namespace.
  struct stat host
  {};
  if (stat("/proc/1/root/etc/resolv.conf", &host) == 0) {
    EXPECT_FALSE(host.st_ino == file.st_ino && host.st_dev == file.st_dev);
  }

  const auto master = postfix().master_pid();
  ASSERT_TRUE(master);
  const auto ns_of = [](const std::string& pid, const char* kind) {
    return std::filesystem::read_symlink("/proc/" + pid + "/ns/" + kind).string();
  };
  const auto pid = std::to_string(*master);
  EXPECT_EQ(ns_of(pid, "mnt"), ns_of("self", "mnt"));
  EXPECT_EQ(ns_of(pid, "net"), ns_of("self", "net"));
  EXPECT_EQ(read_text("/proc/" + pid + "/root/etc/resolv.conf"), read_text(generated));
  EXPECT_NE(read_text(generated).find("nameserver 127.0.0.53"), std::string::npos);
}

TEST(PostfixWorld, PostmapQueriesTheInlinePolicyMap)
{
  ASSERT_TRUE(PostfixWorld::s_postfix);
  const auto good = postfix().postmap_query("good.test", k_policy_maps);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.out, "secure match=mx.good.test servername=hostname\n");
  EXPECT_EQ(good.err, "");
  const auto bad = postfix().postmap_query("bad.test", k_policy_maps);
  EXPECT_EQ(bad.exit_code, 0) << bad.err;
  EXPECT_EQ(bad.out, "secure match=other.bad.test\n");
  const auto missing = postfix().postmap_query("nosuch.test", k_policy_maps);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
}

TEST(PostfixWorld, DeliversOverVerifiedTlsWhenThePolicyMatches)
{
  ASSERT_TRUE(PostfixWorld::s_postfix);
  const auto start = std::chrono::steady_clock::now();
  auto id = postfix().send("sender@sender.test", "user@good.test", "good");
  ASSERT_TRUE(id) << id.error();
  const auto sent = postfix().wait_for_log(std::regex(*id + ": to=<user@good.test>.*status="), 10s);
  ASSERT_TRUE(sent) << postfix().log();
  std::cout << "[ timing   ] submitted to status=: " << seconds_since(start) << " s\n";
  EXPECT_NE(sent->find("relay=mx.good.test[" + k_good_mx + "]:25"), std::string::npos) << *sent;
  EXPECT_NE(sent->find("status=sent"), std::string::npos) << *sent;
  EXPECT_TRUE(postfix().wait_for_log("Verified TLS connection established to mx.good.test[", 0s))
      << postfix().log();
  EXPECT_EQ(PostfixWorld::s_receivers[0].last_sni(), "mx.good.test");
}

TEST(PostfixWorld, DefersWhenTheCertificateDoesNotMatchThePolicy)
{
  ASSERT_TRUE(PostfixWorld::s_postfix);
  auto id = postfix().send("sender@sender.test", "user@bad.test", "bad");
  ASSERT_TRUE(id) << id.error();
  const auto deferred =
      postfix().wait_for_log(std::regex(*id + ": to=<user@bad.test>.*status="), 10s);
  ASSERT_TRUE(deferred) << postfix().log();
  EXPECT_NE(deferred->find("status=deferred"), std::string::npos) << *deferred;
  EXPECT_NE(deferred->find("dsn=4.7.5"), std::string::npos) << *deferred;
  EXPECT_NE(deferred->find("Server certificate not verified"), std::string::npos) << *deferred;
  const auto reason = postfix().wait_for_log(
      "server certificate verification failed for mx.bad.test[" + k_bad_mx + "]:25", 0s);
  ASSERT_TRUE(reason) << postfix().log();
  EXPECT_NE(reason->find("hostname mismatch"), std::string::npos) << *reason;

  // Retried within seconds (1 s backoff); `postfix flush` forces a retry at once.
  EXPECT_FALSE(postfix().flush());
  const std::regex attempt(*id + ": to=<user@bad.test>.*status=deferred");
  const auto count = [&] {
    const auto text = postfix().log();
    return std::distance(std::sregex_iterator(text.begin(), text.end(), attempt),
                         std::sregex_iterator());
  };
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (count() < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(count(), 2) << postfix().log();
}

TEST(PostfixWorld, RefusesAPortInUse)
{
  ASSERT_TRUE(PostfixWorld::s_postfix);
  testworld::PostfixOptions options; // the same smtpd address and port as the running one
  options.name = "postfix-conflict";
  auto second = testworld::Postfix::start(PostfixWorld::s_scratch, options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), "127.0.0.1:2525 already accepts connections");
}

TEST(PostfixWorld, AFailedStartReportsWhy)
{
  ASSERT_TRUE(PostfixWorld::s_postfix);
  testworld::PostfixOptions options;
  options.name = "postfix-broken";
  options.smtpd_address = "192.0.2.1"; // not an address of this namespace
  const auto start = std::chrono::steady_clock::now();
  auto broken = testworld::Postfix::start(PostfixWorld::s_scratch, options);
  std::cout << "[ timing   ] failed postfix start: " << seconds_since(start) << " s\n";
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("fatal: parameter inet_interfaces: no local interface found for "
                                "192.0.2.1"),
            std::string::npos)
      << broken.error();
}

TEST(PostfixWorld, ASecondInstanceStartsAndStopsQuickly)
{
  ASSERT_TRUE(PostfixWorld::s_postfix);
  testworld::PostfixOptions options;
  options.name = "postfix-second";
  options.smtpd_port = 2526;
  options.extra_main_cf = {"smtpd_banner = $myhostname ESMTP second"};
  const auto start = std::chrono::steady_clock::now();
  auto second = testworld::Postfix::start(PostfixWorld::s_scratch, options);
  ASSERT_TRUE(second) << second.error();
  const double start_seconds = seconds_since(start);
  const auto master = second->master_pid();
  ASSERT_TRUE(master);
  EXPECT_NE(master, postfix().master_pid());
  const auto stop = std::chrono::steady_clock::now();
  second->stop();
  const double stop_seconds = seconds_since(stop);
  std::cout << "[ timing   ] second postfix start: " << start_seconds
            << " s, stop: " << stop_seconds << " s\n";
  EXPECT_FALSE(second->master_pid());
  EXPECT_FALSE(testworld::wait_for_tcp("127.0.0.1", 2526, 100ms));
  EXPECT_LT(start_seconds, 2.0);
  EXPECT_LT(stop_seconds, 2.0);
}

} // namespace
