// The "sqlite://" backend: one database file in WAL mode with synchronous=NORMAL (every save()
// is committed before it returns and survives kill -9; the last commits may be lost on power
// loss), a busy timeout for other processes holding the file, and a versioned schema:
//
//   schema_migrations(version INTEGER PRIMARY KEY)   one row per applied migration
//   policies(domain TEXT PRIMARY KEY, id TEXT, policy_text TEXT,
//            fetched_at INTEGER, expires_at INTEGER, dane TEXT)  times in Unix seconds
//   observations(domain, mx_host, policy_id, address, outcome, result_type, detail,
//                observed_at INTEGER, PRIMARY KEY(domain, mx_host))   (schema version 3)
//     a trigger deletes a domain's observations with its policies row (erase, expiry)
//
// Missing files and tables are created; a schema newer than this program is an error. A row
// whose columns have the wrong types (NULL, text in a time column, ...) is a corrupt row: load()
// reports it as an error, load_all() skips it. Every error reads
// "sqlite <path>: <operation>: <reason>".
#pragma once

#include <mtasts/store/policy_store.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace mtasts::store {

// The newest schema version this program writes.
inline constexpr int k_sqlite_schema_version = 3;

util::Expected<std::unique_ptr<PolicyStore>, std::string>
open_sqlite_store(const std::string& path, std::chrono::milliseconds busy_timeout);

} // namespace mtasts::store
