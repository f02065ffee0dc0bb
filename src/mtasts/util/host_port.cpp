#include <mtasts/util/host_port.hpp>
#include <mtasts/util/strings.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace mtasts::util {

namespace {

Expected<std::uint16_t, std::string> parse_port(std::string_view text, std::string_view port)
{
  const auto number = parse_decimal(port, 5);
  if (!number || *number == 0 || *number > 65535) {
    return Unexpected("\"" + std::string(text) + "\": the port must be a number from 1 to 65535");
  }
  return static_cast<std::uint16_t>(*number);
}

} // namespace

bool is_ip_literal(std::string_view host)
{
  if (host.empty() || host.size() > 45) {
    return false;
  }
  const std::string copy(host);
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET, copy.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, copy.c_str(), buffer.data()) == 1;
}

Expected<HostPort, std::string> parse_host_port(std::string_view text, PortRule rule)
{
  HostPort result;
  std::string_view port;
  bool has_port = false;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return Unexpected("\"" + std::string(text) + "\": missing ']'");
    }
    result.host = std::string(text.substr(1, close - 1));
    result.bracketed = true;
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return Unexpected("\"" + std::string(text) + "\": expected \":PORT\" after ']'");
      }
      port = rest.substr(1);
      has_port = true;
    }
    if (!is_ip_literal(result.host) || result.host.find(':') == std::string::npos) {
      return Unexpected("\"" + std::string(text) + "\": brackets hold an IPv6 address");
    }
  } else if (std::ranges::count(text, ':') == 1) {
    const auto colon = text.find(':');
    result.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    has_port = true;
  } else {
    result.host = std::string(text); // a name, an IPv4 address, or an IPv6 address alone
  }
  if (result.host.empty()) {
    return Unexpected("\"" + std::string(text) + "\": no host");
  }
  if (has_port) {
    auto number = parse_port(text, port);
    if (!number) {
      return Unexpected(number.error());
    }
    result.port = *number;
  } else if (rule == PortRule::required) {
    return Unexpected("\"" + std::string(text) +
                      "\": expected HOST:PORT (an IPv6 address as [ADDRESS]:PORT)");
  }
  return result;
}

std::optional<std::string> canonical_ip(std::string_view text)
{
  if (text.empty() || text.size() > 45) {
    return std::nullopt;
  }
  const std::string copy(text);
  std::array<unsigned char, 16> buffer{};
  std::array<char, 64> out{};
  for (const int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, copy.c_str(), buffer.data()) == 1 &&
        inet_ntop(family, buffer.data(), out.data(), out.size()) != nullptr) {
      return std::string(out.data());
    }
  }
  return std::nullopt;
}

std::string format_host_port(std::string_view host, std::uint16_t port)
{
  const bool v6 = host.find(':') != std::string_view::npos;
  return (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::to_string(port);
}

} // namespace mtasts::util
