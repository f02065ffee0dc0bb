// `mtasts serve` (the policy host daemon, serve/daemon.hpp) and `mtasts serve records` (the DNS
// records to publish, from a running daemon's admin API).
#pragma once

#include <mtasts/cli/output.hpp>
#include <mtasts/serve/daemon.hpp>

#include <string>

namespace mtasts::cli {

int serve_run(const serve::ServeOptions& options, const Io& io);

struct ServeRecordsOptions
{
  std::string config_file; // where to find [admin]; empty = /etc/mtasts/mtasts.toml
  bool json = false;
};
int serve_records(const ServeRecordsOptions& options, const Io& io);

} // namespace mtasts::cli
