// What a daemon process does around its work: tell systemd about its state (sd_notify), raise
// its open-file limit and say when its connection limit exceeds it, and turn SIGHUP, SIGTERM and
// SIGINT into calls on its io_context.
#pragma once

#include <mtasts/net/asio.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mtasts::server {

// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...") to NOTIFY_SOCKET when
// systemd set it (Type=notify); does nothing otherwise.
void notify_systemd(std::string_view state);

struct FileLimit
{
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the limits now in force.
FileLimit raise_file_limit();

// A warning when `max_connections` (plus `reserve` descriptors for the daemon's own files,
// outgoing connections and listeners) does not fit under the soft open-file limit: connections
// beyond it would be refused by accept(2) with EMFILE, not by the daemon's own limit.
std::optional<std::string> connection_limit_warning(std::size_t max_connections, FileLimit limit,
                                                    std::size_t reserve = 64);

// Waits for signals: SIGHUP calls `reload` and waits again; SIGTERM or SIGINT calls `stop` and
// returns. Runs on the calling coroutine's executor.
net::Awaitable<void> handle_signals(std::function<void()> reload, std::function<void()> stop);

} // namespace mtasts::server
