#include "postfix.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

namespace mtasts::testworld {

namespace {

constexpr const char* k_postfix = "postfix";
constexpr const char* k_postmap = "postmap";

std::string read_whole_file(const std::filesystem::path& path)
{
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

bool write_text(const std::filesystem::path& path, const std::string& content)
{
  std::ofstream file(path, std::ios::trunc);
  file << content;
  return static_cast<bool>(file);
}

std::string read_memfd(int fd)
{
  std::string text;
  char buffer[4096];
  off_t offset = 0;
  ssize_t got = 0;
  while ((got = pread(fd, buffer, sizeof buffer, offset)) > 0) {
    text.append(buffer, static_cast<std::size_t>(got));
    offset += got;
  }
  return text;
}

std::string last_lines(const std::string& text, std::size_t count)
{
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    lines.push_back(std::move(line));
  }
  std::string tail;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
    tail += lines[i] + "\n";
  }
  return tail;
}

// Postfix re-reads a configuration file until its mtime is safely in the past; date it back.
void backdate(const std::filesystem::path& path)
{
  timeval times[2];
  gettimeofday(&times[0], nullptr);
  times[0].tv_sec -= 60;
  times[1] = times[0];
  utimes(path.c_str(), times);
}

// One directory with owner, group and mode (set even when it already exists).
std::optional<std::string> make_directory(const std::filesystem::path& path, uid_t owner,
                                          gid_t group, mode_t mode)
{
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return fmt::format("{}: {}", path.string(), error.message());
  }
  if (chown(path.c_str(), owner, group) != 0 || chmod(path.c_str(), mode) != 0) {
    return fmt::format("{}: {}", path.string(), std::strerror(errno));
  }
  return std::nullopt;
}

// A line-oriented SMTP client over one blocking socket with 10 s timeouts.
class SmtpSubmission
{
public:
  SmtpSubmission() = default;
  SmtpSubmission(const SmtpSubmission&) = delete;
  SmtpSubmission& operator=(const SmtpSubmission&) = delete;
  ~SmtpSubmission()
  {
    if (m_fd >= 0) {
      close(m_fd);
    }
  }

  std::optional<std::string> connect_to(const std::string& address, std::uint16_t port)
  {
    m_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
      return fmt::format("socket: {}", std::strerror(errno));
    }
    timeval timeout{};
    timeout.tv_sec = 10;
    setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(port);
    if (inet_pton(AF_INET, address.c_str(), &target.sin_addr) != 1) {
      return "not an IPv4 address: " + address;
    }
    if (connect(m_fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
      return fmt::format("connect {}:{}: {}", address, port, std::strerror(errno));
    }
    return std::nullopt;
  }

  bool write_all(std::string_view data)
  {
    while (!data.empty()) {
      const ssize_t sent = send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // The complete (possibly multi-line) reply; empty when the connection failed.
  std::string read_reply()
  {
    std::string reply;
    for (;;) {
      const auto newline = m_input.find('\n');
      if (newline == std::string::npos) {
        char buffer[4096];
        const ssize_t got = recv(m_fd, buffer, sizeof buffer, 0);
        if (got <= 0) {
          return {};
        }
        m_input.append(buffer, static_cast<std::size_t>(got));
        continue;
      }
      std::string line = m_input.substr(0, newline + 1);
      m_input.erase(0, newline + 1);
      reply += line;
      if (line.size() < 4 || line[3] != '-') {
        return reply;
      }
    }
  }

  // Sends `command` (unless empty) and checks that the reply starts with `expected`.
  util::Expected<std::string, std::string> exchange(const std::string& command,
                                                    std::string_view expected)
  {
    if (!command.empty() && !write_all(command + "\r\n")) {
      return util::Unexpected("cannot send " + command);
    }
    auto reply = read_reply();
    if (reply.rfind(expected, 0) != 0) {
      return util::Unexpected(fmt::format("after '{}': expected {}, got '{}'",
                                          command.empty() ? "connect" : command, expected, reply));
    }
    return reply;
  }

private:
  int m_fd = -1;
  std::string m_input;
};

// One connection attempt: does something accept on address:port right now?
bool accepts_tcp(const std::string& address, std::uint16_t port)
{
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port);
  const bool connected =
      fd >= 0 && inet_pton(AF_INET, address.c_str(), &target.sin_addr) == 1 &&
      connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) == 0;
  if (fd >= 0) {
    close(fd);
  }
  return connected;
}

// State and process group of a process from /proc/PID/stat ("pid (comm) S ppid pgrp ...").
struct ProcessStat
{
  char state = 'X';
  long group = 0;
};

ProcessStat process_stat(const std::string& pid)
{
  const auto stat = read_whole_file("/proc/" + pid + "/stat");
  const auto close_paren = stat.rfind(')');
  ProcessStat result;
  if (close_paren == std::string::npos) {
    return result;
  }
  std::istringstream fields(stat.substr(close_paren + 1));
  long parent = 0;
  if (!(fields >> result.state >> parent >> result.group)) {
    result.state = 'X';
  }
  return result;
}

// kill(pid, 0) also succeeds for a zombie, which a daemon's new parent may reap late.
bool running(char state)
{
  return state != 'Z' && state != 'X';
}

bool process_alive(pid_t pid)
{
  return running(process_stat(std::to_string(pid)).state);
}

// Is any process of process group `group` still running (not a zombie)?
bool group_alive(pid_t group)
{
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto stat = process_stat(name);
    if (stat.group == group && running(stat.state)) {
      return true;
    }
  }
  return false;
}

} // namespace

CommandResult run_command_result(const std::vector<std::string>& argv, bool stderr_on_tty)
{
  CommandResult result;
  if (argv.empty()) {
    result.err = "no command";
    return result;
  }
  const int out_fd = memfd_create("stdout", MFD_CLOEXEC);
  const int err_fd = stderr_on_tty ? posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
                                   : memfd_create("stderr", MFD_CLOEXEC);
  std::string terminal;
  if (out_fd >= 0 && err_fd >= 0 && stderr_on_tty) {
    if (grantpt(err_fd) == 0 && unlockpt(err_fd) == 0 && ptsname(err_fd) != nullptr) {
      terminal = ptsname(err_fd);
    }
  }
  if (out_fd < 0 || err_fd < 0 || (stderr_on_tty && terminal.empty())) {
    result.err = fmt::format("cannot capture output: {}", std::strerror(errno));
    for (const int fd : {out_fd, err_fd}) {
      if (fd >= 0) {
        close(fd);
      }
    }
    return result;
  }
  std::vector<char*> arguments;
  for (const auto& argument : argv) {
    arguments.push_back(const_cast<char*>(argument.c_str()));
  }
  arguments.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    if (stderr_on_tty) {
      const int tty_fd = open(terminal.c_str(), O_RDWR | O_NOCTTY);
      dup2(tty_fd, STDERR_FILENO);
    } else {
      dup2(err_fd, STDERR_FILENO);
    }
    execvp(arguments[0], arguments.data());
    _exit(127);
  }
  if (pid < 0) {
    result.err = fmt::format("fork: {}", std::strerror(errno));
  } else {
    // A terminal holds little: read it while the command runs, and what is left afterwards.
    const auto drain_terminal = [&](int wait_ms) {
      pollfd ready{err_fd, POLLIN, 0};
      while (poll(&ready, 1, wait_ms) > 0 && (ready.revents & POLLIN) != 0) {
        char buffer[4096];
        const ssize_t got = read(err_fd, buffer, sizeof buffer);
        if (got <= 0) {
          break;
        }
        result.err.append(buffer, static_cast<std::size_t>(got));
        wait_ms = 0;
      }
    };
    int status = 0;
    for (;;) {
      const pid_t done = waitpid(pid, &status, stderr_on_tty ? WNOHANG : 0);
      if (done == pid || (done < 0 && errno != EINTR)) {
        break;
      }
      if (stderr_on_tty) {
        drain_terminal(20);
      }
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_memfd(out_fd);
    if (stderr_on_tty) {
      drain_terminal(0);
      std::erase(result.err, '\r');
    } else {
      result.err = read_memfd(err_fd);
    }
  }
  close(out_fd);
  close(err_fd);
  return result;
}

Postfix::Postfix(PostfixOptions options, std::filesystem::path base)
    : m_options(std::move(options)), m_base(std::move(base)), m_config_directory(m_base / "etc"),
      m_maillog(m_base / "maillog")
{}

Postfix::Postfix(Postfix&& other) noexcept
    : m_options(std::move(other.m_options)), m_base(std::move(other.m_base)),
      m_config_directory(std::move(other.m_config_directory)),
      m_maillog(std::move(other.m_maillog)), m_running(other.m_running)
{
  other.m_running = false;
}

Postfix& Postfix::operator=(Postfix&& other) noexcept
{
  if (this != &other) {
    stop();
    m_options = std::move(other.m_options);
    m_base = std::move(other.m_base);
    m_config_directory = std::move(other.m_config_directory);
    m_maillog = std::move(other.m_maillog);
    m_running = other.m_running;
    other.m_running = false;
  }
  return *this;
}

Postfix::~Postfix()
{
  stop();
}

util::Expected<Postfix, std::string> Postfix::start(ScratchDir& scratch, PostfixOptions options)
{
  const passwd* user = getpwnam("postfix");
  const group* postdrop = getgrnam("postdrop");
  if (user == nullptr || postdrop == nullptr) {
    return util::Unexpected(std::string("no postfix user or postdrop group: install postfix"));
  }
  if (accepts_tcp(options.smtpd_address, options.smtpd_port)) {
    // master(8) would listen as well (SO_REUSEPORT) and share the port with the other server.
    return util::Unexpected(fmt::format("{}:{} already accepts connections", options.smtpd_address,
                                        options.smtpd_port));
  }
  const uid_t postfix_uid = user->pw_uid;
  const gid_t postdrop_gid = postdrop->gr_gid;
  const auto base = scratch.path() / options.name;
  Postfix instance(std::move(options), base);
  const auto& opts = instance.m_options;
  const auto spool = base / "spool";
  const auto data = base / "data";

  // The postfix user must reach the queue (and the CA file below the scratch directory).
  for (auto directory = base; !directory.empty(); directory = directory.parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    std::filesystem::permissions(directory, std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add, error);
    if (directory == scratch.path() || directory == directory.parent_path()) {
      break;
    }
  }
  // The layout `post-install create-missing` makes, created directly (it is also slower).
  struct QueueDirectory
  {
    const char* name;
    uid_t owner;
    gid_t group;
    mode_t mode;
  };
  const QueueDirectory layout[] = {
      {"active", postfix_uid, 0, 0700},
      {"bounce", postfix_uid, 0, 0700},
      {"corrupt", postfix_uid, 0, 0700},
      {"defer", postfix_uid, 0, 0700},
      {"deferred", postfix_uid, 0, 0700},
      {"flush", postfix_uid, 0, 0700},
      {"hold", postfix_uid, 0, 0700},
      {"incoming", postfix_uid, 0, 0700},
      {"private", postfix_uid, 0, 0700},
      {"saved", postfix_uid, 0, 0700},
      {"trace", postfix_uid, 0, 0700},
      {"maildrop", postfix_uid, postdrop_gid, 0730},
      {"public", postfix_uid, postdrop_gid, 0710},
      {"pid", 0, 0, 0755},
  };
  for (const auto& [path, owner, group_id, mode] :
       {std::tuple{instance.m_config_directory, uid_t{0}, gid_t{0}, mode_t{0755}},
        std::tuple{spool, uid_t{0}, gid_t{0}, mode_t{0755}},
        std::tuple{data, postfix_uid, gid_t{0}, mode_t{0700}}}) {
    if (auto error = make_directory(path, owner, group_id, mode)) {
      return util::Unexpected(*error);
    }
  }
  for (const auto& entry : layout) {
    if (auto error = make_directory(spool / entry.name, entry.owner, entry.group, entry.mode)) {
      return util::Unexpected(*error);
    }
  }

  std::string main_cf =
      fmt::format("compatibility_level = 3.6\n"
                  "queue_directory = {base}/spool\n"
                  "data_directory = {base}/data\n"
                  "myhostname = {host}\n"
                  "mydomain = {host}\n"
                  "myorigin = $mydomain\n"
                  "mydestination =\n"
                  "relay_domains =\n"
                  "inet_interfaces = {address}\n"
                  "inet_protocols = ipv4\n"
                  "mynetworks = 127.0.0.0/8\n"
                  "smtpd_relay_restrictions = permit_mynetworks, reject\n"
                  "maillog_file_prefixes = /\n"
                  "maillog_file = {base}/maillog\n"
                  "smtp_tls_security_level = may\n"
                  "smtp_tls_loglevel = 1\n"
                  "smtp_connect_timeout = 5s\n"
                  "minimal_backoff_time = 1s\n"
                  "maximal_backoff_time = 2s\n"
                  "queue_run_delay = 1s\n"
                  "notify_classes =\n"
                  "alias_maps =\n"
                  "alias_database =\n"
                  "biff = no\n"
                  "fast_flush_domains =\n",
                  fmt::arg("base", base.string()), fmt::arg("host", opts.myhostname),
                  fmt::arg("address", opts.smtpd_address));
  if (!opts.ca_file.empty()) {
    main_cf += "smtp_tls_CAfile = " + opts.ca_file.string() + "\n";
  }
  if (!opts.tls_policy_maps.empty()) {
    main_cf += "smtp_tls_policy_maps = " + opts.tls_policy_maps + "\n";
  }
  for (const auto& line : opts.extra_main_cf) {
    main_cf += line + "\n";
  }
  // service type  private unpriv  chroot  wakeup  maxproc command
  const std::string master_cf = fmt::format("{}:{} inet n - n - - smtpd\n"
                                            "pickup    unix  n - n 60    1 pickup\n"
                                            "cleanup   unix  n - n -     0 cleanup\n"
                                            "qmgr      unix  n - n 300   1 qmgr\n"
                                            "tlsmgr    unix  - - n 1000? 1 tlsmgr\n"
                                            "rewrite   unix  - - n -     - trivial-rewrite\n"
                                            "bounce    unix  - - n -     0 bounce\n"
                                            "defer     unix  - - n -     0 bounce\n"
                                            "trace     unix  - - n -     0 bounce\n"
                                            "verify    unix  - - n -     1 verify\n"
                                            "flush     unix  n - n 1000? 0 flush\n"
                                            "proxymap  unix  - - n -     - proxymap\n"
                                            "smtp      unix  - - n -     - smtp\n"
                                            "relay     unix  - - n -     - smtp\n"
                                            "showq     unix  n - n -     - showq\n"
                                            "error     unix  - - n -     - error\n"
                                            "retry     unix  - - n -     - error\n"
                                            "discard   unix  - - n -     - discard\n"
                                            "local     unix  - n n -     - local\n"
                                            "lmtp      unix  - - n -     - lmtp\n"
                                            "anvil     unix  - - n -     1 anvil\n"
                                            "scache    unix  - - n -     1 scache\n"
                                            "postlog   unix-dgram n - n - 1 postlogd\n",
                                            opts.smtpd_address, opts.smtpd_port);
  const auto main_file = instance.m_config_directory / "main.cf";
  const auto master_file = instance.m_config_directory / "master.cf";
  if (!write_text(main_file, main_cf) || !write_text(master_file, master_cf)) {
    return util::Unexpected("cannot write the configuration in " +
                            instance.m_config_directory.string());
  }
  backdate(main_file);
  backdate(master_file);
  // postfix-script skips its integrity checks (post-install create-missing, postsuper, and a
  // dozen find(1) runs over the queue and /etc/postfix) when this file exists, and removes it.
  // The queue was just created above with the layout those checks would make.
  if (!write_text(spool / "quick-start", "")) {
    return util::Unexpected("cannot write " + (spool / "quick-start").string());
  }

  // Postfix prints its fatal errors only to a terminal or the log, and an error found before
  // logging starts (inet_interfaces, main.cf syntax) never reaches the log: give it a terminal.
  const auto started =
      run_command_result({k_postfix, "-c", instance.m_config_directory.string(), "start"}, true);
  if (started.exit_code != 0) {
    return util::Unexpected(fmt::format("postfix start failed (exit {}): {}{}\nmaillog:\n{}",
                                        started.exit_code, started.out, started.err,
                                        last_lines(instance.log(), 20)));
  }
  instance.m_running = true;
  if (!wait_for_tcp(opts.smtpd_address, opts.smtpd_port)) {
    return util::Unexpected(fmt::format("smtpd does not accept on {}:{}; maillog:\n{}",
                                        opts.smtpd_address, opts.smtpd_port,
                                        last_lines(instance.log(), 20)));
  }
  return instance;
}

util::Expected<std::string, std::string>
Postfix::send(const std::string& from, const std::string& to, const std::string& subject) const
{
  SmtpSubmission smtp;
  if (auto error = smtp.connect_to(m_options.smtpd_address, m_options.smtpd_port)) {
    return util::Unexpected(*error);
  }
  std::string reply;
  for (const auto& [command, expected] : {std::pair<std::string, std::string_view>{"", "220 "},
                                          {"EHLO client.test", "250"},
                                          {"MAIL FROM:<" + from + ">", "250"},
                                          {"RCPT TO:<" + to + ">", "250"},
                                          {"DATA", "354"}}) {
    auto answered = smtp.exchange(command, expected);
    if (!answered) {
      return util::Unexpected(answered.error());
    }
  }
  const std::string message = fmt::format(
      "From: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nMessage-ID: <{}.{}@client.test>\r\n\r\n"
      "Sent by the mtasts test world.\r\n.",
      from, to, subject, getpid(), std::chrono::steady_clock::now().time_since_epoch().count());
  auto queued = smtp.exchange(message, "250");
  if (!queued) {
    return util::Unexpected(queued.error());
  }
  (void)smtp.exchange("QUIT", "221");
  const std::string marker = "queued as ";
  const auto found = queued->find(marker);
  if (found == std::string::npos) {
    return util::Unexpected("no queue id in: " + *queued);
  }
  const auto begin = found + marker.size();
  const auto end = queued->find_first_of(" \r\n", begin);
  return queued->substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::optional<std::string> Postfix::wait_for_log(const std::regex& pattern,
                                                 std::chrono::milliseconds timeout) const
{
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::istringstream lines(log());
    std::string line;
    while (std::getline(lines, line)) {
      if (std::regex_search(line, pattern)) {
        return line;
      }
    }
    if (std::chrono::steady_clock::now() >= until) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<std::string> Postfix::wait_for_log(std::string_view substring,
                                                 std::chrono::milliseconds timeout) const
{
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::istringstream lines(log());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find(substring) != std::string::npos) {
        return line;
      }
    }
    if (std::chrono::steady_clock::now() >= until) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string Postfix::log() const
{
  return read_whole_file(m_maillog);
}

CommandResult Postfix::postmap_query(const std::string& key, const std::string& map) const
{
  return run_command_result({k_postmap, "-c", m_config_directory.string(), "-q", key, map});
}

std::optional<std::string> Postfix::flush() const
{
  const auto flushed = run_command_result({k_postfix, "-c", m_config_directory.string(), "flush"});
  if (flushed.exit_code != 0) {
    return fmt::format("postfix flush failed (exit {}): {}{}", flushed.exit_code, flushed.out,
                       flushed.err);
  }
  return std::nullopt;
}

std::optional<pid_t> Postfix::master_pid() const
{
  std::istringstream text(read_whole_file(m_base / "spool" / "pid" / "master.pid"));
  long pid = 0;
  if (!(text >> pid) || pid <= 0 || !process_alive(static_cast<pid_t>(pid))) {
    return std::nullopt;
  }
  return static_cast<pid_t>(pid);
}

void Postfix::stop()
{
  if (!m_running) {
    return;
  }
  m_running = false;
  const auto pid = master_pid();
  if (!pid) {
    (void)run_command_result({k_postfix, "-c", m_config_directory.string(), "stop"});
    return;
  }
  // What `postfix stop` does (postfix-script: kill the pid in master.pid, then poll), without
  // its first check coming too early and costing a 1 s sleep: master(8) ends its children.
  // Its process group (master(8) calls setsid) still holds processes after the master exits:
  // children forked but not yet exec'ed (they keep the listening sockets open) and children
  // ending with a fatal error, which sleeps 1 s. The master has told them all to go: kill the
  // rest instead of waiting for them.
  kill(*pid, SIGTERM);
  for (int i = 0; i < 250 && process_alive(*pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int i = 0; i < 100 && group_alive(*pid); ++i) {
    kill(-*pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

} // namespace mtasts::testworld
