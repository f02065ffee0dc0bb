#include <mtasts/store/served_policy_store.hpp>
#include <mtasts/store/sqlite_handles.hpp>

#include <fmt/format.h>

namespace mtasts::store {

namespace {

// Version 1: served_policies; version 2 adds runtime_domains. Statements are idempotent, so a
// file of any older version reaches the current one.
constexpr int k_schema_version = 2;
constexpr const char* k_schema =
    "CREATE TABLE IF NOT EXISTS served_policies(domain TEXT PRIMARY KEY, policy TEXT NOT NULL,"
    " id TEXT NOT NULL, changed_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS runtime_domains(name TEXT PRIMARY KEY, settings TEXT NOT NULL,"
    " forget_at INTEGER NOT NULL DEFAULT 0)";

void bind(sqlite3_stmt* statement, int index, const std::string& text)
{
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

std::string column_text(sqlite3_stmt* statement, int column)
{
  const auto* text = sqlite3_column_text(statement, column);
  return text == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(text),
                           static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
}

} // namespace

struct ServedPolicyStore::State
{
  std::string path;
  SqlitePtr db;

  std::string error(std::string_view operation) const
  {
    return fmt::format("served-policy store {}: {}: {}", path, operation, sqlite3_errmsg(db.get()));
  }

  util::Expected<SqliteStatementPtr, std::string> prepare(std::string_view sql) const
  {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
        SQLITE_OK) {
      return util::Unexpected(error(fmt::format("prepare '{}'", sql)));
    }
    return SqliteStatementPtr(raw);
  }
};

ServedPolicyStore::ServedPolicyStore(std::unique_ptr<State> state) : m_state(std::move(state)) {}
ServedPolicyStore::~ServedPolicyStore() = default;

util::Expected<std::unique_ptr<ServedPolicyStore>, std::string>
ServedPolicyStore::open(const std::string& path)
{
  auto state = std::make_unique<State>();
  state->path = path;
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  state->db.reset(raw);
  if (rc != SQLITE_OK) {
    return util::Unexpected(fmt::format("served-policy store {}: cannot open: {}", path,
                                        raw == nullptr ? "out of memory" : sqlite3_errmsg(raw)));
  }
  sqlite3_busy_timeout(raw, 5000);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", k_schema}) {
    if (sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return util::Unexpected(state->error(sql));
    }
  }
  auto version = state->prepare("PRAGMA user_version");
  if (!version) {
    return util::Unexpected(version.error());
  }
  const int found =
      sqlite3_step(version->get()) == SQLITE_ROW ? sqlite3_column_int(version->get(), 0) : -1;
  if (found > k_schema_version) {
    return util::Unexpected(
        fmt::format("served-policy store {}: schema version {} is newer than this mtasts ({})",
                    path, found, k_schema_version));
  }
  if (found < k_schema_version &&
      sqlite3_exec(raw, fmt::format("PRAGMA user_version={}", k_schema_version).c_str(), nullptr,
                   nullptr, nullptr) != SQLITE_OK) {
    return util::Unexpected(state->error("set user_version"));
  }
  return std::unique_ptr<ServedPolicyStore>(new ServedPolicyStore(std::move(state)));
}

util::Expected<std::vector<ServedPolicy>, std::string> ServedPolicyStore::load_all() const
{
  auto statement = m_state->prepare(
      "SELECT domain, policy, id, changed_at FROM served_policies ORDER BY domain");
  if (!statement) {
    return util::Unexpected(statement.error());
  }
  std::vector<ServedPolicy> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) {
    rows.push_back(ServedPolicy{column_text(statement->get(), 0), column_text(statement->get(), 1),
                                column_text(statement->get(), 2),
                                sqlite3_column_int64(statement->get(), 3)});
  }
  if (rc != SQLITE_DONE) {
    return util::Unexpected(m_state->error("read"));
  }
  return rows;
}

util::Expected<bool, std::string> ServedPolicyStore::save(const ServedPolicy& policy) const
{
  auto statement = m_state->prepare(
      "INSERT INTO served_policies(domain, policy, id, changed_at) VALUES(?1, ?2, ?3, ?4)"
      " ON CONFLICT(domain) DO UPDATE SET policy = excluded.policy, id = excluded.id,"
      " changed_at = excluded.changed_at");
  if (!statement) {
    return util::Unexpected(statement.error());
  }
  sqlite3_bind_text(statement->get(), 1, policy.domain.data(),
                    static_cast<int>(policy.domain.size()), SQLITE_STATIC);
  sqlite3_bind_text(statement->get(), 2, policy.policy.data(),
                    static_cast<int>(policy.policy.size()), SQLITE_STATIC);
  sqlite3_bind_text(statement->get(), 3, policy.id.data(), static_cast<int>(policy.id.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(statement->get(), 4, policy.changed_at);
  if (sqlite3_step(statement->get()) != SQLITE_DONE) {
    return util::Unexpected(m_state->error("write " + policy.domain));
  }
  return true;
}

util::Expected<bool, std::string> ServedPolicyStore::remove(const std::string& domain) const
{
  auto statement = m_state->prepare("DELETE FROM served_policies WHERE domain = ?1");
  if (!statement) {
    return util::Unexpected(statement.error());
  }
  sqlite3_bind_text(statement->get(), 1, domain.data(), static_cast<int>(domain.size()),
                    SQLITE_STATIC);
  if (sqlite3_step(statement->get()) != SQLITE_DONE) {
    return util::Unexpected(m_state->error("delete " + domain));
  }
  return true;
}

util::Expected<std::vector<RuntimeDomain>, std::string>
ServedPolicyStore::load_runtime_domains() const
{
  auto statement =
      m_state->prepare("SELECT name, settings, forget_at FROM runtime_domains ORDER BY name");
  if (!statement) {
    return util::Unexpected(statement.error());
  }
  std::vector<RuntimeDomain> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) {
    rows.push_back(RuntimeDomain{column_text(statement->get(), 0), column_text(statement->get(), 1),
                                 sqlite3_column_int64(statement->get(), 2)});
  }
  if (rc != SQLITE_DONE) {
    return util::Unexpected(m_state->error("read runtime domains"));
  }
  return rows;
}

util::Expected<bool, std::string>
ServedPolicyStore::save_runtime_domain(const RuntimeDomain& domain) const
{
  auto statement =
      m_state->prepare("INSERT INTO runtime_domains(name, settings, forget_at) VALUES(?1, ?2, ?3)"
                       " ON CONFLICT(name) DO UPDATE SET settings = excluded.settings,"
                       " forget_at = excluded.forget_at");
  if (!statement) {
    return util::Unexpected(statement.error());
  }
  bind(statement->get(), 1, domain.name);
  bind(statement->get(), 2, domain.settings);
  sqlite3_bind_int64(statement->get(), 3, domain.forget_at);
  if (sqlite3_step(statement->get()) != SQLITE_DONE) {
    return util::Unexpected(m_state->error("write runtime domain " + domain.name));
  }
  return true;
}

util::Expected<bool, std::string>
ServedPolicyStore::remove_runtime_domain(const std::string& name) const
{
  auto statement = m_state->prepare("DELETE FROM runtime_domains WHERE name = ?1");
  if (!statement) {
    return util::Unexpected(statement.error());
  }
  bind(statement->get(), 1, name);
  if (sqlite3_step(statement->get()) != SQLITE_DONE) {
    return util::Unexpected(m_state->error("delete runtime domain " + name));
  }
  return remove(name);
}

} // namespace mtasts::store
