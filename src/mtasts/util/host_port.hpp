// The one `host[:port]` parser of mtasts: listen addresses, DNS servers, the admin address, rua
// endpoints given on a command line. Domain-free; no name lookups.
//
//   host            "192.0.2.1", "mail.example", "2001:db8::1" (an IPv6 address alone: more than
//                   one colon and no brackets means no port)
//   host:port       "192.0.2.1:53", "mail.example:8443"
//   [ipv6]          "[2001:db8::1]"
//   [ipv6]:port     "[2001:db8::1]:53"
//
// The port is 1 to 5 decimal digits, 1..65535. Errors quote the text and say what is wrong.
#pragma once

#include <mtasts/util/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mtasts::util {

struct HostPort
{
  std::string host; // without brackets
  std::optional<std::uint16_t> port;
  bool bracketed = false; // written as "[...]"
};

enum class PortRule : std::uint8_t { optional, required };

Expected<HostPort, std::string> parse_host_port(std::string_view text,
                                                PortRule rule = PortRule::optional);

// True when `host` is an IPv4 or IPv6 address literal (no brackets).
bool is_ip_literal(std::string_view host);

// The canonical text of an IP address literal ("2001:DB8:0::1" -> "2001:db8::1"), or nullopt
// when `text` is not one.
std::optional<std::string> canonical_ip(std::string_view text);

// "host:port", with brackets around an IPv6 literal.
std::string format_host_port(std::string_view host, std::uint16_t port);

} // namespace mtasts::util
