// The project's own test world: real servers (NSD today; HTTPS, SMTP and Postfix later) started
// by the tests on loopback inside a private network namespace, so nothing reaches the host's
// network and parallel test processes never collide. Requires root (CI runs as root).
#pragma once

#include <mtasts/util/expected.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mtasts::testworld {

// Moves this process, and every process it starts afterwards, into a new network namespace
// with only loopback up (127.0.0.0/8 and ::1 are all local). Call once, before any socket is
// opened. Returns a message saying why it failed (not root, no CAP_SYS_ADMIN, `ip` missing).
std::optional<std::string> enter_private_network();

// Moves this process, and every process it starts afterwards, into a new mount namespace too
// (all mounts made recursive slaves, so nothing propagates back to the host) and bind-mounts a
// generated <directory>/resolv.conf ("nameserver <nameserver>", 1 s timeout) over
// /etc/resolv.conf there: programs that resolve through libc (Postfix's smtp(8), swaks, ...)
// then ask the world's NSD. The host's /etc/resolv.conf is never written. Call after
// enter_private_network(), from the thread that starts the servers, before other threads exist
// (namespaces are per thread). Returns why it failed (/etc/resolv.conf missing or a dangling
// symlink, no CAP_SYS_ADMIN).
std::optional<std::string> use_private_resolv_conf(const std::filesystem::path& directory,
                                                   const std::string& nameserver = "127.0.0.53");

// A scratch directory removed on destruction (set MTASTS_KEEP_WORLD=1 to keep it).
class ScratchDir
{
public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

// A child process with stdout and stderr appended to `log`. Stopped with SIGTERM (then SIGKILL
// after 2 s) and reaped on destruction.
class Process
{
public:
  static util::Expected<Process, std::string> start(const std::vector<std::string>& argv,
                                                    const std::filesystem::path& log);
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return m_pid; }
  bool running() const;
  void stop();

private:
  explicit Process(pid_t pid) : m_pid(pid) {}
  pid_t m_pid = -1;
};

// Runs a command to completion; returns its stdout, or an error with the exit status and output.
util::Expected<std::string, std::string> run_command(const std::vector<std::string>& argv);

// Polls until something accepts TCP connections on address:port, or the deadline passes.
bool wait_for_tcp(const std::string& address, std::uint16_t port,
                  std::chrono::milliseconds deadline = std::chrono::seconds(5));

// One authoritative zone. `records` are zone-file lines relative to the origin ($ORIGIN and
// $TTL are added, as are SOA and NS). DNSSEC: `signed_zone` signs it with ldns (ECDSA P-256,
// NSEC3); `trust_anchor` puts its DS into the world's trust anchor file; `break_after_signing`
// rewrites the first record of type `break_type` after signing so its RRSIG no longer verifies
// (bogus): "TXT" gets "tampered " inserted, "MX" a digit added to its preference, "TLSA" the
// last hex digit of its data changed.
struct Zone
{
  std::string origin; // e.g. "signed.test"
  std::vector<std::string> records;
  bool signed_zone = false;
  bool trust_anchor = true;
  bool break_after_signing = false;
  std::string break_type = "TXT"; // "TXT", "MX" or "TLSA"
};

// NSD serving `zones` on address:53 (UDP and TCP), running until destruction.
class Nsd
{
public:
  static util::Expected<Nsd, std::string> start(const std::filesystem::path& directory,
                                                const std::vector<Zone>& zones,
                                                const std::string& address = "127.0.0.53");

  const std::string& server() const { return m_server; } // "127.0.0.53:53"
  const std::filesystem::path& trust_anchors() const { return m_trust_anchors; }

private:
  Nsd(Process process, std::string server, std::filesystem::path trust_anchors)
      : m_process(std::move(process)), m_server(std::move(server)),
        m_trust_anchors(std::move(trust_anchors))
  {}
  Process m_process;
  std::string m_server;
  std::filesystem::path m_trust_anchors;
};

// One virtual host serving /.well-known/mta-sts.txt over HTTPS on address:443, selected by SNI.
// The first site of an address is also what clients without SNI (or with an unknown name) get.
struct PolicySite
{
  std::string host;    // server_name, e.g. "mta-sts.good.test"
  std::string address; // listen address, e.g. "127.0.0.10"
  std::filesystem::path certificate;
  std::filesystem::path key;
  std::string body;                        // the file served with status 200
  int status = 200;                        // other than 200: nginx's own error page
  std::string content_type = "text/plain"; // Content-Type of the body
  std::string redirect_to;                 // non-empty: 301 with this Location
  int bytes_per_second = 0;                // > 0: send the body this slowly
};

// nginx (Debian's nginx-light) serving `sites`, running until destruction.
class Nginx
{
public:
  static util::Expected<Nginx, std::string> start(const std::filesystem::path& directory,
                                                  const std::vector<PolicySite>& sites);

private:
  explicit Nginx(Process process) : m_process(std::move(process)) {}
  Process m_process;
};

} // namespace mtasts::testworld
