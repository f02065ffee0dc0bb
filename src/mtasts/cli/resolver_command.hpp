// `mtasts resolver`, `mtasts resolver query`, `mtasts resolver flush` (docs/CLI.md).
#pragma once

#include <mtasts/cli/output.hpp>
#include <mtasts/resolver/client.hpp>
#include <mtasts/resolver/daemon.hpp>

#include <string>

namespace mtasts::cli {

struct ResolverQueryOptions
{
  resolver::QueryRequest request;
  bool json = false;
};

struct ResolverFlushOptions
{
  resolver::FlushRequest request;
  bool json = false; // errors as JSON too (the result is JSON either way)
};

int resolver_run(const resolver::DaemonOptions& options, const Io& io);
// The answer Postfix gets, as `postmap -q` prints it, then why (text); or the daemon's JSON
// explanation (--json). Exit 0; 1 when the daemon cannot be reached; 2 on usage errors.
int resolver_query(const resolver::DaemonOptions& options, const ResolverQueryOptions& query,
                   const Io& io);
int resolver_flush(const resolver::DaemonOptions& options, const ResolverFlushOptions& flush,
                   const Io& io);

} // namespace mtasts::cli
