// The real `mtasts resolver` binary against a test world in a private network namespace: NSD
// (one zone per scenario, one DNSSEC-signed for DANE), nginx policy hosts with a test CA, a
// policy host that never answers, STARTTLS receivers for the MX hosts of the testing-mode
// observation scenario. Each test starts its own daemon (SQLite cache in the scratch
// dir) and speaks Postfix's socketmap protocol to it over TCP and a UNIX socket.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../store/redis_server.hpp"
#include "../world/pki.hpp"
#include "../world/smtp_receiver.hpp"
#include "../world/world.hpp"
#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

namespace {

using namespace mtasts;
using namespace std::chrono_literals;

const std::string k_policy_address = "127.0.0.10";
const std::string k_silent_address = "127.0.0.15"; // accepts TCP, never says a word
// obs.test (testing): mx1 good, mx2 presents a certificate for another name, mx3 is not listed
// in the policy (a good receiver listens there, and must never be contacted).
const std::string k_observed_good_mx = "127.0.0.30";
const std::string k_observed_wrong_name_mx = "127.0.0.31";
const std::string k_observed_unlisted_mx = "127.0.0.32";
const std::string k_socketmap_address = "127.0.0.1";
constexpr std::uint16_t k_socketmap_port = 18461;
const std::string k_admin = "127.0.0.1:19461";

std::string policy(const std::string& mode, const std::vector<std::string>& mx,
                   const std::string& max_age = "604800")
{
  std::string body = "version: STSv1\r\nmode: " + mode + "\r\n";
  for (const auto& pattern : mx) {
    body += "mx: " + pattern + "\r\n";
  }
  return body + "max_age: " + max_age + "\r\n";
}

// --- a minimal blocking socketmap client (what Postfix's dict_sockmap does)

class SocketmapClient
{
public:
  static SocketmapClient tcp(const std::string& address = k_socketmap_address,
                             std::uint16_t port = k_socketmap_port)
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      return SocketmapClient(-1);
    }
    return SocketmapClient(fd);
  }
  static SocketmapClient unix_socket(const std::filesystem::path& path)
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      return SocketmapClient(-1);
    }
    return SocketmapClient(fd);
  }
  SocketmapClient(SocketmapClient&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  SocketmapClient(const SocketmapClient&) = delete;
  SocketmapClient& operator=(const SocketmapClient&) = delete;
  SocketmapClient& operator=(SocketmapClient&&) = delete;
  ~SocketmapClient()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  bool connected() const { return m_fd >= 0; }

  bool send_raw(const std::string& bytes)
  {
    return ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  static std::string netstring(const std::string& payload)
  {
    return std::to_string(payload.size()) + ":" + payload + ",";
  }
  // The next reply's payload; nullopt when the server closed the connection or 30 s passed.
  std::optional<std::string> read_reply(std::chrono::milliseconds timeout = 30s)
  {
    while (true) {
      const auto colon = m_buffer.find(':');
      if (colon != std::string::npos) {
        const auto length = std::stoul(m_buffer.substr(0, colon));
        if (m_buffer.size() >= colon + 1 + length + 1) {
          auto payload = m_buffer.substr(colon + 1, length);
          m_buffer.erase(0, colon + 1 + length + 1);
          return payload;
        }
      }
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        return std::nullopt;
      }
      char chunk[4096];
      const auto n = ::recv(m_fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return std::nullopt;
      }
      m_buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  std::optional<std::string> lookup(const std::string& key, const std::string& map = "postfix")
  {
    if (!send_raw(netstring(map + " " + key))) {
      return std::nullopt;
    }
    return read_reply();
  }

private:
  explicit SocketmapClient(int fd) : m_fd(fd) {}
  int m_fd = -1;
  std::string m_buffer;
};

std::string lookup(const std::string& key, const std::string& map = "postfix")
{
  auto client = SocketmapClient::tcp();
  return client.lookup(key, map).value_or("<no reply>");
}

// --- the world

struct World
{
  testworld::ScratchDir scratch;
  std::optional<testworld::TestCa> ca;
  std::optional<testworld::Nsd> nsd;
  std::optional<testworld::Nginx> nginx;
  std::vector<testworld::SmtpReceiver> receivers; // obs.test: good, wrong name, unlisted
  int silent_listener = -1;
};

World* g_world = nullptr;

class ResolverWorld : public ::testing::Environment
{
public:
  void SetUp() override
  {
    if (auto error = testworld::enter_private_network()) {
      FAIL() << *error;
    }
    g_world = new World();
    auto& w = *g_world;
    auto ca = testworld::TestCa::create(w.scratch.path() / "pki");
    ASSERT_TRUE(ca) << ca.error();
    w.ca.emplace(std::move(*ca));
    std::vector<testworld::PolicySite> sites;
    std::vector<testworld::Zone> zones;
    auto add = [&](const std::string& name, const std::string& body, int status = 200) {
      const std::string domain = name + ".test";
      const std::string host = "mta-sts." + domain;
      testworld::CertificateRequest request{host, {host}, {}};
      request.valid_until = std::chrono::hours(24 * 90);
      auto files = w.ca->issue(name, request);
      ASSERT_TRUE(files) << files.error();
      testworld::PolicySite site;
      site.host = host;
      site.address = k_policy_address;
      site.certificate = files->certificate;
      site.key = files->key;
      site.body = body;
      site.status = status;
      sites.push_back(site);
    };
    auto zone = [&](const std::string& name, std::vector<std::string> records,
                    bool signed_zone = false) {
      testworld::Zone z;
      z.origin = name + ".test";
      z.records = std::move(records);
      z.signed_zone = signed_zone;
      zones.push_back(z);
    };
    const auto sts = [](const std::string& id) {
      return "_mta-sts IN TXT \"v=STSv1; id=" + id + "\"";
    };
    const auto policy_host = "mta-sts IN A " + k_policy_address;
    add("enf", policy("enforce", {"mx1.enf.test", "*.mx.enf.test", "mx1.enf.test"}));
    zone("enf", {sts("e1"), policy_host, "@ IN MX 10 mx1.enf.test.", "mx1 IN A 127.0.0.20"});
    // A policy host that serves slowly (about 1 s for the body): a wide window for concurrent
    // lookups of a domain whose fetch is under way.
    add("drip", policy("enforce", {"mx1.drip.test"}));
    sites.back().bytes_per_second = 100;
    zone("drip", {sts("r1"), policy_host, "@ IN MX 10 mx1.drip.test.", "mx1 IN A 127.0.0.20"});
    add("tst", policy("testing", {"mx1.tst.test"}));
    zone("tst", {sts("t1"), policy_host, "@ IN MX 10 mx1.tst.test.", "mx1 IN A 127.0.0.20"});
    add("non", policy("none", {}));
    zone("non", {sts("n1"), policy_host, "@ IN MX 10 mx1.non.test.", "mx1 IN A 127.0.0.20"});
    zone("nopol", {"@ IN MX 10 mx1.nopol.test.", "mx1 IN A 127.0.0.20"});
    add("broken", "gone", 404);
    zone("broken", {sts("b1"), policy_host, "@ IN MX 10 mx1.broken.test.", "mx1 IN A 127.0.0.20"});
    add("dane", policy("enforce", {"mx1.dane.test"}));
    zone("dane",
         {sts("d1"), policy_host, "@ IN MX 10 mx1.dane.test.", "mx1 IN A 127.0.0.23",
          "_25._tcp.mx1 IN TLSA 3 1 1 "
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
         true);
    zone("slow", {sts("s1"), "mta-sts IN A " + k_silent_address, "@ IN MX 10 mx1.slow.test.",
                  "mx1 IN A 127.0.0.20"});
    add("obs", policy("testing", {"mx1.obs.test", "mx2.obs.test"}));
    zone("obs", {sts("o1"), policy_host, "@ IN MX 10 mx1.obs.test.", "@ IN MX 20 mx2.obs.test.",
                 "@ IN MX 30 mx3.obs.test.", "mx1 IN A " + k_observed_good_mx,
                 "mx2 IN A " + k_observed_wrong_name_mx, "mx3 IN A " + k_observed_unlisted_mx});
    for (const auto& [address, name] :
         {std::pair{k_observed_good_mx, std::string("mx1.obs.test")},
          std::pair{k_observed_wrong_name_mx, std::string("mx1.other.test")},
          std::pair{k_observed_unlisted_mx, std::string("mx3.obs.test")}}) {
      auto files = w.ca->issue("smtp-" + address, testworld::CertificateRequest{name, {name}, {}});
      ASSERT_TRUE(files) << files.error();
      testworld::SmtpReceiverOptions options;
      options.address = address;
      options.certificate = files->certificate;
      options.key = files->key;
      auto receiver = testworld::SmtpReceiver::start(options);
      ASSERT_TRUE(receiver) << receiver.error();
      w.receivers.push_back(std::move(*receiver));
    }
    auto nsd = testworld::Nsd::start(w.scratch.path() / "dns", zones);
    ASSERT_TRUE(nsd) << nsd.error();
    w.nsd.emplace(std::move(*nsd));
    auto nginx = testworld::Nginx::start(w.scratch.path() / "nginx", sites);
    ASSERT_TRUE(nginx) << nginx.error();
    w.nginx.emplace(std::move(*nginx));
    // The policy host that never answers: the kernel completes the handshake from the backlog.
    w.silent_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(443);
    ::inet_pton(AF_INET, k_silent_address.c_str(), &sa.sin_addr);
    ASSERT_EQ(::bind(w.silent_listener, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(w.silent_listener, 64), 0);
  }
  void TearDown() override
  {
    if (g_world != nullptr && g_world->silent_listener >= 0) {
      ::close(g_world->silent_listener);
    }
    delete g_world;
    g_world = nullptr;
  }
};

const auto* const k_environment = ::testing::AddGlobalTestEnvironment(new ResolverWorld);

std::filesystem::path unix_path()
{
  return g_world->scratch.path() / "resolver.sock";
}

void write_config(const std::string& extra = "")
{
  std::ofstream config(g_world->scratch.path() / "resolver.toml");
  config << "[dns]\nservers = [\"" << g_world->nsd->server() << "\"]\n"
         << "trust_anchor = \"" << g_world->nsd->trust_anchors().string()
         << "\"\ntimeout = \"3s\"\n"
         << "[tls]\nca_file = \"" << g_world->ca->ca_file().string() << "\"\n"
         << "[resolver]\nlisten = [\"" << k_socketmap_address << ":" << k_socketmap_port
         << "\", \"unix:" << unix_path().string() << "\"]\nsocket_mode = \"0660\"\n"
         << "admin_listen = \"" << k_admin << "\"\nlog_level = \"debug\"\n"
         << "fetch_timeout = \"3s\"\nobserve_helo = \"observer.mtasts.test\"\n"
         << "[resolver.zones.strict]\nstrict_testing = true\n"
         << "[resolver.zones.temp]\non_fetch_failure = \"temp\"\n"
         << extra;
}

// The daemon under test; stopped (SIGTERM) on destruction.
struct Daemon
{
  std::optional<testworld::Process> process;

  static Daemon start(const std::vector<std::string>& extra_arguments = {},
                      const std::string& cache = "")
  {
    Daemon daemon;
    const std::string sqlite = "sqlite://" + (g_world->scratch.path() / "cache.db").string();
    std::vector<std::string> argv{
        MTASTS_BINARY, "resolver",
        "--config",    (g_world->scratch.path() / "resolver.toml").string(),
        "--cache",     cache.empty() ? sqlite : cache};
    argv.insert(argv.end(), extra_arguments.begin(), extra_arguments.end());
    auto process = testworld::Process::start(argv, g_world->scratch.path() / "daemon.log");
    EXPECT_TRUE(process) << process.error();
    if (process) {
      daemon.process.emplace(std::move(*process));
      EXPECT_TRUE(testworld::wait_for_tcp(k_socketmap_address, k_socketmap_port, 10s))
          << log_tail();
    }
    return daemon;
  }
  static std::string log_tail()
  {
    std::ifstream in(g_world->scratch.path() / "daemon.log");
    std::stringstream text;
    text << in.rdbuf();
    const auto all = text.str();
    return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
  }
  void kill_hard()
  {
    ::kill(process->pid(), SIGKILL);
    process.reset();
  }
};

std::string run_cli(const std::vector<std::string>& arguments)
{
  std::vector<std::string> argv{MTASTS_BINARY};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  auto out = testworld::run_command(argv);
  return out ? *out : "ERROR " + out.error();
}

void fresh_cache()
{
  for (const auto* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(g_world->scratch.path() / ("cache.db" + std::string(suffix)));
  }
}

class Resolver : public ::testing::Test
{
protected:
  void SetUp() override
  {
    ASSERT_NE(g_world, nullptr);
    fresh_cache();
    write_config();
  }
};

TEST_F(Resolver, AnswersEveryKindOfDomainAsRfc8461SaysPostfixShouldTreatIt)
{
  auto daemon = Daemon::start();
  // Policy order, duplicates dropped, "*." as Postfix's leading dot.
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(lookup("ENF.test."), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(lookup("tst.test"), "NOTFOUND ");
  EXPECT_EQ(lookup("tst.test", "strict"), "OK secure match=mx1.tst.test servername=hostname");
  EXPECT_EQ(lookup("non.test"), "NOTFOUND ");
  EXPECT_EQ(lookup("nopol.test"), "NOTFOUND ");
  EXPECT_EQ(lookup(".enf.test"), "NOTFOUND ");
  EXPECT_EQ(lookup("[127.0.0.20]"), "NOTFOUND ");
  EXPECT_EQ(lookup("[enf.test]:25"),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(lookup("broken.test"), "NOTFOUND ");
  EXPECT_EQ(lookup("broken.test", "temp"),
            "TEMP MTA-STS policy of broken.test unavailable (sts-policy-fetch-error)");
  // DANE first: TLSA records under a validated MX RRset, never a `secure` that overrides them.
  EXPECT_EQ(lookup("dane.test"), "OK dane-only");
  // The UNIX socket answers the same, with the configured mode.
  auto client = SocketmapClient::unix_socket(unix_path());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.lookup("enf.test").value_or(""),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(std::filesystem::status(unix_path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                std::filesystem::perms::group_read | std::filesystem::perms::group_write);
}

TEST_F(Resolver, PipelinedRequestsAreAnsweredInOrderOnOneConnection)
{
  auto daemon = Daemon::start();
  auto client = SocketmapClient::tcp();
  ASSERT_TRUE(client.send_raw(SocketmapClient::netstring("postfix enf.test") +
                              SocketmapClient::netstring("postfix nopol.test") +
                              SocketmapClient::netstring("strict tst.test") +
                              SocketmapClient::netstring("postfix [192.0.2.1]")));
  EXPECT_EQ(client.read_reply().value_or(""),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(client.read_reply().value_or(""), "NOTFOUND ");
  EXPECT_EQ(client.read_reply().value_or(""), "OK secure match=mx1.tst.test servername=hostname");
  EXPECT_EQ(client.read_reply().value_or(""), "NOTFOUND ");
}

std::string scrape_metrics()
{
  auto scrape = testworld::run_command({"/usr/bin/env", "bash", "-c",
                                        "exec 3<>/dev/tcp/127.0.0.1/19461; printf 'GET /metrics "
                                        "HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"});
  return scrape ? *scrape : scrape.error();
}

// While one fetch is under way (the policy host drips the body for about 1 s), 32 lookups
// of the same cold domain wait for it and get its answer: one HTTPS fetch, never a "no policy"
// answer from the half-updated state (TXT seen, policy not yet there).
TEST_F(Resolver, ConcurrentLookupsOfAColdDomainShareOneFetch)
{
  auto daemon = Daemon::start();
  std::vector<SocketmapClient> clients;
  for (int i = 0; i < 32; ++i) {
    clients.push_back(SocketmapClient::tcp());
    ASSERT_TRUE(clients.back().send_raw(SocketmapClient::netstring("postfix drip.test")));
    if (i == 0) {
      std::this_thread::sleep_for(300ms); // the first one has seen the TXT record by now
    }
  }
  for (auto& client : clients) {
    EXPECT_EQ(client.read_reply().value_or(""),
              "OK secure match=mx1.drip.test servername=hostname");
  }
  const auto metrics = scrape_metrics();
  EXPECT_NE(metrics.find("mtasts_resolver_fetches_total{outcome=\"ok\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("mtasts_resolver_lookups_total{answer=\"ok\",reason=\"enforce\"} 32\n"),
            std::string::npos)
      << metrics;
}

TEST_F(Resolver, HostileClientsAreCutOffAndOthersKeepBeingAnswered)
{
  auto daemon = Daemon::start();
  {
    auto garbage = SocketmapClient::tcp();
    ASSERT_TRUE(garbage.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_FALSE(garbage.read_reply(5s)); // closed, nothing answered
  }
  {
    auto oversized = SocketmapClient::tcp();
    ASSERT_TRUE(oversized.send_raw("5000:postfix " + std::string(200, 'a')));
    EXPECT_FALSE(oversized.read_reply(5s));
  }
  {
    auto malformed = SocketmapClient::tcp();
    EXPECT_EQ(malformed.lookup("nospace", "").value_or(""),
              "PERM malformed request: expected \"name key\"");
  }
  {
    auto bad_terminator = SocketmapClient::tcp();
    ASSERT_TRUE(bad_terminator.send_raw("3:abc;"));
    EXPECT_FALSE(bad_terminator.read_reply(5s));
  }
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
}

TEST_F(Resolver, TenThousandIdleConnectionsDoNotStopAnswers)
{
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = std::max<rlim_t>(limit.rlim_cur, std::min<rlim_t>(limit.rlim_max, 30000));
  ::setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 12000) {
    GTEST_SKIP() << "open file limit " << limit.rlim_cur << " is below 12000";
  }
  auto daemon = Daemon::start();
  std::vector<SocketmapClient> idle;
  idle.reserve(10000);
  for (int i = 0; i < 10000; ++i) {
    idle.push_back(SocketmapClient::tcp());
    ASSERT_TRUE(idle.back().connected()) << i;
  }
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(idle[1234].lookup("tst.test", "strict").value_or(""),
            "OK secure match=mx1.tst.test servername=hostname");
}

TEST_F(Resolver, APolicyHostThatNeverAnswersDelaysOnlyItsOwnDomain)
{
  auto daemon = Daemon::start();
  auto slow = SocketmapClient::tcp();
  ASSERT_TRUE(slow.send_raw(SocketmapClient::netstring("temp slow.test")));
  // While slow.test waits for its fetch deadline (3 s), other domains are answered.
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(lookup("nopol.test"), "NOTFOUND ");
  EXPECT_EQ(slow.read_reply().value_or(""),
            "TEMP MTA-STS policy of slow.test unavailable (sts-policy-fetch-error)");
  // Backoff: the failure is remembered, no second 3 s wait.
  EXPECT_EQ(lookup("slow.test"), "NOTFOUND ");
}

TEST_F(Resolver, CachedEnforcePolicySurvivesKillAndDnsAndHttpsOutages)
{
  {
    auto daemon = Daemon::start();
    EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
    daemon.kill_hard(); // kill -9 right after the answer: the SQLite commit came first
  }
  // Restart with DNS pointing at nothing and no trust in any policy host: the cache alone answers.
  write_config();
  auto daemon = Daemon::start(
      {"--dns-server", "127.0.0.99:53", "--ca-file", g_world->ca->ca_file().string()});
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(lookup("enf.test", "temp"),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  // An uncached domain has nothing to go on: NOTFOUND by default, TEMP where configured; while
  // its DNS lookup is failing, cached domains are still answered at once.
  auto pending = SocketmapClient::tcp();
  ASSERT_TRUE(pending.send_raw(SocketmapClient::netstring("temp tst.test")));
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(pending.read_reply().value_or(""),
            "TEMP MTA-STS policy of tst.test unavailable (sts-policy-fetch-error)");
}

TEST_F(Resolver, AFleetSharesPoliciesThroughRedis)
{
  const auto binary = store::test::RedisServer::binary();
  if (binary.empty()) {
    GTEST_SKIP() << "redis-server is not installed";
  }
  store::test::RedisServer redis;
  auto started = redis.start();
  ASSERT_TRUE(started) << started.error();
  const auto url = redis.tcp_url(0, "fleet:");
  {
    auto first = Daemon::start({}, url);
    EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  }
  // Another MTA of the fleet, whose DNS is down, answers from the shared cache.
  auto second = Daemon::start({"--dns-server", "127.0.0.99:53"}, url);
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  EXPECT_EQ(lookup("tst.test"), "NOTFOUND ");
}

TEST_F(Resolver, NotifiesSystemdWhenReady)
{
  const auto path = g_world->scratch.path() / "notify.sock";
  std::filesystem::remove(path);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  auto daemon = Daemon::start();
  ::unsetenv("NOTIFY_SOCKET");
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  char message[256] = {};
  const auto n = ::recv(fd, message, sizeof message - 1, 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(message).substr(0, 8), "READY=1\n");
}

TEST_F(Resolver, QueryFlushAndMetricsThroughTheAdminListener)
{
  auto daemon = Daemon::start();
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  const auto text = run_cli({"resolver", "query", "enf.test", "--admin", k_admin});
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname")
      << text;
  EXPECT_NE(text.find("reason: enforce"), std::string::npos) << text;
  const auto explained = run_cli({"resolver", "query", "enf.test", "--admin", k_admin, "--json"});
  EXPECT_NE(explained.find("\"reason\":\"enforce\""), std::string::npos) << explained;
  EXPECT_NE(explained.find("\"id\":\"e1\""), std::string::npos) << explained;
  EXPECT_NE(explained.find("\"mx\":[\"mx1.enf.test\",\"*.mx.enf.test\",\"mx1.enf.test\"]"),
            std::string::npos)
      << explained;
  const auto flushed = run_cli({"resolver", "flush", "enf.test", "--admin", k_admin});
  EXPECT_EQ(flushed, "{\"domain\":\"enf.test\",\"flushed\":true}\n");
  const auto after = run_cli({"resolver", "query", "enf.test", "--admin", k_admin, "--json"});
  EXPECT_NE(after.find("\"reason\":\"enforce\""), std::string::npos) << after; // refetched
  EXPECT_NE(run_cli({"resolver", "flush", "--all", "--admin", k_admin}).find("\"flushed\":"),
            std::string::npos);
  // Metrics over plain HTTP.
  auto scrape = testworld::run_command({"/usr/bin/env", "bash", "-c",
                                        "exec 3<>/dev/tcp/127.0.0.1/19461; printf 'GET /metrics "
                                        "HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"});
  ASSERT_TRUE(scrape) << scrape.error();
  EXPECT_NE(scrape->find("mtasts_resolver_lookups_total{answer=\"ok\",reason=\"enforce\"}"),
            std::string::npos)
      << *scrape;
  EXPECT_NE(scrape->find("mtasts_resolver_fetches_total{outcome=\"ok\"}"), std::string::npos);
  EXPECT_NE(scrape->find("mtasts_resolver_lookup_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  // The direct mode needs no daemon.
  const auto direct = run_cli({"resolver", "query", "--direct", "--json", "--config",
                               (g_world->scratch.path() / "resolver.toml").string(), "dane.test"});
  EXPECT_NE(direct.find("\"answer\":\"OK dane-only\""), std::string::npos) << direct;
}

TEST_F(Resolver, SighupReloadsAnswersWithoutDroppingConnections)
{
  auto daemon = Daemon::start();
  auto client = SocketmapClient::tcp();
  EXPECT_EQ(client.lookup("tst.test").value_or(""), "NOTFOUND ");
  write_config("[resolver.answer]\nstrict_testing = true\n");
  ::kill(daemon.process->pid(), SIGHUP);
  std::string reply;
  for (int i = 0; i < 50 && reply != "OK secure match=mx1.tst.test servername=hostname"; ++i) {
    std::this_thread::sleep_for(100ms);
    reply = client.lookup("tst.test").value_or("<closed>");
  }
  EXPECT_EQ(reply, "OK secure match=mx1.tst.test servername=hostname") << Daemon::log_tail();
}

TEST_F(Resolver, SigtermStopsCleanlyAndCheckConfigValidates)
{
  auto daemon = Daemon::start();
  EXPECT_EQ(lookup("enf.test"), "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  const pid_t pid = daemon.process->pid();
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  daemon.process.reset();
  EXPECT_FALSE(std::filesystem::exists(unix_path()));

  const auto config = (g_world->scratch.path() / "resolver.toml").string();
  const auto cache = "sqlite://" + (g_world->scratch.path() / "cache.db").string();
  const auto checked =
      run_cli({"resolver", "--config", config, "--cache", cache, "--check-config"});
  EXPECT_NE(checked.find("configuration OK"), std::string::npos) << checked;
  // The default cache lives in /var/lib/mtasts, which this machine does not have: startup would
  // fail there, so the check fails too.
  const auto missing = run_cli({"resolver", "--config", config, "--check-config"});
  EXPECT_NE(missing.find("cache sqlite:///var/lib/mtasts/resolver.db"), std::string::npos)
      << missing;
  write_config("[resolver.zones.bad]\non_fetch_failure = \"maybe\"\n");
  const auto bad = run_cli({"resolver", "--config", config, "--check-config"});
  EXPECT_NE(bad.find("resolver.toml:19: on_fetch_failure: expected \"notfound\" or \"temp\""),
            std::string::npos)
      << bad;
}

// The daemon's explanation of `domain` (`mtasts resolver query`, JSON), polled until
// `ready(json)` holds or 10 s passed; the last one either way.
boost::json::value query_until(const std::string& domain,
                               const std::function<bool(const boost::json::value&)>& ready)
{
  boost::json::value last;
  for (int i = 0; i < 100; ++i) {
    const auto text = run_cli({"resolver", "query", domain, "--admin", k_admin, "--json"});
    boost::system::error_code ec;
    last = boost::json::parse(text, ec);
    if (!ec && ready(last)) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

// The string `value` holds ("" when it is not a string).
std::string text(const boost::json::value& value)
{
  return value.is_string() ? std::string(value.as_string()) : std::string();
}

// (mx_host, outcome, result_type) of each observation in the explanation, in order.
std::vector<std::tuple<std::string, std::string, std::string>>
outcomes(const boost::json::value& explained)
{
  std::vector<std::tuple<std::string, std::string, std::string>> found;
  const auto* observations =
      explained.is_object() ? explained.as_object().if_contains("observations") : nullptr;
  if (observations == nullptr || !observations->is_array()) {
    return found;
  }
  for (const auto& o : observations->as_array()) {
    found.emplace_back(std::string(o.at("mx_host").as_string()),
                       std::string(o.at("outcome").as_string()),
                       std::string(o.at("result_type").as_string()));
  }
  return found;
}

// Observation rows of `domain` in the SQLite cache file, read as another program would.
int observation_rows(const std::string& domain)
{
  sqlite3* db = nullptr;
  const auto path = g_world->scratch.path() / "cache.db";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_stmt* statement = nullptr;
  int rows = -1;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM observations WHERE domain = ?1", -1, &statement,
                         nullptr) == SQLITE_OK &&
      sqlite3_bind_text(statement, 1, domain.c_str(), -1, SQLITE_TRANSIENT) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    rows = sqlite3_column_int(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

// RFC 8461 §5: a testing policy changes no delivery (NOTFOUND: Postfix delivers
// opportunistically), so the daemon finds out in the background what a sender applying it as
// enforce would meet, for the TLSRPT reporter (RFC 8460): a listed MX with a good certificate
// passes, a listed MX whose certificate names another host would fail with
// certificate-host-mismatch, an MX the policy does not list would fail (§4.1) without being
// contacted. The observations survive a restart (SQLite) and go with a flush.
// A second daemon on the same UNIX socket must not take it from the running one.
TEST_F(Resolver, ASecondDaemonRefusesALiveUnixSocketAndLeavesItAlone)
{
  auto first = Daemon::start();
  EXPECT_EQ(SocketmapClient::unix_socket(unix_path()).lookup("enf.test").value_or("<closed>"),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
  const auto second = run_cli(
      {"resolver", "--config", (g_world->scratch.path() / "resolver.toml").string(), "--listen",
       "unix:" + unix_path().string(), "--admin-listen", "", "--cache", "memory:"});
  EXPECT_NE(second.find("in use: another process answers on " + unix_path().string()),
            std::string::npos)
      << second;
  EXPECT_EQ(second.find("ERROR"), 0U) << "exit status 1: " << second;
  EXPECT_TRUE(std::filesystem::exists(unix_path()));
  EXPECT_EQ(SocketmapClient::unix_socket(unix_path()).lookup("enf.test").value_or("<closed>"),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname")
      << "the running daemon still answers on its socket";
  // A socket file nobody answers on (a daemon killed with -9) is taken over.
  first.kill_hard();
  ASSERT_TRUE(std::filesystem::exists(unix_path()));
  auto third = Daemon::start();
  EXPECT_EQ(SocketmapClient::unix_socket(unix_path()).lookup("enf.test").value_or("<closed>"),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname");
}

// An admin listener other hosts can reach serves nothing without a bearer token.
TEST_F(Resolver, AnAdminListenerOffLoopbackNeedsABearerToken)
{
  const auto config = (g_world->scratch.path() / "resolver.toml").string();
  const auto refused = run_cli({"resolver", "--config", config, "--cache",
                                "memory:", "--admin-listen", "0.0.0.0:19462", "--check-config"});
  EXPECT_NE(refused.find("admin_listen: the admin listener 0.0.0.0:19462 is reachable from other "
                         "hosts"),
            std::string::npos)
      << refused;
  const auto token_file = g_world->scratch.path() / "admin.token";
  std::ofstream(token_file) << "s3cret-token-for-the-admin-listener\n";
  auto daemon =
      Daemon::start({"--admin-listen", "0.0.0.0:19462", "--admin-token-file", token_file.string()});
  const auto scrape = [](const std::string& header) {
    return testworld::run_command(
        {"/usr/bin/env", "bash", "-c",
         "exec 3<>/dev/tcp/127.0.0.1/19462; printf 'GET /metrics HTTP/1.0\\r\\n" + header +
             "\\r\\n' >&3; cat <&3"});
  };
  const auto anonymous = scrape("");
  ASSERT_TRUE(anonymous) << anonymous.error();
  EXPECT_NE(anonymous->find("401"), std::string::npos) << *anonymous;
  const auto wrong = scrape("Authorization: Bearer wrong-token-wrong-token\\r\\n");
  ASSERT_TRUE(wrong);
  EXPECT_NE(wrong->find("401"), std::string::npos) << *wrong;
  const auto authorised = scrape("Authorization: Bearer s3cret-token-for-the-admin-listener\\r\\n");
  ASSERT_TRUE(authorised);
  EXPECT_NE(authorised->find("mtasts_resolver_build_info{version="), std::string::npos)
      << *authorised;
  // The command-line client reads the same token file.
  const auto query = run_cli({"resolver", "query", "enf.test", "--admin", "127.0.0.1:19462",
                              "--admin-token-file", token_file.string()});
  EXPECT_EQ(query.substr(0, query.find('\n')),
            "OK secure match=mx1.enf.test:.mx.enf.test servername=hostname")
      << query;
}

// Under systemd (JOURNAL_STREAM set), every log line carries its syslog priority for journald.
TEST_F(Resolver, LogsCarryJournaldPrioritiesUnderSystemd)
{
  std::filesystem::remove(g_world->scratch.path() / "daemon.log"); // earlier daemons' lines
  ::setenv("JOURNAL_STREAM", "8:12345", 1);
  auto daemon = Daemon::start();
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_EQ(lookup("nofetch.test"), "NOTFOUND ");
  daemon.process.reset(); // SIGTERM: "stopping" and "stopped" are logged
  std::ifstream log(g_world->scratch.path() / "daemon.log");
  std::size_t lines = 0;
  bool info = false;
  for (std::string line; std::getline(log, line);) {
    ++lines;
    ASSERT_TRUE(line.size() > 3 && line[0] == '<' && line[2] == '>') << line;
    info = info || line.starts_with("<6>mtasts resolver");
  }
  EXPECT_GT(lines, 2U);
  EXPECT_TRUE(info);
}

// --check-config runs every check startup runs and reports every problem of the file at once.
TEST_F(Resolver, CheckConfigReportsEveryProblemThatWouldBreakTheDaemon)
{
  const auto config = (g_world->scratch.path() / "resolver.toml").string();
  write_config("[reporter]\nsend_window = \"1h\"\n[metrics]\nlisten = \"x\"\n");
  {
    std::ofstream append(config, std::ios::app);
    append << "[store]\nurl = \"memory:\"\n";
  }
  auto tables = run_cli({"resolver", "--config", config, "--cache", "memory:", "--check-config"});
  for (const auto* table :
       {"unknown table [reporter]", "unknown table [metrics]", "unknown table [store]"}) {
    EXPECT_NE(tables.find(table), std::string::npos) << table << " in " << tables;
  }
  {
    std::ofstream rewrite(config);
    rewrite << "[dns]\nservers = [\"" << g_world->nsd->server() << "\"]\ntrust_anchor = \""
            << g_world->nsd->trust_anchors().string() << "\"\n[resolver]\n"
            << "idle_timeout = \"0s\"\nrefresh_interval = 0\nfetch_bakoff = \"5m\"\n";
  }
  const auto zero =
      run_cli({"resolver", "--config", config, "--cache", "memory:", "--check-config"});
  EXPECT_NE(zero.find("idle_timeout: must be more than zero"), std::string::npos) << zero;
  EXPECT_NE(zero.find("refresh_interval: must be more than zero"), std::string::npos) << zero;
  EXPECT_NE(zero.find("unknown key \"fetch_bakoff\" in [resolver]"), std::string::npos) << zero;
  EXPECT_NE(zero.find("resolver.toml:"), std::string::npos) << "file:line" << zero;
  write_config();
  for (const auto* cache : {"memory", "bogus://x", "sqlite:///nonexistent-directory/cache.db"}) {
    const auto bad = run_cli({"resolver", "--config", config, "--cache", cache, "--check-config"});
    EXPECT_EQ(bad.find("ERROR"), 0U) << cache << ": " << bad;
    EXPECT_NE(bad.find("cache"), std::string::npos) << cache << ": " << bad;
  }
  // A trust anchor that cannot be read stops the daemon; dnssec = false is a deliberate choice.
  const auto missing_anchor =
      run_cli({"resolver", "--config", config, "--cache", "memory:", "--trust-anchor",
               "/nonexistent/root.key", "--check-config"});
  EXPECT_NE(missing_anchor.find("DNSSEC trust anchor /nonexistent/root.key: no such file"),
            std::string::npos)
      << missing_anchor;
  const auto started = run_cli({"resolver", "--config", config, "--cache",
                                "memory:", "--trust-anchor", "/nonexistent/root.key"});
  EXPECT_NE(started.find("status 512"), std::string::npos) << "exit status 2: " << started;
  {
    std::ofstream rewrite(config);
    rewrite << "[dns]\nservers = [\"" << g_world->nsd->server()
            << "\"]\ndnssec = false\n[resolver]\nlisten = [\"127.0.0.1:18461\"]\n";
  }
  const auto off =
      run_cli({"resolver", "--config", config, "--cache", "memory:", "--check-config"});
  EXPECT_NE(off.find("DNSSEC is off (dnssec = false)"), std::string::npos) << off;
  EXPECT_NE(off.find("configuration OK"), std::string::npos) << off;
  // The printed configuration is TOML that reads back the same.
  EXPECT_NE(off.find("dnssec = false"), std::string::npos) << off;
}

TEST_F(Resolver, TestingPolicyIsObservedAsUnderEnforceForTheReporter)
{
  using Outcomes = std::vector<std::tuple<std::string, std::string, std::string>>;
  const Outcomes expected{{"mx1.obs.test", "pass", ""},
                          {"mx2.obs.test", "would-fail", "certificate-host-mismatch"},
                          {"mx3.obs.test", "would-fail", "validation-failure"}};
  const auto observed = [](const boost::json::value& v) { return !outcomes(v).empty(); };
  std::string observed_at;
  {
    auto daemon = Daemon::start();
    EXPECT_EQ(lookup("obs.test"), "NOTFOUND ");
    const auto explained = query_until("obs.test", observed);
    ASSERT_EQ(outcomes(explained), expected) << explained;
    EXPECT_EQ(text(explained.at("answer")), "NOTFOUND ");
    EXPECT_EQ(text(explained.at("reason")), "testing");
    const auto& mx = explained.at("observations").as_array();
    EXPECT_EQ(text(mx[0].at("address")), k_observed_good_mx);
    EXPECT_EQ(text(mx[0].at("policy_id")), "o1");
    EXPECT_EQ(text(mx[1].at("address")), k_observed_wrong_name_mx);
    EXPECT_EQ(text(mx[2].at("address")), "");
    EXPECT_NE(std::string(mx[2].at("detail").as_string()).find("matches no mx pattern"),
              std::string::npos);
    observed_at = std::string(mx[0].at("observed_at").as_string());
    EXPECT_EQ(g_world->receivers[2].connections(), 0U); // the unlisted MX was never contacted
    const auto commands = g_world->receivers[0].last_commands();
    EXPECT_NE(std::find(commands.begin(), commands.end(), "EHLO observer.mtasts.test"),
              commands.end());                  // observe_helo
    EXPECT_EQ(lookup("obs.test"), "NOTFOUND "); // observing changes no answer
    EXPECT_EQ(lookup("obs.test", "strict"), "OK secure match=mx1.obs.test:mx2.obs.test "
                                            "servername=hostname");
    const auto metrics = scrape_metrics();
    for (const auto* line : {"mtasts_resolver_testing_observations_total{outcome=\"pass\"} 1\n",
                             "mtasts_resolver_testing_observations_total{outcome=\"would-fail\"} "
                             "2\n"}) {
      EXPECT_NE(metrics.find(line), std::string::npos) << metrics;
    }
    std::ifstream log_file(g_world->scratch.path() / "daemon.log");
    const std::string log((std::istreambuf_iterator<char>(log_file)),
                          std::istreambuf_iterator<char>());
    EXPECT_NE(log.find("warning obs.test: mode testing: under enforce, delivery to mx2.obs.test "
                       "(127.0.0.31) would fail: certificate-host-mismatch: "),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("warning obs.test: mode testing: under enforce, delivery to mx3.obs.test "
                       "would fail: validation-failure: MX host mx3.obs.test matches no mx "
                       "pattern of the policy (mx1.obs.test, mx2.obs.test)"),
              std::string::npos)
        << log;
  }
  EXPECT_EQ(observation_rows("obs.test"), 3);
  {
    // A restart on the same SQLite file: the observations are back, not made again.
    auto daemon = Daemon::start();
    const auto explained = query_until("obs.test", observed);
    ASSERT_EQ(outcomes(explained), expected) << explained;
    EXPECT_EQ(text(explained.at("observations").as_array()[0].at("observed_at")), observed_at);
    EXPECT_EQ(run_cli({"resolver", "flush", "obs.test", "--admin", k_admin}),
              "{\"domain\":\"obs.test\",\"flushed\":true}\n");
    EXPECT_EQ(observation_rows("obs.test"), 0);
  }
}

} // namespace
