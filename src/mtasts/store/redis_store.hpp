// The "redis://" and "redis+unix://" backends (hiredis, synchronous). One record is the hash
//   <prefix>policy:<domain> = {id, policy_text, fetched_at, expires_at}   (times in Unix seconds)
// written with MULTI / DEL / HSET / EXPIREAT expires_at / EXEC, so the server drops it when its
// max_age runs out (RFC 8461 §5.1) and purge_expired() has nothing to do. erase_all() and
// load_all() walk the keyspace with SCAN MATCH <prefix>policy:* (never KEYS); a hash with missing
// or malformed fields is corrupt: load() reports it, load_all() skips it.
// A domain's observations are the hash <prefix>observations:<domain> = {count, "<i>:mx_host",
// "<i>:policy_id", "<i>:address", "<i>:outcome", "<i>:result_type", "<i>:detail",
// "<i>:observed_at"} for i in 0..count-1, with the EXPIREAT of the domain's policy (save() moves
// both); erase() and erase_all() delete both keys.
//
// Connection: connect and command timeouts are `timeout`; SELECT db, then PING, on every
// (re)connect. When an operation finds the connection broken (I/O error, EOF, timeout), it
// reconnects once and retries the whole operation once; a second failure is returned. SIGPIPE from
// writing to a dead server is blocked and swallowed on the calling thread while a command runs.
// Every error reads "redis <endpoint>: <operation>: <reason>".
#pragma once

#include <mtasts/store/policy_store.hpp>
#include <mtasts/store/store_url.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace mtasts::store {

// Connects (the server must answer PING within `timeout`).
util::Expected<std::unique_ptr<PolicyStore>, std::string>
open_redis_store(const RedisLocation& location, std::chrono::milliseconds timeout);

} // namespace mtasts::store
