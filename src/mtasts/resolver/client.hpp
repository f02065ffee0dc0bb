// `mtasts resolver query|flush`: ask a running daemon through its admin listener (the address and
// bearer token of the configuration, or --admin), or resolve in this process without one
// (`query --direct`). The results are the daemon's JSON documents.
#pragma once

#include <mtasts/resolver/daemon.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

namespace mtasts::resolver {

struct ClientError
{
  enum class Kind : std::uint8_t {
    usage,       // a bad argument or configuration (exit 2)
    unreachable, // no daemon answered, or it refused the request (exit 1)
  };
  Kind kind = Kind::usage;
  std::string message;
};

struct QueryRequest
{
  std::string key;             // as Postfix sends it
  std::string map = "postfix"; // the socketmap name (zone)
  std::string admin;           // the admin listener; empty = the configuration's
  bool direct = false;         // resolve here, without a daemon or cache
};

// The daemon's explanation: answer, reason, cached_policy, dane, ... (docs/CLI.md).
util::Expected<boost::json::object, ClientError> query_resolver(const DaemonOptions& options,
                                                                const QueryRequest& request);

struct FlushRequest
{
  std::string domain; // or `all`
  bool all = false;
  std::string admin;
};

// {"domain", "flushed"} or {"flushed": N}.
util::Expected<boost::json::object, ClientError> flush_resolver(const DaemonOptions& options,
                                                                const FlushRequest& request);

} // namespace mtasts::resolver
