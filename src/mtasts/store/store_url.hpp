// The store URLs accepted by open_policy_store() (policy_store.hpp), parsed into a location
// without touching the file system or the network.
//
//   memory:                                   nothing may follow the colon
//   sqlite:///absolute/path.db                path = everything after "//", percent-decoded
//   sqlite://relative/path.db                 (so three slashes give an absolute path)
//   redis://HOST[:PORT][/DB][?prefix=P]       HOST: a name, an IPv4 address or [IPv6];
//                                             PORT 1..65535 (6379); DB 0..2147483647 (0)
//   redis+unix:///path/redis.sock[?db=N&prefix=P]
//
// The scheme is case-insensitive. Parameter values and paths are percent-decoded; a path may not
// contain a raw '?' or '#' (percent-encode them) nor a NUL byte. The prefix defaults to "mtasts:"
// and may be empty. User information (user:password@) is rejected rather than silently ignored.
// Every error is "store URL: <what is wrong>"; the URL itself is not echoed, since it may carry
// a secret.
#pragma once

#include <mtasts/util/expected.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace mtasts::store {

struct MemoryLocation
{
  friend bool operator==(const MemoryLocation&, const MemoryLocation&) = default;
};

struct SqliteLocation
{
  std::string path; // as given: absolute or relative to the working directory
  friend bool operator==(const SqliteLocation&, const SqliteLocation&) = default;
};

struct RedisLocation
{
  static constexpr std::uint16_t k_default_port = 6379;
  static constexpr std::string_view k_default_prefix = "mtasts:";

  std::string host; // TCP: host name or address (IPv6 without brackets); empty for unix
  std::uint16_t port = k_default_port;
  std::string socket_path; // unix socket: absolute path; empty for TCP
  int db = 0;
  std::string prefix{k_default_prefix};

  bool is_unix() const { return !socket_path.empty(); }
  // "HOST:PORT", "[IPv6]:PORT" or the socket path, for messages.
  std::string endpoint() const;
  friend bool operator==(const RedisLocation&, const RedisLocation&) = default;
};

using StoreLocation = std::variant<MemoryLocation, SqliteLocation, RedisLocation>;

util::Expected<StoreLocation, std::string> parse_store_url(std::string_view url);

} // namespace mtasts::store
