// Where the resolver keeps the MTA-STS policies it has fetched, so that a valid policy survives a
// restart (SQLite, the default), is shared by a fleet of MTAs (Redis), or lives only as long as
// the process (memory). The stores are dumb and synchronous: they keep what the sender engine
// (core/sts_cache) decided and never interpret it. The resolver calls them from one worker thread,
// never from its event loop (resolver/store_worker).
//
// Contract for every backend:
//   - save() is an upsert keyed by `domain`; after save() returns, load() of the same store (and
//     of a store opened later on the same URL) returns an equal record until it expires or is
//     erased; SQLite commits before returning (WAL, synchronous=NORMAL: survives kill -9 of the
//     process, may lose the last commits on power loss).
//   - a record whose expires_at <= `now` given to load() is never returned (Redis also lets the
//     server expire it at expires_at, RFC 8461 §5.1: max_age counts from the fetch).
//   - Observations (ObservationRecord) belong to their domain's policy record: a domain's set is
//     stored by replace_observations() only while the domain has a record, returned by
//     load_observations() and load_all_observations() only while that record is live at `now`,
//     and dropped with it by erase(), erase_all() and its expiry (purge_expired(), Redis
//     EXPIREAT). A later save() of the same domain keeps the set (the next observation
//     replaces it).
//   - Errors are values (I/O failure, corrupt row, unreachable server) with a message naming the
//     backend and the operation; nothing throws.
#pragma once

#include <mtasts/util/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::store {

// One cached policy (spec §9: {id, policy, fetched_at, expires_at}).
struct PolicyRecord
{
  std::string domain;      // the policy domain, lowercase A-labels, no trailing dot
  std::string id;          // the `_mta-sts` TXT id the body was fetched under
  std::string policy_text; // the body exactly as fetched (parsed again on load)
  std::chrono::sys_seconds fetched_at{};
  std::chrono::sys_seconds expires_at{}; // fetched_at + max_age
  // The sender engine's DANE coverage of the domain's MX hosts when saved ("" unknown, "none",
  // "partial", "all"), kept so that a restart during a DNS outage never turns DANE into STS.
  std::string dane;
  friend bool operator==(const PolicyRecord&, const PolicyRecord&) = default;
};

// What an RFC 8461 sender would have met at one MX host of a domain whose policy is in
// `mode: testing`, had the policy said `enforce` (RFC 8461 §5: testing delivers anyway, so only
// a report tells the domain what would have failed). Written by the resolver's background
// observation (core/testing_observation), read by `resolver query` and by the TLSRPT reporter,
// which turns a would-fail record into an RFC 8460 §4.4 failure-details entry (result-type,
// receiving-mx-hostname, receiving-ip, failure-reason-code). One record per (domain, mx_host).
struct ObservationRecord
{
  std::string domain;      // the policy domain (the key of its PolicyRecord)
  std::string mx_host;     // receiving-mx-hostname: the MX host name, A-labels, no trailing dot
  std::string policy_id;   // the `_mta-sts` TXT id of the policy observed
  std::string address;     // receiving-ip: the address probed; "" when none was (unlisted MX)
  std::string outcome;     // "pass", "would-fail" or "transient" (core::outcome_name)
  std::string result_type; // the RFC 8460 §4.3 result type when "would-fail", else ""
  std::string detail;      // what happened, in plain words (failure-reason-code material)
  std::chrono::sys_seconds observed_at{};
  friend bool operator==(const ObservationRecord&, const ObservationRecord&) = default;
};

class PolicyStore
{
public:
  virtual ~PolicyStore() = default;
  PolicyStore() = default;
  PolicyStore(const PolicyStore&) = delete;
  PolicyStore& operator=(const PolicyStore&) = delete;

  // The record for `domain` unless absent or expired at `now`.
  virtual util::Expected<std::optional<PolicyRecord>, std::string>
  load(std::string_view domain, std::chrono::sys_seconds now) = 0;
  // Insert or replace the record of record.domain.
  virtual util::Expected<bool, std::string> save(const PolicyRecord& record) = 0;
  // Remove one domain; true when it was present.
  virtual util::Expected<bool, std::string> erase(std::string_view domain) = 0;
  // Remove everything this store holds; the number of records removed.
  virtual util::Expected<std::size_t, std::string> erase_all() = 0;
  // Every record not expired at `now` (at most `limit`), for warming the resolver's memory cache
  // at start and for proactive refresh. Order unspecified.
  virtual util::Expected<std::vector<PolicyRecord>, std::string>
  load_all(std::chrono::sys_seconds now, std::size_t limit) = 0;
  // Remove records expired at `now`; the number removed (Redis: 0, the server expires them).
  virtual util::Expected<std::size_t, std::string> purge_expired(std::chrono::sys_seconds now) = 0;

  // Replaces the observations of `domain` with `records` (kept in this order; empty = none).
  // Every record's domain must equal `domain` and its mx_host must be unique in the set, else
  // it is an error and nothing changes. False (nothing stored) when `domain` has no policy
  // record.
  virtual util::Expected<bool, std::string>
  replace_observations(std::string_view domain, const std::vector<ObservationRecord>& records) = 0;
  // The observations of `domain` in the order they were stored; empty when there are none or
  // its policy record is absent or expired at `now`.
  virtual util::Expected<std::vector<ObservationRecord>, std::string>
  load_observations(std::string_view domain, std::chrono::sys_seconds now) = 0;
  // The observations of every domain whose policy record is live at `now` (at most `limit`
  // records, whole domains only; domains in unspecified order, each domain's records in stored
  // order): the reporter's input, and the resolver's memory at start.
  virtual util::Expected<std::vector<ObservationRecord>, std::string>
  load_all_observations(std::chrono::sys_seconds now, std::size_t limit) = 0;
  // "memory", "sqlite" or "redis".
  virtual std::string_view kind() const = 0;
};

// Why `records` cannot be the observation set of `domain` (a record of another domain, an
// mx_host twice), or "" when they can. Shared by every backend's replace_observations().
std::string observation_set_error(std::string_view domain,
                                  const std::vector<ObservationRecord>& records);

// Opens a store from a URL:
//   memory:                          process memory only
//   sqlite:///var/lib/mtasts/cache.db  an absolute path (three slashes)
//   sqlite://relative/cache.db       a path relative to the working directory
//   redis://HOST[:PORT][/DB][?prefix=mtasts:]   TCP (default port 6379, db 0, prefix "mtasts:")
//   redis+unix:///run/redis/redis.sock[?db=N&prefix=P]
// SQLite creates the file and its schema (a versioned migration table) when missing.
// Errors: an unknown scheme, a malformed URL, a file that cannot be opened or migrated, a Redis
// server that does not answer PING within `timeout`.
util::Expected<std::unique_ptr<PolicyStore>, std::string>
open_policy_store(std::string_view url,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

} // namespace mtasts::store
