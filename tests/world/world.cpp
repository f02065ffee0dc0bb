#include "world.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace mtasts::testworld {

namespace {

std::vector<char*> to_argv(const std::vector<std::string>& argv)
{
  std::vector<char*> pointers;
  for (const auto& argument : argv) {
    pointers.push_back(const_cast<char*>(argument.c_str()));
  }
  pointers.push_back(nullptr);
  return pointers;
}

std::string read_file(const std::filesystem::path& path)
{
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string first_line(const std::string& text)
{
  return text.substr(0, text.find('\n'));
}

bool write_file(const std::filesystem::path& path, const std::string& content)
{
  std::ofstream file(path, std::ios::trunc);
  file << content;
  return static_cast<bool>(file);
}

} // namespace

std::optional<std::string> enter_private_network()
{
  if (geteuid() != 0) {
    return std::string("the test world needs root (network namespaces)");
  }
  if (unshare(CLONE_NEWNET) != 0) {
    return fmt::format("unshare(CLONE_NEWNET): {}", std::strerror(errno));
  }
  if (auto up = run_command({"ip", "link", "set", "lo", "up"}); !up) {
    return "cannot bring loopback up: " + up.error();
  }
  return std::nullopt;
}

std::optional<std::string> use_private_resolv_conf(const std::filesystem::path& directory,
                                                   const std::string& nameserver)
{
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  const auto file = directory / "resolv.conf";
  if (error ||
      !write_file(file, fmt::format("nameserver {}\noptions timeout:1 attempts:2\n", nameserver))) {
    return "cannot write " + file.string();
  }
  chmod(file.c_str(), 0644);
  if (unshare(CLONE_NEWNS) != 0) {
    return fmt::format("unshare(CLONE_NEWNS): {}", std::strerror(errno));
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    return fmt::format("making / a recursive slave mount: {}", std::strerror(errno));
  }
  if (mount(file.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) {
    return fmt::format("bind-mounting {} over /etc/resolv.conf: {}", file.string(),
                       std::strerror(errno));
  }
  return std::nullopt;
}

ScratchDir::ScratchDir()
{
  std::string pattern = (std::filesystem::temp_directory_path() / "mtasts-world.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::abort();
  }
  m_path = pattern;
}

ScratchDir::~ScratchDir()
{
  if (std::getenv("MTASTS_KEEP_WORLD") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
}

util::Expected<Process, std::string> Process::start(const std::vector<std::string>& argv,
                                                    const std::filesystem::path& log)
{
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return util::Unexpected(fmt::format("{}: {}", log.string(), std::strerror(errno)));
  }
  auto arguments = to_argv(argv);
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return util::Unexpected(fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // A test process that dies without unwinding (abort, timeout) must not leave its servers
    // running: the kernel sends SIGTERM when the forking thread (gtest's main thread) exits.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    execvp(arguments[0], arguments.data());
    _exit(127);
  }
  close(log_fd);
  return Process(pid);
}

Process::Process(Process&& other) noexcept : m_pid(other.m_pid)
{
  other.m_pid = -1;
}

Process& Process::operator=(Process&& other) noexcept
{
  if (this != &other) {
    stop();
    m_pid = other.m_pid;
    other.m_pid = -1;
  }
  return *this;
}

Process::~Process()
{
  stop();
}

bool Process::running() const
{
  if (m_pid <= 0) {
    return false;
  }
  int status = 0;
  return waitpid(m_pid, &status, WNOHANG) == 0;
}

void Process::stop()
{
  if (m_pid <= 0) {
    return;
  }
  kill(m_pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) != 0) {
      m_pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(m_pid, SIGKILL);
  int status = 0;
  waitpid(m_pid, &status, 0);
  m_pid = -1;
}

util::Expected<std::string, std::string> run_command(const std::vector<std::string>& argv)
{
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return util::Unexpected(fmt::format("pipe: {}", std::strerror(errno)));
  }
  auto arguments = to_argv(argv);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    execvp(arguments[0], arguments.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t got = 0;
  while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
    output.append(buffer, static_cast<std::size_t>(got));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return util::Unexpected(fmt::format("{} failed (status {}): {}", argv.front(), status, output));
  }
  return output;
}

bool wait_for_tcp(const std::string& address, std::uint16_t port,
                  std::chrono::milliseconds deadline)
{
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(port);
    inet_pton(AF_INET, address.c_str(), &target.sin_addr);
    const bool connected =
        connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) == 0;
    close(fd);
    if (connected) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

util::Expected<Nsd, std::string> Nsd::start(const std::filesystem::path& directory,
                                            const std::vector<Zone>& zones,
                                            const std::string& address)
{
  const auto zone_dir = directory / "zones";
  std::filesystem::create_directories(zone_dir);
  const auto trust_anchors = directory / "trust-anchors.ds";
  std::string anchors;
  std::string config = fmt::format(
      "server:\n  ip-address: {0}@53\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"{1}\"\n"
      "  database: \"\"\n  zonelistfile: \"{2}/zone.list\"\n  pidfile: \"{2}/nsd.pid\"\n"
      "  xfrdfile: \"{2}/xfrd.state\"\n  xfrdir: \"{2}\"\n  server-count: 1\n  verbosity: 1\n"
      "  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\nremote-control:\n  control-enable: no\n",
      address, zone_dir.string(), directory.string());

  for (const auto& zone : zones) {
    std::string body =
        fmt::format("$ORIGIN {0}.\n$TTL 300\n@ IN SOA ns1.{0}. hostmaster.{0}. 1 3600 "
                    "600 86400 300\n@ IN NS ns1.{0}.\nns1 IN A {1}\n",
                    zone.origin, address);
    for (const auto& record : zone.records) {
      body += record + "\n";
    }
    const auto file = zone_dir / (zone.origin + ".zone");
    if (!write_file(file, body)) {
      return util::Unexpected("cannot write " + file.string());
    }
    std::string served = file.filename().string();
    if (zone.signed_zone) {
      const auto in_zone_dir = [&](std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"env", "-C", zone_dir.string()});
        return run_command(argv);
      };
      auto ksk = in_zone_dir({"ldns-keygen", "-a", "ECDSAP256SHA256", "-k", zone.origin});
      auto zsk = in_zone_dir({"ldns-keygen", "-a", "ECDSAP256SHA256", zone.origin});
      if (!ksk || !zsk) {
        return util::Unexpected("ldns-keygen: " + (!ksk ? ksk.error() : zsk.error()));
      }
      const std::string ksk_name = first_line(*ksk);
      const std::string zsk_name = first_line(*zsk);
      const std::string signed_name = served + ".signed";
      auto signed_ok = in_zone_dir({"ldns-signzone", "-n", "-o", zone.origin, "-f", signed_name,
                                    served, ksk_name, zsk_name});
      if (!signed_ok) {
        return util::Unexpected("ldns-signzone: " + signed_ok.error());
      }
      if (zone.trust_anchor) {
        anchors += read_file(zone_dir / (ksk_name + ".ds"));
      }
      if (zone.break_after_signing) {
        auto text = read_file(zone_dir / signed_name);
        const auto found = text.find("\t" + zone.break_type + "\t");
        const auto end = text.find('\n', found);
        if (found == std::string::npos || end == std::string::npos ||
            (zone.break_type != "TXT" && zone.break_type != "TLSA" && zone.break_type != "MX")) {
          return util::Unexpected("break_after_signing needs a " + zone.break_type +
                                  " record (TXT, MX or TLSA) in " + zone.origin);
        }
        if (zone.break_type == "TXT") {
          text.insert(found + 6, "tampered ");
        } else if (zone.break_type == "MX") {
          text.insert(found + 4, "1"); // the preference gains a digit
        } else {
          char& digit = text[end - 1]; // the last hex digit of the association data
          digit = digit == '0' ? '1' : '0';
        }
        write_file(zone_dir / signed_name, text);
      }
      served = signed_name;
    }
    config += fmt::format("zone:\n  name: {}\n  zonefile: {}\n", zone.origin, served);
  }
  if (!write_file(trust_anchors, anchors) || !write_file(directory / "nsd.conf", config)) {
    return util::Unexpected("cannot write the NSD configuration");
  }
  if (auto checked = run_command({"nsd-checkconf", (directory / "nsd.conf").string()}); !checked) {
    return util::Unexpected(checked.error());
  }
  auto process =
      Process::start({"nsd", "-d", "-c", (directory / "nsd.conf").string()}, directory / "nsd.log");
  if (!process) {
    return util::Unexpected(process.error());
  }
  if (!wait_for_tcp(address, 53)) {
    return util::Unexpected("NSD did not start; see " + (directory / "nsd.log").string() + ": " +
                            read_file(directory / "nsd.log"));
  }
  return Nsd(std::move(*process), address + ":53", trust_anchors);
}

util::Expected<Nginx, std::string> Nginx::start(const std::filesystem::path& directory,
                                                const std::vector<PolicySite>& sites)
{
  const auto site_dir = directory / "sites";
  const auto temp_dir = directory / "nginx-temp";
  std::filesystem::create_directories(site_dir);
  std::filesystem::create_directories(temp_dir);
  std::string config = fmt::format(
      "daemon off;\nmaster_process off;\nworker_processes 1;\npid {0}/nginx.pid;\n"
      "error_log {0}/nginx-error.log info;\nevents {{ worker_connections 4096; }}\nhttp {{\n"
      "  access_log off;\n  client_body_temp_path {1}/body;\n  proxy_temp_path {1}/proxy;\n"
      "  fastcgi_temp_path {1}/fastcgi;\n  uwsgi_temp_path {1}/uwsgi;\n  scgi_temp_path "
      "{1}/scgi;\n",
      directory.string(), temp_dir.string());
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const auto& site = sites[i];
    const auto body_file = site_dir / fmt::format("site{}.txt", i);
    if (!write_file(body_file, site.body)) {
      return util::Unexpected("cannot write " + body_file.string());
    }
    std::string location;
    if (!site.redirect_to.empty()) {
      location = fmt::format("return 301 {};", site.redirect_to);
    } else if (site.status != 200) {
      location = fmt::format("return {};", site.status);
    } else {
      location = fmt::format("types {{ }} default_type \"{}\"; alias {};", site.content_type,
                             body_file.string());
      if (site.bytes_per_second > 0) {
        location +=
            fmt::format(" limit_rate {}; sendfile off; output_buffers 1 1;", site.bytes_per_second);
      }
    }
    // The first server block of an address sets its listen queue: deep enough for a benchmark
    // that opens hundreds of connections at once (a full queue drops SYNs: 1 s stalls).
    const bool first_on_address = std::ranges::find(addresses, site.address) == addresses.end();
    config += fmt::format("  server {{\n    listen {}:443 ssl{};\n    server_name {};\n"
                          "    ssl_certificate {};\n    ssl_certificate_key {};\n"
                          "    ssl_protocols TLSv1.2 TLSv1.3;\n"
                          "    location = /.well-known/mta-sts.txt {{ {} }}\n  }}\n",
                          site.address, first_on_address ? " backlog=4096" : "", site.host,
                          site.certificate.string(), site.key.string(), location);
    if (first_on_address) {
      addresses.push_back(site.address);
    }
  }
  config += "}\n";
  const auto config_file = directory / "nginx.conf";
  if (!write_file(config_file, config)) {
    return util::Unexpected("cannot write " + config_file.string());
  }
  if (auto checked = run_command({"nginx", "-t", "-q", "-c", config_file.string()}); !checked) {
    return util::Unexpected(checked.error());
  }
  auto process = Process::start({"nginx", "-c", config_file.string()}, directory / "nginx.log");
  if (!process) {
    return util::Unexpected(process.error());
  }
  for (const auto& address : addresses) {
    if (!wait_for_tcp(address, 443)) {
      return util::Unexpected("nginx did not start: " + read_file(directory / "nginx-error.log"));
    }
  }
  return Nginx(std::move(*process));
}

} // namespace mtasts::testworld
