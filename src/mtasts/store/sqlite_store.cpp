#include <mtasts/store/sqlite_handles.hpp>
#include <mtasts/store/sqlite_store.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string_view>
#include <utility>

namespace mtasts::store {

namespace {

using std::chrono::sys_seconds;
using util::Unexpected;

struct Migration
{
  int version;
  std::string_view sql;
};

// Append only; never edit a migration that has shipped.
constexpr std::array k_migrations{
    Migration{1, "CREATE TABLE policies(domain TEXT PRIMARY KEY, id TEXT, policy_text TEXT,"
                 " fetched_at INTEGER, expires_at INTEGER);"
                 "CREATE INDEX policies_by_expiry ON policies(expires_at);"},
    Migration{2, "ALTER TABLE policies ADD COLUMN dane TEXT NOT NULL DEFAULT '';"},
    Migration{3, "CREATE TABLE observations(domain TEXT NOT NULL, mx_host TEXT NOT NULL,"
                 " policy_id TEXT, address TEXT, outcome TEXT, result_type TEXT, detail TEXT,"
                 " observed_at INTEGER, PRIMARY KEY(domain, mx_host));"
                 "CREATE TRIGGER policies_drop_observations AFTER DELETE ON policies"
                 " BEGIN DELETE FROM observations WHERE domain = old.domain; END;"},
};
static_assert(k_migrations.back().version == k_sqlite_schema_version);

constexpr std::string_view k_select_one =
    "SELECT id, policy_text, fetched_at, expires_at, dane FROM policies WHERE domain = ?1";
constexpr std::string_view k_upsert =
    "INSERT INTO policies(domain, id, policy_text, fetched_at, expires_at, dane)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(domain) DO UPDATE SET id = excluded.id,"
    " policy_text = excluded.policy_text, fetched_at = excluded.fetched_at,"
    " expires_at = excluded.expires_at, dane = excluded.dane";
constexpr std::string_view k_delete_one = "DELETE FROM policies WHERE domain = ?1";
constexpr std::string_view k_delete_all = "DELETE FROM policies";
// Rows with a non-integer expires_at may match too (SQLite orders text after integers); they are
// skipped while decoding.
constexpr std::string_view k_select_live =
    "SELECT domain, id, policy_text, fetched_at, expires_at, dane FROM policies"
    " WHERE expires_at > ?1";
constexpr std::string_view k_delete_expired = "DELETE FROM policies WHERE expires_at <= ?1";
// Observations: a domain's set is replaced in one transaction; rows come back in insertion
// order (rowid), and only while the domain's policy is live (the trigger of migration 3 drops
// them with the policy row).
constexpr std::string_view k_policy_exists = "SELECT 1 FROM policies WHERE domain = ?1";
constexpr std::string_view k_delete_observations = "DELETE FROM observations WHERE domain = ?1";
constexpr std::string_view k_insert_observation =
    "INSERT INTO observations(domain, mx_host, policy_id, address, outcome, result_type, detail,"
    " observed_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view k_select_observations =
    "SELECT o.domain, o.mx_host, o.policy_id, o.address, o.outcome, o.result_type, o.detail,"
    " o.observed_at FROM observations o JOIN policies p ON p.domain = o.domain"
    " WHERE o.domain = ?1 AND p.expires_at > ?2 ORDER BY o.rowid";
constexpr std::string_view k_select_live_observations =
    "SELECT o.domain, o.mx_host, o.policy_id, o.address, o.outcome, o.result_type, o.detail,"
    " o.observed_at FROM observations o JOIN policies p ON p.domain = o.domain"
    " WHERE p.expires_at > ?1 ORDER BY o.domain, o.rowid";

std::int64_t unix_seconds(sys_seconds time)
{
  return static_cast<std::int64_t>(time.time_since_epoch().count());
}

sys_seconds from_unix_seconds(sqlite3_int64 seconds)
{
  return sys_seconds{std::chrono::seconds{static_cast<std::chrono::seconds::rep>(seconds)}};
}

std::string_view type_name(int sqlite_type)
{
  switch (sqlite_type) {
  case SQLITE_INTEGER:
    return "an integer";
  case SQLITE_FLOAT:
    return "a real";
  case SQLITE_TEXT:
    return "text";
  case SQLITE_BLOB:
    return "a blob";
  default:
    return "NULL";
  }
}

// Resets a prepared statement and drops its bindings when the use ends, so that the statement
// can be reused and never keeps pointers to the caller's strings (they are bound SQLITE_STATIC).
class StatementUse
{
public:
  explicit StatementUse(sqlite3_stmt* statement) : m_statement(statement) {}
  ~StatementUse()
  {
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

  bool bind_text(int index, std::string_view text)
  {
    // nullptr = SQLITE_STATIC: the text outlives the use (the bindings are cleared at its end).
    return sqlite3_bind_text64(m_statement, index, text.data(), text.size(), nullptr,
                               SQLITE_UTF8) == SQLITE_OK;
  }
  bool bind_time(int index, sys_seconds time)
  {
    return sqlite3_bind_int64(m_statement, index, unix_seconds(time)) == SQLITE_OK;
  }
  bool bind_int(int index, std::int64_t value)
  {
    return sqlite3_bind_int64(m_statement, index, value) == SQLITE_OK;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(m_statement); }
  sqlite3_stmt* get() const { return m_statement; }

private:
  sqlite3_stmt* m_statement;
};

// The text of column `index`, or an error naming the column when it is not TEXT.
util::Expected<std::string, std::string> text_column(sqlite3_stmt* statement, int index,
                                                     std::string_view name)
{
  const int type = sqlite3_column_type(statement, index);
  if (type != SQLITE_TEXT) {
    return Unexpected(fmt::format("corrupt row: {} is {}, expected text", name, type_name(type)));
  }
  const unsigned char* text = sqlite3_column_text(statement, index);
  const int size = sqlite3_column_bytes(statement, index);
  if (text == nullptr || size <= 0) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

util::Expected<sys_seconds, std::string> time_column(sqlite3_stmt* statement, int index,
                                                     std::string_view name)
{
  const int type = sqlite3_column_type(statement, index);
  if (type != SQLITE_INTEGER) {
    return Unexpected(
        fmt::format("corrupt row: {} is {}, expected an integer", name, type_name(type)));
  }
  return from_unix_seconds(sqlite3_column_int64(statement, index));
}

// Decodes id, policy_text, fetched_at, expires_at, dane from columns first..first+4.
util::Expected<PolicyRecord, std::string> decode_record(sqlite3_stmt* statement, int first,
                                                        std::string domain)
{
  PolicyRecord record;
  record.domain = std::move(domain);
  TRY_ASSIGN(id, text_column(statement, first, "id"));
  TRY_ASSIGN(policy_text, text_column(statement, first + 1, "policy_text"));
  TRY_ASSIGN(fetched_at, time_column(statement, first + 2, "fetched_at"));
  TRY_ASSIGN(expires_at, time_column(statement, first + 3, "expires_at"));
  TRY_ASSIGN(dane, text_column(statement, first + 4, "dane"));
  record.dane = std::move(dane);
  record.id = std::move(id);
  record.policy_text = std::move(policy_text);
  record.fetched_at = fetched_at;
  record.expires_at = expires_at;
  return record;
}

// Decodes domain, mx_host, policy_id, address, outcome, result_type, detail, observed_at.
util::Expected<ObservationRecord, std::string> decode_observation(sqlite3_stmt* statement)
{
  ObservationRecord record;
  TRY_ASSIGN(domain, text_column(statement, 0, "domain"));
  TRY_ASSIGN(mx_host, text_column(statement, 1, "mx_host"));
  TRY_ASSIGN(policy_id, text_column(statement, 2, "policy_id"));
  TRY_ASSIGN(address, text_column(statement, 3, "address"));
  TRY_ASSIGN(outcome, text_column(statement, 4, "outcome"));
  TRY_ASSIGN(result_type, text_column(statement, 5, "result_type"));
  TRY_ASSIGN(detail, text_column(statement, 6, "detail"));
  TRY_ASSIGN(observed_at, time_column(statement, 7, "observed_at"));
  record.domain = std::move(domain);
  record.mx_host = std::move(mx_host);
  record.policy_id = std::move(policy_id);
  record.address = std::move(address);
  record.outcome = std::move(outcome);
  record.result_type = std::move(result_type);
  record.detail = std::move(detail);
  record.observed_at = observed_at;
  return record;
}

struct Statements
{
  SqliteStatementPtr select_one;
  SqliteStatementPtr upsert;
  SqliteStatementPtr delete_one;
  SqliteStatementPtr delete_all;
  SqliteStatementPtr select_live;
  SqliteStatementPtr delete_expired;
  SqliteStatementPtr policy_exists;
  SqliteStatementPtr delete_observations;
  SqliteStatementPtr insert_observation;
  SqliteStatementPtr select_observations;
  SqliteStatementPtr select_live_observations;
};

// Opening: every step returns the failing operation's message, without the "sqlite <path>: "
// head, which open_sqlite_store() adds.
class Opener
{
public:
  explicit Opener(sqlite3* db) : m_db(db) {}

  Unexpected<std::string> failure(std::string_view operation) const
  {
    return Unexpected(fmt::format("{}: {}", operation, sqlite3_errmsg(m_db)));
  }

  util::Expected<bool, std::string> exec(std::string_view sql, std::string_view operation) const
  {
    if (sqlite3_exec(m_db, std::string(sql).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return failure(operation);
    }
    return true;
  }

  // `operation` names the step in the error; empty means "prepare '<sql>'".
  util::Expected<SqliteStatementPtr, std::string> prepare(std::string_view sql,
                                                          std::string_view operation = {}) const
  {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStatementPtr statement(raw);
    if (rc != SQLITE_OK) {
      return operation.empty() ? failure(fmt::format("prepare '{}'", sql)) : failure(operation);
    }
    return statement;
  }

  // The integer in the first column of the first row of `sql`.
  util::Expected<std::int64_t, std::string> query_int(std::string_view sql,
                                                      std::string_view operation) const
  {
    TRY_ASSIGN(statement, prepare(sql, operation));
    StatementUse use(statement.get());
    if (use.step() != SQLITE_ROW) {
      return failure(operation);
    }
    return static_cast<std::int64_t>(sqlite3_column_int64(statement.get(), 0));
  }

  util::Expected<bool, std::string> enable_wal() const
  {
    constexpr std::string_view operation = "set journal_mode=WAL";
    TRY_ASSIGN(statement, prepare("PRAGMA journal_mode=WAL", operation));
    StatementUse use(statement.get());
    if (use.step() != SQLITE_ROW) {
      return failure(operation);
    }
    TRY_ASSIGN(mode, text_column(statement.get(), 0, "journal_mode"));
    if (util::to_ascii_lower(mode) != "wal") {
      return Unexpected(fmt::format("{}: the journal mode stayed '{}'", operation, mode));
    }
    return true;
  }

  // Applies the missing migrations in one IMMEDIATE transaction (so two processes opening a new
  // file do not both migrate it).
  util::Expected<bool, std::string> migrate() const
  {
    if (auto began = exec("BEGIN IMMEDIATE", "migrate schema: begin"); !began) {
      return Unexpected(std::move(began).error());
    }
    auto migrated = migrate_in_transaction();
    if (!migrated) {
      sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
      return migrated;
    }
    return exec("COMMIT", "migrate schema: commit");
  }

  util::Expected<Statements, std::string> prepare_all() const
  {
    TRY_ASSIGN(select_one, prepare(k_select_one));
    TRY_ASSIGN(upsert, prepare(k_upsert));
    TRY_ASSIGN(delete_one, prepare(k_delete_one));
    TRY_ASSIGN(delete_all, prepare(k_delete_all));
    TRY_ASSIGN(select_live, prepare(k_select_live));
    TRY_ASSIGN(delete_expired, prepare(k_delete_expired));
    TRY_ASSIGN(policy_exists, prepare(k_policy_exists));
    TRY_ASSIGN(delete_observations, prepare(k_delete_observations));
    TRY_ASSIGN(insert_observation, prepare(k_insert_observation));
    TRY_ASSIGN(select_observations, prepare(k_select_observations));
    TRY_ASSIGN(select_live_observations, prepare(k_select_live_observations));
    return Statements{std::move(select_one),
                      std::move(upsert),
                      std::move(delete_one),
                      std::move(delete_all),
                      std::move(select_live),
                      std::move(delete_expired),
                      std::move(policy_exists),
                      std::move(delete_observations),
                      std::move(insert_observation),
                      std::move(select_observations),
                      std::move(select_live_observations)};
  }

private:
  util::Expected<bool, std::string> migrate_in_transaction() const
  {
    if (auto created =
            exec("CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY)",
                 "migrate schema: create schema_migrations");
        !created) {
      return Unexpected(std::move(created).error());
    }
    TRY_ASSIGN(current, query_int("SELECT coalesce(max(version), 0) FROM schema_migrations",
                                  "migrate schema: read version"));
    if (current > k_sqlite_schema_version) {
      return Unexpected(fmt::format("migrate schema: the file has schema version {}, newer than "
                                    "this program's {}",
                                    current, k_sqlite_schema_version));
    }
    for (const Migration& migration : k_migrations) {
      if (migration.version <= current) {
        continue;
      }
      const std::string operation = fmt::format("migrate schema to version {}", migration.version);
      if (auto applied = exec(migration.sql, operation); !applied) {
        return Unexpected(std::move(applied).error());
      }
      if (auto recorded = exec(
              fmt::format("INSERT INTO schema_migrations(version) VALUES({})", migration.version),
              operation);
          !recorded) {
        return Unexpected(std::move(recorded).error());
      }
    }
    return true;
  }

  sqlite3* m_db;
};

class SqliteStore final : public PolicyStore
{
public:
  SqliteStore(std::string path, SqlitePtr db, Statements statements)
      : m_path(std::move(path)), m_db(std::move(db)), m_statements(std::move(statements))
  {}

  util::Expected<std::optional<PolicyRecord>, std::string> load(std::string_view domain,
                                                                sys_seconds now) override
  {
    const auto operation = [&] { return fmt::format("load {}", util::printable(domain)); };
    StatementUse use(m_statements.select_one.get());
    if (!use.bind_text(1, domain)) {
      return failure(operation());
    }
    const int rc = use.step();
    if (rc == SQLITE_DONE) {
      return std::optional<PolicyRecord>{};
    }
    if (rc != SQLITE_ROW) {
      return failure(operation());
    }
    auto record = decode_record(use.get(), 0, std::string(domain));
    if (!record) {
      return Unexpected(fmt::format("sqlite {}: {}: {}", m_path, operation(), record.error()));
    }
    if (record->expires_at <= now) {
      return std::optional<PolicyRecord>{};
    }
    return std::optional<PolicyRecord>{std::move(record).value()};
  }

  util::Expected<bool, std::string> save(const PolicyRecord& record) override
  {
    StatementUse use(m_statements.upsert.get());
    const bool bound = use.bind_text(1, record.domain) && use.bind_text(2, record.id) &&
                       use.bind_text(3, record.policy_text) &&
                       use.bind_time(4, record.fetched_at) && use.bind_time(5, record.expires_at) &&
                       use.bind_text(6, record.dane);
    if (!bound || use.step() != SQLITE_DONE) {
      return failure(fmt::format("save {}", util::printable(record.domain)));
    }
    return true;
  }

  util::Expected<bool, std::string> erase(std::string_view domain) override
  {
    TRY_ASSIGN(removed, run_delete(m_statements.delete_one.get(), domain, std::nullopt,
                                   fmt::format("erase {}", util::printable(domain))));
    return removed > 0;
  }

  util::Expected<std::size_t, std::string> erase_all() override
  {
    return run_delete(m_statements.delete_all.get(), std::nullopt, std::nullopt, "erase all");
  }

  util::Expected<std::vector<PolicyRecord>, std::string> load_all(sys_seconds now,
                                                                  std::size_t limit) override
  {
    std::vector<PolicyRecord> records;
    if (limit == 0) {
      return records;
    }
    StatementUse use(m_statements.select_live.get());
    if (!use.bind_time(1, now)) {
      return failure("load all");
    }
    for (;;) {
      const int rc = use.step();
      if (rc == SQLITE_DONE) {
        break;
      }
      if (rc != SQLITE_ROW) {
        return failure("load all");
      }
      auto domain = text_column(use.get(), 0, "domain");
      if (!domain) {
        continue;
      }
      auto record = decode_record(use.get(), 1, std::move(domain).value());
      if (!record || record->expires_at <= now) {
        continue; // a corrupt row: load() reports it, warming the cache skips it
      }
      records.push_back(std::move(record).value());
      if (records.size() >= limit) {
        break;
      }
    }
    return records;
  }

  util::Expected<std::size_t, std::string> purge_expired(sys_seconds now) override
  {
    return run_delete(m_statements.delete_expired.get(), std::nullopt, now, "purge expired");
  }

  util::Expected<bool, std::string>
  replace_observations(std::string_view domain,
                       const std::vector<ObservationRecord>& records) override
  {
    const auto operation = fmt::format("replace observations of {}", util::printable(domain));
    if (auto error = observation_set_error(domain, records); !error.empty()) {
      return Unexpected(fmt::format("sqlite {}: {}", m_path, error));
    }
    if (sqlite3_exec(m_db.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return failure(operation);
    }
    auto replaced = replace_in_transaction(domain, records, operation);
    if (!replaced || !*replaced) {
      sqlite3_exec(m_db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      return replaced;
    }
    if (sqlite3_exec(m_db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto failed = failure(operation);
      sqlite3_exec(m_db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      return failed;
    }
    return true;
  }

  util::Expected<std::vector<ObservationRecord>, std::string>
  load_observations(std::string_view domain, sys_seconds now) override
  {
    const auto operation = fmt::format("load observations of {}", util::printable(domain));
    StatementUse use(m_statements.select_observations.get());
    if (!use.bind_text(1, domain) || !use.bind_time(2, now)) {
      return failure(operation);
    }
    std::vector<ObservationRecord> records;
    for (;;) {
      const int rc = use.step();
      if (rc == SQLITE_DONE) {
        return records;
      }
      if (rc != SQLITE_ROW) {
        return failure(operation);
      }
      auto record = decode_observation(use.get());
      if (!record) {
        return Unexpected(fmt::format("sqlite {}: {}: {}", m_path, operation, record.error()));
      }
      records.push_back(std::move(record).value());
    }
  }

  util::Expected<std::vector<ObservationRecord>, std::string>
  load_all_observations(sys_seconds now, std::size_t limit) override
  {
    std::vector<ObservationRecord> records;
    // The rows of one domain, added when the domain is complete: a set is returned whole (and
    // within `limit`) or not at all; a set with a corrupt row is skipped.
    std::string current;
    std::vector<ObservationRecord> domain_set;
    bool corrupt = false;
    const auto complete_domain = [&] {
      const bool fits = records.size() + domain_set.size() <= limit;
      if (fits && !corrupt) {
        std::move(domain_set.begin(), domain_set.end(), std::back_inserter(records));
      }
      domain_set.clear();
      corrupt = false;
      return fits;
    };
    StatementUse use(m_statements.select_live_observations.get());
    if (!use.bind_time(1, now)) {
      return failure("load all observations");
    }
    for (;;) {
      const int rc = use.step();
      if (rc == SQLITE_DONE) {
        break;
      }
      if (rc != SQLITE_ROW) {
        return failure("load all observations");
      }
      auto domain = text_column(use.get(), 0, "domain");
      if (!domain) {
        continue; // cannot be attributed to a domain: skipped
      }
      if (*domain != current) {
        if (!complete_domain()) {
          return records;
        }
        current = std::move(domain).value();
      }
      auto record = decode_observation(use.get());
      if (!record) {
        corrupt = true; // load_observations() reports it
        continue;
      }
      domain_set.push_back(std::move(record).value());
    }
    complete_domain();
    return records;
  }

  std::string_view kind() const override { return "sqlite"; }

private:
  // The body of replace_observations() inside its transaction: false when `domain` has no
  // policy row.
  util::Expected<bool, std::string>
  replace_in_transaction(std::string_view domain, const std::vector<ObservationRecord>& records,
                         std::string_view operation)
  {
    {
      StatementUse use(m_statements.policy_exists.get());
      if (!use.bind_text(1, domain)) {
        return failure(operation);
      }
      const int rc = use.step();
      if (rc == SQLITE_DONE) {
        return false;
      }
      if (rc != SQLITE_ROW) {
        return failure(operation);
      }
    }
    TRY_ASSIGN(removed,
               run_delete(m_statements.delete_observations.get(), domain, std::nullopt, operation));
    (void)removed;
    for (const ObservationRecord& record : records) {
      StatementUse use(m_statements.insert_observation.get());
      const bool bound = use.bind_text(1, domain) && use.bind_text(2, record.mx_host) &&
                         use.bind_text(3, record.policy_id) && use.bind_text(4, record.address) &&
                         use.bind_text(5, record.outcome) && use.bind_text(6, record.result_type) &&
                         use.bind_text(7, record.detail) && use.bind_time(8, record.observed_at);
      if (!bound || use.step() != SQLITE_DONE) {
        return failure(operation);
      }
    }
    return true;
  }

  Unexpected<std::string> failure(std::string_view operation) const
  {
    return Unexpected(
        fmt::format("sqlite {}: {}: {}", m_path, operation, sqlite3_errmsg(m_db.get())));
  }

  // Runs a DELETE with an optional domain or time parameter ?1; the number of rows removed.
  util::Expected<std::size_t, std::string> run_delete(sqlite3_stmt* statement,
                                                      std::optional<std::string_view> domain,
                                                      std::optional<sys_seconds> time,
                                                      std::string_view operation)
  {
    StatementUse use(statement);
    const bool bound = (!domain || use.bind_text(1, *domain)) && (!time || use.bind_time(1, *time));
    if (!bound || use.step() != SQLITE_DONE) {
      return failure(operation);
    }
    return static_cast<std::size_t>(sqlite3_changes64(m_db.get()));
  }

  std::string m_path;
  SqlitePtr m_db; // declared before the statements: destroyed after them
  Statements m_statements;
};

} // namespace

util::Expected<std::unique_ptr<PolicyStore>, std::string>
open_sqlite_store(const std::string& path, std::chrono::milliseconds busy_timeout)
{
  const auto with_path = [&path](std::string message) {
    return Unexpected(fmt::format("sqlite {}: {}", path, message));
  };
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) {
    return with_path(fmt::format("open: {}", db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  const auto timeout_ms = std::clamp<std::chrono::milliseconds::rep>(
      busy_timeout.count(), 0, std::numeric_limits<int>::max());
  sqlite3_busy_timeout(db.get(), static_cast<int>(timeout_ms));

  const Opener opener(db.get());
  if (auto wal = opener.enable_wal(); !wal) {
    return with_path(std::move(wal).error());
  }
  if (auto synchronous = opener.exec("PRAGMA synchronous=NORMAL", "set synchronous=NORMAL");
      !synchronous) {
    return with_path(std::move(synchronous).error());
  }
  if (auto migrated = opener.migrate(); !migrated) {
    return with_path(std::move(migrated).error());
  }
  auto statements = opener.prepare_all();
  if (!statements) {
    return with_path(std::move(statements).error());
  }
  return std::unique_ptr<PolicyStore>(
      std::make_unique<SqliteStore>(path, std::move(db), std::move(statements).value()));
}

} // namespace mtasts::store
