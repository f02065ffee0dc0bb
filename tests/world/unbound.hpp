// Debian's unbound as a DNSSEC-validating recursive resolver for the test world: NSD is
// authoritative only and never sets the AD bit, while programs that trust their resolver's
// validation (Postfix's smtp(8) with smtp_dns_support_level = dnssec, for DANE) need a
// resolver that validates and says so.
//
// Contract
// - Listens on address:53 (UDP and TCP) inside the world's network namespace, answers anyone on
//   127.0.0.0/8, and stubs each of `zones` to the authoritative server `authority` (NSD).
//   Unbound's default local zone "test." is switched off so names below it are resolved.
// - Validates with `trust_anchors` (a zone-file of DS records, Nsd::trust_anchors()) and nothing
//   else: signed zones with an anchor answer with AD (or SERVFAIL when bogus), every other zone
//   is insecure (no root anchor).
// - Runs in the foreground (-d) without chroot, privilege drop, pid file or remote control;
//   its log is <directory>/unbound.log. Stopped on destruction.
#pragma once

#include <mtasts/util/expected.hpp>

#include "world.hpp"
#include <filesystem>
#include <string>
#include <vector>

namespace mtasts::testworld {

class Unbound
{
public:
  static util::Expected<Unbound, std::string> start(const std::filesystem::path& directory,
                                                    const std::vector<std::string>& zones,
                                                    const std::string& authority,
                                                    const std::filesystem::path& trust_anchors,
                                                    const std::string& address = "127.0.0.54");

  const std::string& server() const { return m_server; } // "127.0.0.54:53"
  const std::string& address() const { return m_address; }

private:
  Unbound(Process process, std::string address)
      : m_process(std::move(process)), m_server(address + ":53"), m_address(std::move(address))
  {}
  Process m_process;
  std::string m_server;
  std::string m_address;
};

} // namespace mtasts::testworld
