// `mtasts domains list|show|add|set|remove`: the domains a running `mtasts serve` hosts, through
// its admin API (bearer token from [admin] token_file). Domains added here live in serve's store;
// those of the configuration file are listed but changed in the file.
#pragma once

#include <mtasts/cli/output.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtasts::cli {

struct DomainsOptions
{
  std::string config_file; // where to find [admin]; empty = /etc/mtasts/mtasts.toml
  bool json = false;
  std::string name;
  // add/set: the fields given (set changes only these)
  std::optional<std::string> mode;
  std::vector<std::string> mx;
  std::optional<std::string> max_age; // decimal text, checked by the command
  std::vector<std::string> rua;
  std::optional<std::string> certificate;
  std::optional<std::string> key;
};

int domains_list(const DomainsOptions& options, const Io& io);
int domains_show(const DomainsOptions& options, const Io& io);
int domains_add(const DomainsOptions& options, const Io& io);
int domains_set(const DomainsOptions& options, const Io& io);
int domains_remove(const DomainsOptions& options, const Io& io);

} // namespace mtasts::cli
