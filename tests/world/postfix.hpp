// A real Postfix (Debian 12: 3.7) as the sending MTA of the test world, so tests can assert what
// Postfix itself does with a TLS policy (later: `socketmap:inet:127.0.0.1:PORT:postfix` served
// by the product's resolver daemon).
//
// Contract
// - Call testworld::enter_private_network() and then testworld::use_private_resolv_conf() first,
//   from the main thread, before any thread exists: Postfix's smtp(8) resolves MX and A records
//   through libc (/etc/resolv.conf), and master(8), started by `postfix start` from this
//   process, inherits this process's network and mount namespaces (namespaces are per thread;
//   children inherit the forking thread's).
// - One instance per PostfixOptions::name below the scratch directory: main.cf and master.cf in
//   <name>/etc (passed as `postfix -c`), queue in <name>/spool, data in <name>/data (owned by
//   postfix), log in <name>/maillog (maillog_file, no syslog). Every service has chroot off.
//   smtpd listens on smtpd_address:smtpd_port (127.0.0.1:2525); mynetworks 127.0.0.0/8 may
//   relay anywhere; mydestination is empty (nothing is delivered locally); TLS level `may`
//   with the test CA, smtp_tls_loglevel 1; retries every second (deferred mail is retried
//   within about 2 s).
// - The destructor stops master(8) as `postfix stop` does (SIGTERM to the pid in master.pid;
//   `postfix stop` itself then polls once at once and otherwise sleeps 1 s, so it took 0.05 s
//   or 1.05 s at random), waits for the master to exit and SIGKILLs what is left of its
//   process group: children forked but not yet exec'ed still hold the smtpd socket for a few
//   ms, and children that hit a fatal error ("master died") sleep 1 s before exiting.
//   A test process that dies without unwinding leaves the master running in its namespace.
//
// Pitfalls found (Postfix 3.7.11)
// - Every Postfix program re-reads main.cf until its mtime is at least 2 s in the past (it
//   waits 300 ms per round, "file modified while reading"): a freshly written main.cf costs
//   about 2 s for EVERY command (postfix start, postmap, postconf). start() therefore dates
//   main.cf and master.cf one minute back. With that, `postfix start` with a fresh queue takes
//   about 0.4 s (the notes' 2.6 s was this wait); creating the queue directly and writing
//   <queue>/quick-start (postfix-script then skips check-fatal/check-warn: post-install
//   create-missing, postsuper, a dozen find runs) brings it to 0.1-0.2 s. Stop: 0.01-0.05 s.
// - Every fatal error sleeps 1 s before exiting (msg_fatal), so failing commands are slow.
// - `postfix start` prints fatal errors only to a tty or to the log, and errors found before
//   logging is set up (e.g. "no local interface found for" a bad inet_interfaces) never reach
//   the log: start() runs it with stderr on a pseudo-terminal and returns that output AND the
//   tail of maillog on failure.
// - Two instances on the same smtpd address:port both start (master(8) listens with
//   SO_REUSEPORT) and the kernel then splits connections between them: start() refuses a port
//   that already accepts connections.
// - maillog_file must be allowed by maillog_file_prefixes (default /var, /dev/stdout only).
// - The queue directory must exist before `postfix start` (create-missing needs to chdir into
//   it) and every path component above it must be traversable by the postfix user: start()
//   adds o+x to the scratch directory (mkdtemp makes it 0700) and to the directories between.
// - master(8) daemonizes and is reparented away from the test process: it cannot be waited
//   for; liveness is read from /proc (a dead master may stay a zombie under a PID 1 that does
//   not reap).
// - Postfix asks the TLS policy map for the parent domain form ".example" after a NOTFOUND for
//   "example" (see the notes); the inline: map needs `{ key = value with spaces }` for values
//   with blanks.
#pragma once

#include <mtasts/util/expected.hpp>

#include <sys/types.h>

#include "world.hpp"
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::testworld {

// What a command did: its exit code (128 + signal when killed, 127 when it could not be run),
// and what it wrote to stdout and stderr, separately.
struct CommandResult
{
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv to completion with stdin from /dev/null and stdout/stderr captured in anonymous
// in-memory files (not pipes: a daemon started by the command, such as Postfix's master, may
// keep inheriting them, and a pipe would then never see end-of-file). `stderr_on_tty`: stderr
// is a pseudo-terminal instead (read while the command runs; CRs removed), for programs that
// print errors only to a terminal.
CommandResult run_command_result(const std::vector<std::string>& argv, bool stderr_on_tty = false);

struct PostfixOptions
{
  std::string name = "postfix"; // the instance's directory below the scratch directory
  std::string smtpd_address = "127.0.0.1";
  std::uint16_t smtpd_port = 2525;
  std::string myhostname = "sender.test";
  std::filesystem::path ca_file; // smtp_tls_CAfile; empty: none
  std::string tls_policy_maps;   // smtp_tls_policy_maps; empty: none
  // Lines appended to main.cf after the generated ones ("name = value"; a later setting of
  // the same name wins).
  std::vector<std::string> extra_main_cf;
};

class Postfix
{
public:
  // Writes the configuration, creates the queue and runs `postfix -c DIR start`; returns once
  // master(8) has initialized and smtpd accepts connections. Errors: unwritable files, a
  // failed start (the message has the command's output and the tail of maillog).
  static util::Expected<Postfix, std::string> start(ScratchDir& scratch, PostfixOptions options);

  Postfix(Postfix&& other) noexcept;
  Postfix& operator=(Postfix&& other) noexcept;
  Postfix(const Postfix&) = delete;
  Postfix& operator=(const Postfix&) = delete;
  ~Postfix();

  // Submits one message over SMTP (no TLS) to this instance's smtpd; returns the queue id
  // from "250 2.0.0 Ok: queued as ID". Errors: connection failures, any unexpected reply.
  util::Expected<std::string, std::string> send(const std::string& from, const std::string& to,
                                                const std::string& subject) const;

  // Polls maillog until a line matches (std::regex_search, or contains `substring`); returns
  // that line (the first matching one), or nullopt when `timeout` passes.
  std::optional<std::string> wait_for_log(const std::regex& pattern,
                                          std::chrono::milliseconds timeout) const;
  std::optional<std::string> wait_for_log(std::string_view substring,
                                          std::chrono::milliseconds timeout) const;
  std::string log() const; // the whole maillog

  // `postmap -c DIR -q KEY MAP`: exit code 0 = found (value on stdout), 1 = not found.
  CommandResult postmap_query(const std::string& key, const std::string& map) const;
  // `postfix -c DIR flush`: retry every deferred message now. Returns an error message.
  std::optional<std::string> flush() const;

  // master(8)'s pid from its pid file, if it is running.
  std::optional<pid_t> master_pid() const;
  const std::filesystem::path& config_directory() const { return m_config_directory; }
  const std::filesystem::path& maillog() const { return m_maillog; }
  const PostfixOptions& options() const { return m_options; }

  // SIGTERM to master(8) (`postfix stop` when there is no pid file), waits up to 2.5 s for it
  // to exit, then SIGKILL to the rest of its process group until the group is gone (so its
  // ports are free on return). Idempotent; the destructor calls it.
  void stop();

private:
  Postfix(PostfixOptions options, std::filesystem::path base);
  PostfixOptions m_options;
  std::filesystem::path m_base;
  std::filesystem::path m_config_directory;
  std::filesystem::path m_maillog;
  bool m_running = false;
};

} // namespace mtasts::testworld
