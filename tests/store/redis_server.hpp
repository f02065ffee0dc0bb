// A real redis-server for one test: started as a child of the test process on 127.0.0.1 on a free
// port and on a unix socket in a scratch directory, with persistence off
// (--save '' --appendonly no), stopped by PID (SIGKILL) by stop() or the destructor. The child
// also gets SIGKILL when the test process dies (PR_SET_PDEATHSIG).
#pragma once

#include <mtasts/util/expected.hpp>

#include <sys/types.h>

#include "temp_dir.hpp"
#include <cstdint>
#include <string>

namespace mtasts::store::test {

class RedisServer
{
public:
  // The redis-server binary: $MTASTS_REDIS_SERVER, else /usr/bin/redis-server; empty when it is
  // not executable (tests skip then).
  static std::string binary();

  RedisServer() = default;
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server and waits until it answers PING. The first start picks a free port (and
  // tries another one when the port was taken meanwhile); later starts reuse it, so that clients
  // can reconnect to the same address.
  util::Expected<bool, std::string> start();
  // SIGKILL + waitpid; the data is gone (no persistence).
  void stop();

  bool running() const { return m_pid > 0; }
  std::uint16_t port() const { return m_port; }
  std::string socket_path() const { return m_dir.file("redis.sock"); }
  // redis://127.0.0.1:PORT/DB?prefix=PREFIX
  std::string tcp_url(int db, const std::string& prefix) const;

private:
  util::Expected<bool, std::string> start_on(std::uint16_t port);

  TempDir m_dir;
  std::uint16_t m_port = 0;
  pid_t m_pid = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (0 on failure).
std::uint16_t free_local_port();

} // namespace mtasts::store::test
