// Running independent coroutines at the same time on one io_context (no threads): the checker
// and the resolver use it to overlap DNS lookups, fetches and probes that do not depend on each
// other.
#pragma once

#include <mtasts/net/asio.hpp>

#include <vector>

namespace mtasts::net {

// Runs `tasks` concurrently on this coroutine's executor and resumes when every one has finished.
// Rethrows the first exception a task raised (none does for network outcomes).
Awaitable<void> run_all(std::vector<Awaitable<void>> tasks);

// Starts `task` on `executor` and forgets it: for work whose result is picked up elsewhere (a
// DNS query that warms libunbound's cache for a later lookup of the same name).
void start_detached(const asio::any_io_executor& executor, Awaitable<void> task);

} // namespace mtasts::net
