// The SQLite backend beyond the shared contract: durability across store objects and processes
// (exit without cleanup, SIGKILL), the versioned schema, corrupt rows, and files or directories
// that cannot be used.
#include <mtasts/store/policy_store.hpp>
#include <mtasts/store/sqlite_handles.hpp>
#include <mtasts/store/sqlite_store.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "temp_dir.hpp"
#include <array>
#include <chrono>
#include <fstream>
#include <string>

namespace mtasts::store::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

const sys_seconds k_fetched{std::chrono::seconds{1'700'000'000}};

PolicyRecord make_record(std::string domain)
{
  return PolicyRecord{.domain = std::move(domain),
                      .id = "abc123",
                      .policy_text = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.net\r\n"
                                     "max_age: 604800\r\n",
                      .fetched_at = k_fetched,
                      .expires_at = k_fetched + 604800s,
                      .dane = "partial"};
}

// Runs SQL on the file directly, as another program (or a damaged disk) might.
void run_raw_sql(const std::string& path, const std::string& sql)
{
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open(path.c_str(), &raw);
  const SqlitePtr db(raw);
  ASSERT_EQ(rc, SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db.get());
}

std::string raw_text(const std::string& path, const std::string& sql)
{
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  const SqlitePtr db(raw);
  sqlite3_stmt* raw_statement = nullptr;
  sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_statement, nullptr);
  const SqliteStatementPtr statement(raw_statement);
  if (!statement || sqlite3_step(statement.get()) != SQLITE_ROW) {
    return "(no row)";
  }
  const unsigned char* text = sqlite3_column_text(statement.get(), 0);
  return text == nullptr ? "(null)" : std::string(reinterpret_cast<const char*>(text));
}

class SqliteStore : public ::testing::Test
{
protected:
  void SetUp() override { ASSERT_FALSE(m_dir.path().empty()); }

  std::unique_ptr<PolicyStore> open_store()
  {
    auto opened = open_policy_store("sqlite://" + m_path);
    EXPECT_TRUE(opened) << opened.error();
    return opened ? std::move(opened).value() : nullptr;
  }

  // In a child process: open the store, save `domain`, then run `after_save` (which must not
  // return). The parent learns that save() returned through a pipe.
  template <typename AfterSave>
  pid_t save_in_child(const std::string& domain, int ready_fd, AfterSave after_save)
  {
    const pid_t pid = fork();
    if (pid == 0) {
      auto opened = open_policy_store("sqlite://" + m_path);
      if (!opened || !(*opened)->save(make_record(domain))) {
        _exit(2);
      }
      const char saved = 's';
      if (write(ready_fd, &saved, 1) != 1) {
        _exit(3);
      }
      after_save();
    }
    return pid;
  }

  TempDir m_dir;
  std::string m_path = m_dir.file("cache.db");
};

TEST_F(SqliteStore, AFileThatIsNotADatabaseIsAClearError)
{
  {
    std::ofstream garbage(m_path);
    for (int i = 0; i < 200; ++i) {
      garbage << "this is a policy cache, honestly\n";
    }
  }
  auto opened = open_policy_store("sqlite://" + m_path);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "sqlite " + m_path + ": set journal_mode=WAL: file is not a database");
}

TEST_F(SqliteStore, AMissingDirectoryIsAClearError)
{
  const std::string path = m_dir.file("missing/cache.db");
  auto opened = open_policy_store("sqlite://" + path);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "sqlite " + path + ": open: unable to open database file");
}

TEST_F(SqliteStore, AReadOnlyDirectoryIsAClearError)
{
  const std::string dir = m_dir.file("read-only");
  ASSERT_EQ(mkdir(dir.c_str(), 0555), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0555), 0);
  const std::string path = dir + "/cache.db";
  // root ignores directory permissions: open as "nobody" in a child process and send the error
  // back through a pipe.
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(pipe(pipe_fds.data()), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
      _exit(2);
    }
    auto opened = open_policy_store("sqlite://" + path);
    const std::string message = opened ? std::string("(opened)") : opened.error();
    const auto written = write(pipe_fds[1], message.data(), message.size());
    _exit(written == static_cast<ssize_t>(message.size()) ? 0 : 3);
  }
  close(pipe_fds[1]);
  std::string message;
  std::array<char, 512> buffer{};
  for (ssize_t got = 0; (got = read(pipe_fds[0], buffer.data(), buffer.size())) > 0;) {
    message.append(buffer.data(), static_cast<std::size_t>(got));
  }
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(message, "sqlite " + path + ": open: unable to open database file");
}

TEST_F(SqliteStore, ANewerSchemaIsRefused)
{
  ASSERT_NE(open_store(), nullptr);
  run_raw_sql(m_path, "INSERT INTO schema_migrations(version) VALUES(99)");
  auto opened = open_policy_store("sqlite://" + m_path);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "sqlite " + m_path +
                                ": migrate schema: the file has schema version 99, newer than "
                                "this program's 3");
}

TEST_F(SqliteStore, CorruptRowsAreErrorsForLoadAndSkippedByLoadAll)
{
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->save(make_record("good.example")));
  run_raw_sql(m_path,
              "INSERT INTO policies VALUES('null-id.example', NULL, 'x', 1, 1800000000, '');"
              "INSERT INTO policies VALUES('text-time.example', 'i', 'x', 'yesterday', "
              "1800000000, '');"
              "INSERT INTO policies VALUES('blob.example', 'i', x'00ff', 1, 1800000000, '');"
              "INSERT INTO policies VALUES('real.example', 'i', 'x', 1, 1800000000.5, '');"
              "INSERT INTO policies VALUES('text-expiry.example', 'i', 'x', 1, 'never', '');"
              "INSERT INTO policies VALUES(NULL, 'i', 'x', 1, 1800000000, '');");
  const auto now = k_fetched + 60s;
  const std::string head = "sqlite " + m_path + ": load ";
  const std::array<std::pair<const char*, const char*>, 5> corrupt{{
      {"null-id.example", "corrupt row: id is NULL, expected text"},
      {"text-time.example", "corrupt row: fetched_at is text, expected an integer"},
      {"blob.example", "corrupt row: policy_text is a blob, expected text"},
      {"real.example", "corrupt row: expires_at is a real, expected an integer"},
      {"text-expiry.example", "corrupt row: expires_at is text, expected an integer"},
  }};
  for (const auto& [domain, reason] : corrupt) {
    auto loaded = store->load(domain, now);
    ASSERT_FALSE(loaded) << domain;
    EXPECT_EQ(loaded.error(), head + domain + ": " + reason);
  }
  auto all = store->load_all(now, 100);
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front(), make_record("good.example"));
  auto one = store->load_all(now, 1);
  ASSERT_TRUE(one) << one.error();
  ASSERT_EQ(one->size(), 1U);
}

TEST_F(SqliteStore, TheFileIsInWalModeWithAVersionedSchema)
{
  ASSERT_NE(open_store(), nullptr);
  EXPECT_EQ(raw_text(m_path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_text(m_path, "SELECT group_concat(version) FROM schema_migrations"), "1,2,3");
  EXPECT_EQ(raw_text(m_path, "SELECT group_concat(name) FROM pragma_table_info('policies')"),
            "domain,id,policy_text,fetched_at,expires_at,dane");
  // Opening again migrates nothing twice.
  ASSERT_NE(open_store(), nullptr);
  EXPECT_EQ(raw_text(m_path, "SELECT count(*) FROM schema_migrations"),
            std::to_string(k_sqlite_schema_version));
}

TEST_F(SqliteStore, AVersion2FileIsMigratedKeepingItsPolicies)
{
  // The schema as version 2 left it, with one policy.
  run_raw_sql(m_path, "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY);"
                      "INSERT INTO schema_migrations(version) VALUES(1), (2);"
                      "CREATE TABLE policies(domain TEXT PRIMARY KEY, id TEXT, policy_text TEXT,"
                      " fetched_at INTEGER, expires_at INTEGER);"
                      "CREATE INDEX policies_by_expiry ON policies(expires_at);"
                      "ALTER TABLE policies ADD COLUMN dane TEXT NOT NULL DEFAULT '';");
  const PolicyRecord record = make_record("a.example");
  run_raw_sql(m_path, "INSERT INTO policies VALUES('a.example', 'abc123', '" + record.policy_text +
                          "', 1700000000, " +
                          std::to_string(record.expires_at.time_since_epoch().count()) +
                          ", 'partial')");
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(raw_text(m_path, "SELECT group_concat(version) FROM schema_migrations"), "1,2,3");
  auto loaded = store->load("a.example", k_fetched);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, record);
  const ObservationRecord observation{.domain = "a.example",
                                      .mx_host = "mx.example.net",
                                      .policy_id = "abc123",
                                      .address = "192.0.2.25",
                                      .outcome = "pass",
                                      .result_type = "",
                                      .detail = "",
                                      .observed_at = k_fetched};
  auto stored = store->replace_observations("a.example", {observation});
  ASSERT_TRUE(stored) << stored.error();
  EXPECT_TRUE(*stored);
  auto observations = store->load_observations("a.example", k_fetched);
  ASSERT_TRUE(observations) << observations.error();
  EXPECT_EQ(*observations, std::vector<ObservationRecord>{observation});
}

TEST_F(SqliteStore, CorruptObservationRowsAreErrorsForLoadAndSkippedByLoadAll)
{
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  for (const char* domain : {"a.example", "b.example"}) {
    ASSERT_TRUE(store->save(make_record(domain)));
    ASSERT_TRUE(
        store->replace_observations(domain, {ObservationRecord{.domain = domain,
                                                               .mx_host = "mx.example.net",
                                                               .policy_id = "abc123",
                                                               .address = "",
                                                               .outcome = "transient",
                                                               .result_type = "",
                                                               .detail = "connection refused",
                                                               .observed_at = k_fetched}}));
  }
  run_raw_sql(m_path, "UPDATE observations SET observed_at = 'soon' WHERE domain = 'a.example'");
  auto loaded = store->load_observations("a.example", k_fetched);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error(), "sqlite " + m_path +
                                ": load observations of a.example: corrupt row: observed_at is "
                                "text, expected an integer");
  auto all = store->load_all_observations(k_fetched, 10);
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front().domain, "b.example");
}

TEST_F(SqliteStore, AReopenedStoreSeesTheRecords)
{
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->save(make_record("a.example")));
    ASSERT_TRUE(store->save(make_record("b.example")));
    ASSERT_TRUE(store->erase("b.example"));
  }
  auto reopened = open_store();
  ASSERT_NE(reopened, nullptr);
  auto loaded = reopened->load("a.example", k_fetched);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, make_record("a.example"));
  auto erased = reopened->load("b.example", k_fetched);
  ASSERT_TRUE(erased) << erased.error();
  EXPECT_EQ(*erased, std::nullopt);
}

TEST_F(SqliteStore, TwoStoresOnOneFileSeeEachOthersWrites)
{
  auto writer = open_store();
  auto reader = open_store();
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(writer->save(make_record("shared.example")));
  auto loaded = reader->load("shared.example", k_fetched);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, make_record("shared.example"));
}

TEST_F(SqliteStore, ASaveSurvivesAProcessThatExitsWithoutCleanup)
{
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(pipe(pipe_fds.data()), 0);
  const pid_t pid = save_in_child("exit.example", pipe_fds[1], [] { _exit(0); });
  ASSERT_GT(pid, 0);
  close(pipe_fds[1]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  close(pipe_fds[0]);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  auto reopened = open_store();
  ASSERT_NE(reopened, nullptr);
  auto loaded = reopened->load("exit.example", k_fetched);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, make_record("exit.example"));
}

TEST_F(SqliteStore, ASaveSurvivesSigkillAfterItReturned)
{
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(pipe(pipe_fds.data()), 0);
  const pid_t pid = save_in_child("killed.example", pipe_fds[1], [] {
    for (;;) {
      pause();
    }
  });
  ASSERT_GT(pid, 0);
  close(pipe_fds[1]);
  char saved = 0;
  const auto got = read(pipe_fds[0], &saved, 1);
  close(pipe_fds[0]);
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(got, 1) << "the child could not save";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  auto reopened = open_store();
  ASSERT_NE(reopened, nullptr);
  auto loaded = reopened->load("killed.example", k_fetched);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, make_record("killed.example"));
}

TEST_F(SqliteStore, ARelativePathIsRelativeToTheWorkingDirectory)
{
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(m_dir.path());
  auto opened = open_policy_store("sqlite://relative.db");
  std::filesystem::current_path(previous);
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_TRUE(std::filesystem::exists(m_dir.path() / "relative.db"));
}

} // namespace
} // namespace mtasts::store::test
