// `mtasts resolver`, `mtasts resolver query`, `mtasts resolver flush` (docs/CLI.md).
#pragma once

#include <mtasts/cli/output.hpp>
#include <mtasts/resolver/daemon.hpp>

#include <string>

namespace mtasts::cli {

struct ResolverQueryOptions
{
  std::string key;
  std::string map = "postfix";
  std::string admin;   // empty = admin_listen of the configuration
  bool direct = false; // resolve in this process (no daemon, no cache)
};

struct ResolverFlushOptions
{
  std::string domain;
  bool all = false;
  std::string admin;
};

int resolver_run(const resolver::DaemonOptions& options, const Io& io);
// Exit 0 with the JSON explanation; 1 when the daemon cannot be reached; 2 on usage errors.
int resolver_query(const resolver::DaemonOptions& options, const ResolverQueryOptions& query,
                   const Io& io);
int resolver_flush(const resolver::DaemonOptions& options, const ResolverFlushOptions& flush,
                   const Io& io);

} // namespace mtasts::cli
