// The real `mtasts serve` binary in a private network namespace: NSD for the served domains, a
// test CA for their certificates, and real clients: curl (HTTPS and HTTP), openssl s_client
// (SNI rules), raw sockets (limits), `mtasts check` and `mtasts resolver query --direct` (an
// RFC 8461 sender fetching from it). Each test writes its own configuration and starts its own
// daemon; the state directory is shared so ids persist across restarts where a test wants it.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../world/pki.hpp"
#include "../world/postfix.hpp"
#include "../world/world.hpp"
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace {

using namespace mtasts;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string k_serve_address = "127.0.0.40";
const std::string k_admin = "127.0.0.1:19462";

struct World
{
  testworld::ScratchDir scratch;
  std::optional<testworld::TestCa> ca;
  std::optional<testworld::Nsd> nsd;
  std::filesystem::path state;
  std::map<std::string, testworld::CertificateFiles> certificates; // by domain
};
World* g_world = nullptr;

class ServeWorld : public ::testing::Environment
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
    std::vector<testworld::Zone> zones;
    for (const std::string name : {"alpha", "beta", "gamma", "delta"}) {
      const std::string domain = name + ".test";
      auto files = w.ca->issue(
          name, testworld::CertificateRequest{"mta-sts." + domain, {"mta-sts." + domain}, {}});
      ASSERT_TRUE(files) << files.error();
      w.certificates[domain] = *files;
      testworld::Zone zone;
      zone.origin = domain;
      zone.records = {"_mta-sts IN TXT \"v=STSv1; id=1\"", "mta-sts IN A " + k_serve_address,
                      "@ IN MX 10 mx1." + domain + ".", "mx1 IN A 127.0.0.20"};
      zones.push_back(zone);
    }
    // omega's policy host points where nothing listens: ACME validation fails there.
    testworld::Zone omega;
    omega.origin = "omega.test";
    omega.records = {"_mta-sts IN TXT \"v=STSv1; id=1\"", "mta-sts IN A 127.0.0.41",
                     "@ IN MX 10 mx1.omega.test.", "mx1 IN A 127.0.0.20"};
    zones.push_back(omega);
    auto nsd = testworld::Nsd::start(w.scratch.path() / "dns", zones);
    ASSERT_TRUE(nsd) << nsd.error();
    w.nsd.emplace(std::move(*nsd));
    w.state = w.scratch.path() / "state";
    std::filesystem::create_directories(w.state);
  }
  void TearDown() override
  {
    delete g_world;
    g_world = nullptr;
  }
};

const auto* const g_environment = ::testing::AddGlobalTestEnvironment(new ServeWorld());

std::filesystem::path config_path()
{
  return g_world->scratch.path() / "serve.toml";
}

struct DomainSpec
{
  DomainSpec(std::string name_, std::string mode_ = "enforce", std::string certificate_ = "",
             std::string key_ = "")
      : name(std::move(name_)), mode(std::move(mode_)), certificate(std::move(certificate_)),
        key(std::move(key_))
  {}
  std::string name;
  std::string mode;
  std::string mx = "mx1";
  std::string certificate; // default: the CA's certificate for the domain
  std::string key;
};

void write_config(const std::vector<DomainSpec>& domains, const std::string& serve_extra = "",
                  const std::string& tables = "")
{
  std::ofstream out(config_path());
  out << "[dns]\nservers = [\"127.0.0.53\"]\n[serve]\nhttps_listen = [\"" << k_serve_address
      << ":443\"]\nhttp_listen = [\"" << k_serve_address << ":80\"]\nstate_dir = \""
      << g_world->state.string() << "\"\nheader_timeout = \"2s\"\nidle_timeout = \"3s\"\n"
      << serve_extra << "\n[admin]\nlisten = \"" << k_admin << "\"\n"
      << tables << "\n";
  for (const auto& d : domains) {
    const auto& files = g_world->certificates[d.name];
    out << "[[domain]]\nname = \"" << d.name << "\"\nmode = \"" << d.mode << "\"\nmx = [\"" << d.mx
        << "." << d.name << "\"]\nmax_age = 86400\nrua = [\"mailto:tlsrpt@" << d.name << "\"]\n";
    if (d.certificate != "acme") {
      out << "certificate = \""
          << (d.certificate.empty() ? files.certificate.string() : d.certificate) << "\"\nkey = \""
          << (d.key.empty() ? files.key.string() : d.key) << "\"\n";
    }
  }
}

std::string log_tail(const std::string& name = "serve.log")
{
  std::ifstream in(g_world->scratch.path() / name);
  std::stringstream text;
  text << in.rdbuf();
  const auto all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

struct Serve
{
  std::optional<testworld::Process> process;

  static Serve start(const std::string& log = "serve.log")
  {
    Serve serve;
    auto process = testworld::Process::start(
        {MTASTS_BINARY, "serve", "--config", config_path().string(), "--log-level", "debug"},
        g_world->scratch.path() / log);
    EXPECT_TRUE(process) << process.error();
    if (process) {
      serve.process.emplace(std::move(*process));
      EXPECT_TRUE(testworld::wait_for_tcp(k_serve_address, 443, 10s)) << log_tail();
      EXPECT_TRUE(testworld::wait_for_tcp("127.0.0.1", 19462, 10s)) << log_tail();
    }
    return serve;
  }
  void reload() const { ::kill(process->pid(), SIGHUP); }
};

testworld::CommandResult run(std::vector<std::string> argv)
{
  return testworld::run_command_result(argv);
}

testworld::CommandResult mtasts(std::vector<std::string> arguments)
{
  arguments.insert(arguments.begin(), MTASTS_BINARY);
  return run(arguments);
}

// curl to the policy host of `domain` (SNI and Host from the URL), with extra arguments.
testworld::CommandResult curl(const std::string& domain, std::vector<std::string> extra,
                              const std::string& path = "/.well-known/mta-sts.txt")
{
  std::vector<std::string> argv{"curl",       "-sS",
                                "--max-time", "10",
                                "--cacert",   g_world->ca->ca_file().string(),
                                "--resolve",  "mta-sts." + domain + ":443:" + k_serve_address,
                                "-D",         "-"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("https://mta-sts." + domain + path);
  return run(argv);
}

int status_of(const std::string& response)
{
  // "HTTP/1.1 200 OK" (the last status line, after any interim ones)
  // "HTTP/1.1 200 OK" or "HTTP/2 200"
  const auto at = response.rfind("HTTP/");
  const auto space = at == std::string::npos ? at : response.find(' ', at);
  return space == std::string::npos ? 0 : std::atoi(response.c_str() + space + 1);
}

std::string header(const std::string& response, const std::string& name)
{
  std::istringstream lines(response);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.size() > name.size() + 1 &&
        strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 && line[name.size()] == ':') {
      return line.substr(name.size() + 2);
    }
  }
  return {};
}

std::string body_of(const std::string& response)
{
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

json::object admin_status()
{
  const auto result = run({"curl", "-sS", "--max-time", "5", "http://" + k_admin + "/status"});
  boost::system::error_code ec;
  auto value = json::parse(result.out, ec);
  return ec || !value.is_object() ? json::object{} : value.as_object();
}

std::string served_id(const std::string& domain)
{
  const auto status = admin_status();
  if (const auto* domains = status.if_contains("domains")) {
    for (const auto& d : domains->as_array()) {
      if (d.as_object().at("name").as_string() == domain) {
        return std::string(d.as_object().at("id").as_string());
      }
    }
  }
  return {};
}

// The SHA-256 fingerprint of the certificate served for `server_name` ("" when refused).
std::string served_fingerprint(const std::string& server_name)
{
  const auto result =
      run({"sh", "-c",
           "openssl s_client -connect " + k_serve_address + ":443 -servername " + server_name +
               " </dev/null 2>/dev/null | openssl x509 -noout -fingerprint "
               "-sha256 2>/dev/null"});
  return result.out;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::seconds limit = 15s)
{
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(200ms);
  }
  return condition();
}

const std::string k_alpha_policy =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.alpha.test\r\nmax_age: 86400\r\n";

TEST(Serve, ServesThePolicyAsSendersFetchIt)
{
  write_config({{"alpha.test"}, {"beta.test", "testing"}});
  auto serve = Serve::start();
  const auto get = curl("alpha.test", {});
  ASSERT_EQ(get.exit_code, 0) << get.err << log_tail();
  EXPECT_EQ(status_of(get.out), 200) << get.out;
  EXPECT_EQ(header(get.out, "Content-Type"), "text/plain");
  EXPECT_EQ(header(get.out, "Content-Length"), std::to_string(k_alpha_policy.size()));
  EXPECT_EQ(header(get.out, "Cache-Control"), "max-age=300");
  EXPECT_EQ(body_of(get.out), k_alpha_policy);
  const auto beta = curl("beta.test", {});
  EXPECT_NE(body_of(beta.out).find("mode: testing\r\n"), std::string::npos) << beta.out;
  // HEAD: the same headers, no body.
  const auto head = curl("alpha.test", {"-I"});
  EXPECT_EQ(status_of(head.out), 200);
  EXPECT_EQ(header(head.out, "Content-Length"), std::to_string(k_alpha_policy.size()));
  EXPECT_EQ(head.out.find("version: STSv1"), std::string::npos) << head.out;
  // HTTP/1.0 without keep-alive.
  const auto old = curl("alpha.test", {"--http1.0"});
  EXPECT_EQ(status_of(old.out), 200) << old.out;
  EXPECT_EQ(body_of(old.out), k_alpha_policy);
  // Keep-alive: two requests, one connection.
  const auto twice = run({"curl", "-sS", "--cacert", g_world->ca->ca_file().string(), "--resolve",
                          "mta-sts.alpha.test:443:" + k_serve_address, "-w", "%{num_connects}\n",
                          "-o", "/dev/null", "https://mta-sts.alpha.test/.well-known/mta-sts.txt",
                          "-o", "/dev/null", "https://mta-sts.alpha.test/.well-known/mta-sts.txt"});
  EXPECT_EQ(twice.out, "1\n0\n") << twice.err;
}

TEST(Serve, StatusCodesForOtherPathsMethodsAndHosts)
{
  write_config({{"alpha.test"}, {"beta.test"}});
  auto serve = Serve::start();
  const auto other = curl("alpha.test", {}, "/index.html");
  EXPECT_EQ(status_of(other.out), 404) << other.out;
  EXPECT_EQ(body_of(other.out), "not found: this host serves only /.well-known/mta-sts.txt\n");
  const auto post = curl("alpha.test", {"-X", "POST", "--data", "x"});
  EXPECT_EQ(status_of(post.out), 405) << post.out;
  EXPECT_EQ(header(post.out, "Allow"), "GET, HEAD");
  const auto misdirected = curl("alpha.test", {"-H", "Host: mta-sts.beta.test"});
  EXPECT_EQ(status_of(misdirected.out), 421) << misdirected.out;
  EXPECT_EQ(header(misdirected.out, "Location"), "");
  // The plain-HTTP listener never serves the policy and never redirects.
  const auto plain = run({"curl", "-sS", "-D", "-", "--max-time", "5", "--resolve",
                          "mta-sts.alpha.test:80:" + k_serve_address,
                          "http://mta-sts.alpha.test/.well-known/mta-sts.txt"});
  EXPECT_EQ(status_of(plain.out), 404) << plain.out << plain.err;
  EXPECT_EQ(body_of(plain.out), "the MTA-STS policy is served over HTTPS only\n");
  EXPECT_EQ(header(plain.out, "Location"), "");
}

TEST(Serve, UnknownOrMissingServerNameGetsUnrecognizedName)
{
  write_config({{"alpha.test"}});
  auto serve = Serve::start();
  for (const std::vector<std::string>& sni :
       {std::vector<std::string>{"-servername", "mta-sts.unknown.test"},
        std::vector<std::string>{"-noservername"}}) {
    std::vector<std::string> argv{"openssl", "s_client", "-connect", k_serve_address + ":443"};
    argv.insert(argv.end(), sni.begin(), sni.end());
    const auto result = run(argv);
    EXPECT_NE(result.err.find("unrecognized name"), std::string::npos) << result.err;
    EXPECT_EQ(result.out.find("BEGIN CERTIFICATE"), std::string::npos) << result.out;
  }
  EXPECT_NE(served_fingerprint("mta-sts.alpha.test"), "");
  // Case and a trailing dot do not matter (RFC 6066: host names compare case-insensitively).
  EXPECT_EQ(served_fingerprint("MTA-STS.Alpha.TEST"), served_fingerprint("mta-sts.alpha.test"));
  const auto status = admin_status();
  const auto& refused = status.at("refused_handshakes").as_object();
  EXPECT_GE(refused.at("unknown_name").as_int64(), 1);
  EXPECT_GE(refused.at("no_sni").as_int64(), 1);
}

TEST(Serve, SendersFetchFromIt)
{
  write_config({{"alpha.test"}});
  auto serve = Serve::start();
  const auto check = mtasts({"check", "alpha.test", "--no-smtp", "--dns-server", "127.0.0.53",
                             "--ca-file", g_world->ca->ca_file().string(), "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  boost::system::error_code ec;
  const auto document = json::parse(check.out, ec);
  ASSERT_FALSE(ec) << check.out;
  const auto& domain = document.at("domains").as_array().at(0).as_object();
  const auto& sender = domain.at("sender").as_object();
  EXPECT_TRUE(sender.at("applied").as_bool()) << json::serialize(sender);
  EXPECT_EQ(sender.at("reason").as_string(), "enforce") << json::serialize(sender);
  const auto query = mtasts({"resolver", "query", "--direct", "alpha.test", "--dns-server",
                             "127.0.0.53", "--ca-file", g_world->ca->ca_file().string()});
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("secure match=mx1.alpha.test"), std::string::npos) << query.out;
}

TEST(Serve, TheIdChangesWithThePolicyAndOnlyThen)
{
  write_config({{"gamma.test", "testing"}});
  std::string first;
  {
    auto serve = Serve::start();
    first = served_id("gamma.test");
    ASSERT_FALSE(first.empty()) << log_tail();
    const auto records = mtasts({"serve", "records", "--config", config_path().string()});
    EXPECT_EQ(records.exit_code, 0) << records.err;
    EXPECT_NE(records.out.find("_mta-sts.gamma.test. 3600 IN TXT \"v=STSv1; id=" + first + "\""),
              std::string::npos)
        << records.out;
    EXPECT_NE(records.out.find("mta-sts.gamma.test. 3600 IN A " + k_serve_address),
              std::string::npos)
        << records.out;
    EXPECT_NE(
        records.out.find(
            "_smtp._tls.gamma.test. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@gamma.test\""),
        std::string::npos)
        << records.out;
    const auto as_json = mtasts({"serve", "records", "--config", config_path().string(), "--json"});
    EXPECT_NE(as_json.out.find("\"id\":\"" + first + "\""), std::string::npos) << as_json.out;
    // testing -> enforce: the new policy is served, then it has a new id.
    std::this_thread::sleep_for(1100ms);
    write_config({{"gamma.test", "enforce"}});
    serve.reload();
    EXPECT_TRUE(wait_until([] {
      return body_of(curl("gamma.test", {}).out).find("mode: enforce") != std::string::npos;
    })) << log_tail();
    const auto second = served_id("gamma.test");
    EXPECT_NE(second, first);
    first = second;
  }
  // A restart with the same policy keeps the id.
  auto serve = Serve::start();
  EXPECT_EQ(served_id("gamma.test"), first);
}

TEST(Serve, CertificateFilesArePickedUpWhenTheyChangeOrAppear)
{
  const auto directory = g_world->scratch.path() / "live";
  std::filesystem::create_directories(directory);
  const auto certificate = directory / "beta.pem";
  const auto key = directory / "beta.key";
  std::filesystem::remove(certificate);
  std::filesystem::remove(key);
  write_config({{"beta.test", "enforce", certificate.string(), key.string()}});
  auto serve = Serve::start();
  // No certificate yet: refused at the handshake, and said so.
  EXPECT_EQ(served_fingerprint("mta-sts.beta.test"), "");
  EXPECT_NE(log_tail().find("handshakes for mta-sts.beta.test are refused"), std::string::npos)
      << log_tail();
  const auto status = admin_status();
  EXPECT_EQ(
      status.at("domains").as_array().at(0).as_object().at("certificate").as_object().at("state"),
      "refused")
      << json::serialize(status);
  // certbot's deploy: the files appear; no signal.
  auto first = g_world->ca->issue(
      "beta-1", testworld::CertificateRequest{"mta-sts.beta.test", {"mta-sts.beta.test"}, {}});
  ASSERT_TRUE(first);
  std::filesystem::copy_file(first->key, key, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(first->certificate, certificate,
                             std::filesystem::copy_options::overwrite_existing);
  std::string fingerprint;
  EXPECT_TRUE(wait_until([&] {
    fingerprint = served_fingerprint("mta-sts.beta.test");
    return !fingerprint.empty();
  })) << log_tail();
  // Renewal: new files replace the old ones.
  auto second = g_world->ca->issue(
      "beta-2", testworld::CertificateRequest{"mta-sts.beta.test", {"mta-sts.beta.test"}, {}});
  ASSERT_TRUE(second);
  std::filesystem::copy_file(second->key, key, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(second->certificate, certificate,
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_TRUE(wait_until([&] {
    const auto now = served_fingerprint("mta-sts.beta.test");
    return !now.empty() && now != fingerprint;
  })) << log_tail();
}

int connect_to(const std::string& address, std::uint16_t port)
{
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the server closed `fd` within `limit` (read returns 0 or an error).
// Whatever the server sends before closing is read and dropped; `sent` gets it.
bool closed_within(int fd, std::chrono::milliseconds limit, std::string* sent = nullptr)
{
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return false;
    }
    const auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      return true;
    }
    if (n > 0 && sent != nullptr) {
      sent->append(buffer, static_cast<std::size_t>(n));
    }
  }
}

TEST(Serve, HostileClientsAreBounded)
{
  write_config({{"alpha.test"}}, "max_connections_per_client = 4");
  auto serve = Serve::start();
  // A client that sends its header slowly is cut off at header_timeout (2 s here).
  const int slow = connect_to(k_serve_address, 80);
  ASSERT_GE(slow, 0);
  ASSERT_EQ(::send(slow, "GET / HTTP/1.1\r\nHo", 18, MSG_NOSIGNAL), 18);
  const auto sent_at = std::chrono::steady_clock::now();
  std::string answer;
  EXPECT_TRUE(closed_within(slow, 5s, &answer));
  EXPECT_GE(std::chrono::steady_clock::now() - sent_at, 1500ms);
  EXPECT_EQ(answer, "");
  ::close(slow);
  // An oversized header gets 431 and the connection closes.
  const int big = connect_to(k_serve_address, 80);
  const std::string request =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
  ::send(big, request.data(), request.size(), MSG_NOSIGNAL);
  char reply[64] = {};
  ASSERT_GT(::recv(big, reply, sizeof reply - 1, 0), 12);
  EXPECT_EQ(std::string(reply, 12), "HTTP/1.1 431");
  ::close(big);
  // Per-client limit: the fifth connection from one address is closed at once, while the four
  // are kept; the others still get answers.
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(connect_to(k_serve_address, 443));
  }
  std::this_thread::sleep_for(200ms);
  const int fifth = connect_to(k_serve_address, 443);
  EXPECT_TRUE(closed_within(fifth, 2s));
  ::close(fifth);
  EXPECT_FALSE(closed_within(held[0], 200ms));
  for (const int fd : held) {
    ::close(fd);
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(status_of(curl("alpha.test", {}).out), 200);
}

TEST(Serve, CheckConfigNamesEveryProblem)
{
  write_config({{"alpha.test"}});
  const auto good = mtasts({"serve", "--config", config_path().string(), "--check-config"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.out.find("configuration OK"), std::string::npos);
  // A certificate for another name, and a domain without certificate (ACME not in this version).
  std::ofstream(config_path(), std::ios::app)
      << "[[domain]]\nname = \"delta.test\"\nmx = [\"mx1.delta.test\"]\n"
      << "[[domain]]\nname = \"epsilon.test\"\nmx = [\"mx1.epsilon.test\"]\ncertificate = \""
      << g_world->certificates["alpha.test"].certificate.string() << "\"\nkey = \""
      << g_world->certificates["alpha.test"].key.string() << "\"\n";
  const auto bad = mtasts({"serve", "--config", config_path().string(), "--check-config"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("delta.test: no certificate and key, and no [acme]"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("does not cover mta-sts.epsilon.test"), std::string::npos) << bad.err;
}

TEST(Serve, DomainsAreManagedAtRunTimeThroughTheAdminApi)
{
  write_config({{"alpha.test"}});
  const auto& files = g_world->certificates["delta.test"];
  const std::vector<std::string> config{"--config", config_path().string()};
  const auto domains = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), "domains");
    arguments.insert(arguments.end(), config.begin(), config.end());
    return mtasts(arguments);
  };
  std::string id;
  {
    auto serve = Serve::start();
    const auto added = domains({"add", "delta.test", "--mode", "testing", "--mx", "mx1.delta.test",
                                "--max-age", "86400", "--certificate", files.certificate.string(),
                                "--key", files.key.string(), "--json"});
    ASSERT_EQ(added.exit_code, 0) << added.out << added.err << log_tail();
    EXPECT_NE(added.out.find("\"source\":\"runtime\""), std::string::npos) << added.out;
    EXPECT_NE(body_of(curl("delta.test", {}).out).find("mode: testing\r\n"), std::string::npos);
    id = served_id("delta.test");
    // The instant change the hosted services sell: testing -> enforce, with a new id.
    std::this_thread::sleep_for(1100ms);
    const auto set = domains({"set", "delta.test", "--mode", "enforce"});
    ASSERT_EQ(set.exit_code, 0) << set.err;
    EXPECT_NE(set.out.find("mode enforce"), std::string::npos) << set.out;
    EXPECT_NE(body_of(curl("delta.test", {}).out).find("mode: enforce\r\n"), std::string::npos);
    EXPECT_NE(served_id("delta.test"), id);
    id = served_id("delta.test");
    // What may not be done, and why.
    const auto again = domains({"add", "delta.test", "--mx", "mx1.delta.test", "--certificate",
                                files.certificate.string(), "--key", files.key.string()});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("already served"), std::string::npos) << again.err;
    const auto configured = domains({"set", "alpha.test", "--mode", "none"});
    EXPECT_EQ(configured.exit_code, 1);
    EXPECT_NE(configured.err.find("configured in"), std::string::npos) << configured.err;
    const auto invalid = domains({"add", "epsilon.test", "--mode", "enforce"});
    EXPECT_EQ(invalid.exit_code, 2);
    EXPECT_NE(invalid.err.find("needs at least one mx"), std::string::npos) << invalid.err;
    const auto unknown = domains({"show", "nowhere.test"});
    EXPECT_EQ(unknown.exit_code, 1);
    const auto list = domains({"list"});
    EXPECT_NE(list.out.find("alpha.test"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("delta.test"), std::string::npos) << list.out;
  }
  // Run-time domains and their ids survive a restart.
  auto serve = Serve::start();
  EXPECT_EQ(served_id("delta.test"), id);
  EXPECT_NE(body_of(curl("delta.test", {}).out).find("mode: enforce\r\n"), std::string::npos);
  // Offboarding: mode none with a new id, for the old max_age; then forgotten. A short max_age
  // first, so the test sees the end.
  ASSERT_EQ(domains({"set", "delta.test", "--max-age", "2"}).exit_code, 0);
  std::this_thread::sleep_for(1100ms);
  const auto before = served_id("delta.test");
  const auto removed = domains({"remove", "delta.test", "--json"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(body_of(curl("delta.test", {}).out).find("mode: none\r\n"), std::string::npos);
  EXPECT_NE(served_id("delta.test"), before);
  EXPECT_NE(removed.out.find("\"forget_at\":"), std::string::npos);
  EXPECT_TRUE(wait_until([] { return served_id("delta.test").empty(); }, 20s)) << log_tail();
  EXPECT_EQ(served_fingerprint("mta-sts.delta.test"), "");
}

// --- ACME against pebble (Debian's package): the real protocol, both challenges, badNonce
// (pebble rejects 40% of nonces here), a failed validation, a restart, a renewal.

struct Pebble
{
  std::optional<testworld::Process> process;
  std::filesystem::path root; // pebble's issuing root, fetched from its management API

  static Pebble start()
  {
    Pebble pebble;
    const auto directory = g_world->scratch.path() / "pebble";
    std::filesystem::create_directories(directory);
    auto files = g_world->ca->issue(
        "pebble", testworld::CertificateRequest{"localhost", {"localhost"}, {"127.0.0.1"}});
    EXPECT_TRUE(files);
    std::ofstream(directory / "pebble.json")
        << R"({"pebble":{"listenAddress":"127.0.0.1:14000",)"
        << R"("managementListenAddress":"127.0.0.1:15000","certificate":")"
        << files->certificate.string() << R"(","privateKey":")" << files->key.string()
        << R"(","httpPort":80,"tlsPort":443,"ocspResponderURL":"",)"
        << R"("externalAccountBindingRequired":false}})";
    ::setenv("PEBBLE_VA_NOSLEEP", "1", 1);
    ::setenv("PEBBLE_WFE_NONCEREJECT", "40", 1);
    auto process = testworld::Process::start(
        {"pebble", "-config", (directory / "pebble.json").string(), "-dnsserver", "127.0.0.53:53"},
        directory / "pebble.log");
    ::unsetenv("PEBBLE_WFE_NONCEREJECT");
    EXPECT_TRUE(process) << process.error();
    pebble.process.emplace(std::move(*process));
    EXPECT_TRUE(testworld::wait_for_tcp("127.0.0.1", 14000, 10s));
    EXPECT_TRUE(testworld::wait_for_tcp("127.0.0.1", 15000, 10s));
    pebble.root = directory / "root.pem";
    const auto fetched =
        run({"curl", "-sS", "-k", "-o", pebble.root.string(), "https://127.0.0.1:15000/roots/0"});
    EXPECT_EQ(fetched.exit_code, 0) << fetched.err;
    return pebble;
  }
};

std::string acme_table(const std::string& challenge, const std::string& renew_before = "30d")
{
  return "[acme]\ndirectory = \"https://127.0.0.1:14000/dir\"\nemail = \"hostmaster@alpha.test\"\n"
         "ca_file = \"" +
         g_world->ca->ca_file().string() + "\"\nchallenge = \"" + challenge +
         "\"\nrenew_before = \"" + renew_before + "\"\n";
}

std::string acme_state(const std::string& domain)
{
  const auto status = admin_status();
  if (const auto* domains = status.if_contains("domains")) {
    for (const auto& d : domains->as_array()) {
      if (d.as_object().at("name").as_string() == domain) {
        const auto& certificate = d.as_object().at("certificate").as_object();
        if (const auto* acme = certificate.if_contains("acme")) {
          return std::string(acme->as_string());
        }
      }
    }
  }
  return {};
}

// curl of the policy, trusting pebble's root only.
int fetch_with_root(const std::string& domain, const std::filesystem::path& root)
{
  const auto result =
      run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert",
           root.string(), "--resolve", "mta-sts." + domain + ":443:" + k_serve_address,
           "https://mta-sts." + domain + "/.well-known/mta-sts.txt"});
  return std::atoi(result.out.c_str());
}

std::size_t count_of(const std::string& text, const std::string& what)
{
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

TEST(ServeAcme, CertificatesFromPebbleByBothChallengesRenewedAndReused)
{
  auto pebble = Pebble::start();
  std::filesystem::remove_all(g_world->state / "acme");
  const auto state = g_world->state;
  // tls-alpn-01 on the HTTPS listener; omega cannot be validated.
  write_config({{"alpha.test", "enforce", "acme"}, {"omega.test", "enforce", "acme"}}, "",
               acme_table("tls-alpn-01"));
  std::string first;
  {
    auto serve = Serve::start("acme.log");
    EXPECT_TRUE(wait_until([&] { return fetch_with_root("alpha.test", pebble.root) == 200; }, 60s))
        << log_tail("acme.log");
    EXPECT_EQ(acme_state("alpha.test"), "issued");
    first = served_fingerprint("mta-sts.alpha.test");
    EXPECT_NE(first, "");
    // The key files are the daemon's alone.
    struct stat info
    {};
    ASSERT_EQ(::stat((state / "acme/certs/mta-sts.alpha.test.key").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U);
    ASSERT_EQ(::stat((state / "acme/account.key").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U);
    // badNonce answers were retried (pebble rejected 40% of nonces).
    EXPECT_GT(admin_status().at("acme_bad_nonce_retries").as_int64(), 0);
    // A failed validation: said so in the status and the log; the name stays refused.
    EXPECT_TRUE(wait_until([] { return acme_state("omega.test").starts_with("error:"); }, 60s))
        << log_tail("acme.log");
    EXPECT_EQ(served_fingerprint("mta-sts.omega.test"), "");
    EXPECT_NE(log_tail("acme.log").find("mta-sts.omega.test: no certificate:"), std::string::npos);
    // The issued certificate satisfies an RFC 8461 sender that trusts pebble's root.
    const auto check = mtasts({"check", "alpha.test", "--no-smtp", "--dns-server", "127.0.0.53",
                               "--ca-file", pebble.root.string()});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  }
  // A restart reuses the account and the certificate: no new order for alpha.
  const auto orders_before = count_of(log_tail("acme.log"), "mta-sts.alpha.test: ordering");
  write_config({{"alpha.test", "enforce", "acme"}}, "", acme_table("tls-alpn-01"));
  {
    auto serve = Serve::start("acme.log");
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(served_fingerprint("mta-sts.alpha.test"), first);
    EXPECT_EQ(count_of(log_tail("acme.log"), "mta-sts.alpha.test: ordering"), orders_before);
    EXPECT_EQ(acme_state("alpha.test"), "issued");
  }
  // Renewal: with renew_before longer than what is left, the certificate is replaced.
  write_config({{"alpha.test", "enforce", "acme"}}, "", acme_table("tls-alpn-01", "36500d"));
  {
    auto serve = Serve::start("acme.log");
    EXPECT_TRUE(wait_until(
        [&] {
          const auto now = served_fingerprint("mta-sts.alpha.test");
          return !now.empty() && now != first;
        },
        60s))
        << log_tail("acme.log");
  }
  // http-01 on the plain-HTTP listener.
  write_config({{"beta.test", "enforce", "acme"}}, "", acme_table("http-01"));
  {
    auto serve = Serve::start("acme.log");
    EXPECT_TRUE(wait_until([&] { return fetch_with_root("beta.test", pebble.root) == 200; }, 60s))
        << log_tail("acme.log");
    EXPECT_EQ(acme_state("beta.test"), "issued");
  }
}

std::string domain_warnings(const std::string& domain)
{
  const auto status = admin_status();
  if (const auto* domains = status.if_contains("domains")) {
    for (const auto& d : domains->as_array()) {
      if (d.as_object().at("name").as_string() == domain) {
        return json::serialize(d.as_object().at("warnings"));
      }
    }
  }
  return "none";
}

TEST(Serve, WarnsWhenThePolicyDoesNotCoverTheMxHosts)
{
  DomainSpec alpha{"alpha.test"};
  alpha.mx = "mx9"; // the MX RRset holds mx1.alpha.test
  write_config({alpha});
  auto serve = Serve::start();
  EXPECT_TRUE(wait_until([] {
    return domain_warnings("alpha.test")
               .find("MX host mx1.alpha.test is covered by no mx pattern") != std::string::npos;
  })) << domain_warnings("alpha.test");
  alpha.mx = "mx1";
  write_config({alpha});
  serve.reload();
  EXPECT_TRUE(wait_until([] { return domain_warnings("alpha.test") == "[]"; }))
      << domain_warnings("alpha.test");
  alpha.mx = "mx9";
  write_config({alpha});
  serve.reload();
  EXPECT_TRUE(wait_until([] {
    return domain_warnings("alpha.test")
               .find("removes mx pattern mx1.alpha.test, which still covers MX host "
                     "mx1.alpha.test") != std::string::npos;
  })) << domain_warnings("alpha.test");
  EXPECT_NE(log_tail().find("removes mx pattern mx1.alpha.test"), std::string::npos);
}

// --- policy new --web-server: the nginx and Caddy configurations it prints, run for real.

std::string web_server_config(const std::string& server)
{
  const auto& files = g_world->certificates["alpha.test"];
  const auto made = mtasts({"policy", "new", "--domain", "alpha.test", "--mx", "mx1.alpha.test",
                            "--mode", "enforce", "--web-server", server, "--certificate",
                            files.certificate.string(), "--key", files.key.string(), "--json"});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  boost::system::error_code ec;
  const auto document = json::parse(made.out, ec);
  if (ec) {
    return {};
  }
  return std::string(document.at("web_server").at("config").as_string());
}

void expect_a_policy_host(const std::string& what)
{
  const auto get = curl("alpha.test", {});
  EXPECT_EQ(status_of(get.out), 200) << what << get.out << get.err;
  EXPECT_EQ(header(get.out, "Content-Type").substr(0, 10), "text/plain") << what;
  EXPECT_NE(body_of(get.out).find("mode: enforce"), std::string::npos) << what << get.out;
  EXPECT_EQ(status_of(curl("alpha.test", {}, "/other").out), 404) << what;
  const auto check = mtasts({"check", "alpha.test", "--no-smtp", "--dns-server", "127.0.0.53",
                             "--ca-file", g_world->ca->ca_file().string()});
  EXPECT_EQ(check.exit_code, 0) << what << check.out << check.err;
}

TEST(WebServerConfig, NginxServesOnlyThePolicy)
{
  const auto snippet = web_server_config("nginx");
  ASSERT_NE(snippet.find("server_name mta-sts.alpha.test;"), std::string::npos) << snippet;
  const auto directory = g_world->scratch.path() / "nginx-snippet";
  std::filesystem::create_directories(directory / "temp");
  std::string listen_here = snippet;
  // The test world has the policy host at 127.0.0.40 only.
  for (const std::string from : {"listen 443 ssl;", "listen [::]:443 ssl;"}) {
    listen_here.replace(listen_here.find(from), from.size(),
                        from.starts_with("listen 443") ? "listen " + k_serve_address + ":443 ssl;"
                                                       : "");
  }
  std::ofstream(directory / "nginx.conf")
      << "daemon off;\nmaster_process off;\npid " << (directory / "nginx.pid").string()
      << ";\nerror_log " << (directory / "error.log").string() << ";\nevents {}\nhttp {\n"
      << "access_log off;\nclient_body_temp_path " << (directory / "temp").string() << ";\n"
      << "proxy_temp_path " << (directory / "temp").string() << ";\nfastcgi_temp_path "
      << (directory / "temp").string() << ";\nuwsgi_temp_path " << (directory / "temp").string()
      << ";\nscgi_temp_path " << (directory / "temp").string() << ";\n"
      << listen_here << "}\n";
  auto nginx = testworld::Process::start({"nginx", "-c", (directory / "nginx.conf").string()},
                                         directory / "nginx.log");
  ASSERT_TRUE(nginx) << nginx.error();
  ASSERT_TRUE(testworld::wait_for_tcp(k_serve_address, 443, 10s));
  expect_a_policy_host("nginx: ");
}

TEST(WebServerConfig, CaddyServesOnlyThePolicy)
{
  ASSERT_EQ(::access("/usr/bin/caddy", X_OK), 0)
      << "caddy is not installed (scripts/install-deps.sh installs it)";
  const auto snippet = web_server_config("caddy");
  ASSERT_NE(snippet.find("mta-sts.alpha.test {"), std::string::npos) << snippet;
  const auto directory = g_world->scratch.path() / "caddy-snippet";
  std::filesystem::create_directories(directory);
  // Global options of the test only: no admin endpoint, no port 80 redirects, the world's address.
  std::ofstream(directory / "Caddyfile")
      << "{\n    admin off\n    auto_https disable_redirects\n    default_bind " << k_serve_address
      << "\n    storage file_system " << (directory / "data").string() << "\n}\n"
      << snippet;
  ::setenv("HOME", directory.c_str(), 1);
  auto caddy = testworld::Process::start(
      {"caddy", "run", "--config", (directory / "Caddyfile").string(), "--adapter", "caddyfile"},
      directory / "caddy.log");
  ASSERT_TRUE(caddy) << caddy.error();
  ASSERT_TRUE(testworld::wait_for_tcp(k_serve_address, 443, 15s));
  expect_a_policy_host("caddy: ");
}

} // namespace
