// floor: the memory a process costs just by loading and initialising the libraries an MTA-STS
// resolver built to our standards must use (Debian's shared OpenSSL 3, libunbound, SQLite 3,
// libstdc++, glibc), doing no resolver work at all: a TLS client context with a CA file, a
// libunbound context with its resolving thread and one query, an SQLite database in WAL mode
// with one table. Prints VmHWM / RssAnon / RssFile after each step, in kB, one line each:
//   floor <step> hwm=<kB> anon=<kB> file=<kB>
// Usage: floor CA_FILE SQLITE_FILE   (bench/run-resolver.sh builds and runs it; loopback only:
// the one DNS query goes to 127.0.0.1 port 9, where nothing answers)
#include <openssl/ssl.h>
#include <sqlite3.h>
#include <unbound.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace {

long status_kb(const std::string& key)
{
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::stol(line.substr(key.size() + 1));
    }
  }
  return -1;
}

void show(const char* step)
{
  std::printf("floor %-8s hwm=%ld anon=%ld file=%ld\n", step, status_kb("VmHWM"),
              status_kb("RssAnon"), status_kb("RssFile"));
}

void on_result(void* done, int /*error*/, ub_result* result)
{
  ub_resolve_free(result);
  *static_cast<bool*>(done) = true;
}

} // namespace

int main(int argc, char** argv)
{
  if (argc != 3) {
    std::fprintf(stderr, "usage: floor CA_FILE SQLITE_FILE\n");
    return 2;
  }
  show("start");

  SSL_CTX* tls = SSL_CTX_new(TLS_client_method());
  if (tls == nullptr || SSL_CTX_load_verify_file(tls, argv[1]) != 1) {
    std::fprintf(stderr, "floor: cannot load %s\n", argv[1]);
    return 1;
  }
  show("openssl");

  ub_ctx* dns = ub_ctx_create();
  bool done = false;
  int id = 0;
  if (dns == nullptr || ub_ctx_async(dns, 1) != 0 ||
      ub_ctx_set_option(dns, "do-not-query-localhost:", "no") != 0 ||
      ub_ctx_set_fwd(dns, "127.0.0.1@9") != 0 ||
      ub_resolve_async(dns, "floor.test", 16, 1, &done, on_result, &id) != 0) {
    std::fprintf(stderr, "floor: libunbound setup failed\n");
    return 1;
  }
  for (int i = 0; i < 50 && !done; ++i) { // at most 5 s; the answer itself does not matter
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ub_process(dns);
  }
  show("unbound");

  sqlite3* db = nullptr;
  if (sqlite3_open(argv[2], &db) != SQLITE_OK ||
      sqlite3_exec(db,
                   "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(k TEXT PRIMARY KEY, v "
                   "TEXT); INSERT OR REPLACE INTO t VALUES('a', 'b'); SELECT * FROM t;",
                   nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "floor: sqlite setup failed\n");
    return 1;
  }
  show("sqlite");

  sqlite3_close(db);
  ub_ctx_delete(dns);
  SSL_CTX_free(tls);
  return 0;
}
