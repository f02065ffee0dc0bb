#include "unbound.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace mtasts::testworld {

namespace {

std::string read_text(const std::filesystem::path& path)
{
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

} // namespace

util::Expected<Unbound, std::string> Unbound::start(const std::filesystem::path& directory,
                                                    const std::vector<std::string>& zones,
                                                    const std::string& authority,
                                                    const std::filesystem::path& trust_anchors,
                                                    const std::string& address)
{
  std::filesystem::create_directories(directory);
  std::string config = fmt::format(
      "server:\n  interface: {0}\n  port: 53\n  do-ip6: no\n  num-threads: 1\n"
      "  so-reuseport: no\n  access-control: 127.0.0.0/8 allow\n  do-not-query-localhost: no\n"
      "  username: \"\"\n  chroot: \"\"\n  directory: \"{1}\"\n  pidfile: \"\"\n"
      "  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  val-log-level: 2\n"
      "  module-config: \"validator iterator\"\n  trust-anchor-file: \"{2}\"\n"
      "  qname-minimisation: no\n  local-zone: \"test.\" nodefault\n"
      "remote-control:\n  control-enable: no\n",
      address, directory.string(), trust_anchors.string());
  for (const auto& zone : zones) {
    config += fmt::format("stub-zone:\n  name: \"{}.\"\n  stub-addr: {}@53\n", zone, authority);
  }
  const auto config_file = directory / "unbound.conf";
  {
    std::ofstream file(config_file, std::ios::trunc);
    file << config;
    if (!file) {
      return util::Unexpected("cannot write " + config_file.string());
    }
  }
  if (auto checked = run_command({"unbound-checkconf", config_file.string()}); !checked) {
    return util::Unexpected(checked.error());
  }
  const auto log = directory / "unbound.log";
  auto process = Process::start({"unbound", "-d", "-c", config_file.string()}, log);
  if (!process) {
    return util::Unexpected(process.error());
  }
  if (!wait_for_tcp(address, 53)) {
    return util::Unexpected("unbound did not start; see " + log.string() + ": " + read_text(log));
  }
  return Unbound(std::move(*process), address);
}

} // namespace mtasts::testworld
