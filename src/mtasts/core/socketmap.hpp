// Postfix's socketmap protocol (socketmap_table(5), dict_sockmap.c): netstrings carrying
// "name SP key" requests and "OK data" / "NOTFOUND " / "TEMP reason" / "TIMEOUT reason" /
// "PERM reason" replies. Pure: no I/O; the server feeds bytes and writes what these return.
//
//   netstring = length ":" payload ","     length = "0" / (%x31-39 *DIGIT), decimal, <= the limit
//
// Errors name the byte offset (0-based, in the buffer given) and what was expected there.
#pragma once

#include <mtasts/core/sts_cache.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mtasts::core {

// Postfix never sends more than a map name and a domain; 1024 matches the peer's limit and
// leaves room for a 253-byte name with any map name.
inline constexpr std::size_t k_socketmap_request_limit = 1024;
// dict_sockmap.c refuses replies over 100000 bytes.
inline constexpr std::size_t k_socketmap_reply_limit = 100000;

struct NetstringParse
{
  enum class Status : std::uint8_t {
    incomplete, // a valid prefix: read more bytes and call again with the whole buffer
    complete,   // `payload` is one frame; `consumed` bytes of the buffer belong to it
    invalid,    // not a netstring (or over the limit): `error` says where; drop the connection
  };
  Status status = Status::incomplete;
  std::string_view payload; // points into the buffer given
  std::size_t consumed = 0;
  std::string error;
};

// Parses the netstring at the start of `buffer`. A length over `max_payload` is invalid as soon
// as its digits show it, so an attacker cannot make the caller buffer more than
// max_payload + 12 bytes.
NetstringParse parse_netstring(std::string_view buffer, std::size_t max_payload);

// Appends the netstring of `payload` to `out`.
void append_netstring(std::string& out, std::string_view payload);

// The reply text of an answer: "OK <data>", "NOTFOUND " or "TEMP <reason>". An OK or TEMP reply
// over k_socketmap_reply_limit becomes "TEMP policy answer too large" (Postfix would refuse it).
// The one formatter of replies: the daemon, `resolver query` and `mtasts check` use it.
std::string socketmap_reply(const Answer& answer);
// Appends the netstring of socketmap_reply(answer) to `out` without building the text first.
void append_socketmap_reply(std::string& out, const Answer& answer);

struct SocketmapRequest
{
  std::string_view name; // the map name: last field of socketmap:inet:host:port:NAME
  std::string_view key;
};

// "name SP key": both non-empty, the name without spaces; the key is everything after the first
// space. Returns false for anything else.
bool parse_socketmap_request(std::string_view payload, SocketmapRequest& request);

// What a TLS-policy lookup key names (Postfix sends the next-hop destination: a domain, a
// parent-domain probe ".example.com" when the map is a pattern map, "[host]" or "[host]:port"
// for a bracketed next hop, or an address literal "[192.0.2.1]" / "[ipv6:2001:db8::1]").
enum class PolicyKeyKind : std::uint8_t {
  domain,          // `domain` holds it, lowercase, no trailing dot (RFC 8461 §4: exact domain)
  parent_domain,   // ".example.com": never answered with a policy (RFC 8461 has no inheritance)
  address_literal, // an IP address: MTA-STS names hosts only
  invalid,         // not a host name (empty label, bad characters, over 253 bytes)
};

struct PolicyKey
{
  PolicyKeyKind kind = PolicyKeyKind::invalid;
  std::string domain;
};

// Classifies and normalises a lookup key: ASCII lowercase, one trailing dot removed, brackets
// and a ":port" suffix removed from "[host]:port" (A08: a bracketed relay is looked up as the
// relay's own name). U-labels are converted to A-labels (IDNA2008 via normalize_host()).
PolicyKey classify_policy_key(std::string_view key);

// The answer to a key that names no domain (`kind` other than domain): NOTFOUND, with reason
// "parent-domain", "address-literal" or "invalid-key".
Answer non_domain_answer(PolicyKeyKind kind);

} // namespace mtasts::core
