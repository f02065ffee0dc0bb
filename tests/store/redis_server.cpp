#include "redis_server.hpp"

#include <mtasts/store/redis_handles.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

namespace mtasts::store::test {

namespace {

using util::Unexpected;

bool answers_ping(const std::string& socket_path)
{
  const timeval limit{0, 200'000};
  RedisContextPtr context(redisConnectUnixWithTimeout(socket_path.c_str(), limit));
  if (!context || context->err != 0) {
    return false;
  }
  RedisReplyPtr reply(static_cast<redisReply*>(redisCommand(context.get(), "PING")));
  return reply && reply->type == REDIS_REPLY_STATUS && std::string_view(reply->str) == "PONG";
}

} // namespace

std::uint16_t free_local_port()
{
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return 0;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  std::uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

std::string RedisServer::binary()
{
  const char* configured = std::getenv("MTASTS_REDIS_SERVER");
  std::string path = configured != nullptr ? configured : "/usr/bin/redis-server";
  return access(path.c_str(), X_OK) == 0 ? path : std::string();
}

RedisServer::~RedisServer()
{
  stop();
}

std::string RedisServer::tcp_url(int db, const std::string& prefix) const
{
  return "redis://127.0.0.1:" + std::to_string(m_port) + "/" + std::to_string(db) +
         "?prefix=" + prefix;
}

util::Expected<bool, std::string> RedisServer::start()
{
  if (m_dir.path().empty()) {
    return Unexpected(std::string("cannot create a scratch directory"));
  }
  if (m_port != 0) {
    return start_on(m_port);
  }
  std::string last_error = "no free port";
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::uint16_t port = free_local_port();
    if (port == 0) {
      continue;
    }
    auto started = start_on(port);
    if (started) {
      m_port = port;
      return true;
    }
    last_error = started.error();
  }
  return Unexpected(last_error);
}

util::Expected<bool, std::string> RedisServer::start_on(std::uint16_t port)
{
  stop();
  const std::string program = binary();
  if (program.empty()) {
    return Unexpected(std::string("redis-server is not installed"));
  }
  const std::string port_text = std::to_string(port);
  const std::string dir = m_dir.path().string();
  const std::string socket = socket_path();
  const std::string log = m_dir.file("redis.log");
  std::vector<std::string> arguments{program,     "--save",           "",        "--appendonly",
                                     "no",        "--port",           port_text, "--bind",
                                     "127.0.0.1", "--daemonize",      "no",      "--unixsocket",
                                     socket,      "--unixsocketperm", "700",     "--dir",
                                     dir,         "--logfile",        log};
  std::vector<char*> argv;
  for (std::string& argument : arguments) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    return Unexpected(std::string("fork failed"));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(127);
    }
    const int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      dup2(null_fd, STDOUT_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  m_pid = pid;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      return Unexpected("redis-server exited at start on port " + port_text + " (see " + log + ")");
    }
    if (answers_ping(socket)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  return Unexpected("redis-server did not answer PING within 10 s on port " + port_text);
}

void RedisServer::stop()
{
  if (m_pid <= 0) {
    return;
  }
  kill(m_pid, SIGKILL);
  int status = 0;
  waitpid(m_pid, &status, 0);
  m_pid = -1;
}

} // namespace mtasts::store::test
