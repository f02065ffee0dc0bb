// libFuzzer target: util::parse_host_port (listen addresses, DNS servers, admin addresses) and
// util::canonical_ip. A parsed value must print back to text that parses to the same value.
#include <mtasts/util/host_port.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace mtasts::util;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)canonical_ip(text);
  const auto parsed = parse_host_port(text);
  if (!parsed) {
    if (parsed.error().empty()) {
      __builtin_trap();
    }
    return 0;
  }
  if (parsed->host.empty() || (parsed->port && *parsed->port == 0)) {
    __builtin_trap();
  }
  if (parsed->port && (parsed->bracketed || parsed->host.find(':') == std::string::npos)) {
    const auto again = parse_host_port(format_host_port(parsed->host, *parsed->port));
    if (!again || again->host != parsed->host || again->port != parsed->port) {
      __builtin_trap();
    }
  }
  return 0;
}
