// Owned SQLite handles: std::unique_ptr with the library's own release function, one alias per
// handle type (STYLE: wrap every C handle in RAII, once). A database must outlive its statements:
// declare the SqlitePtr member before the statement members.
#pragma once

#include <sqlite3.h>

#include <memory>

namespace mtasts::store {

template <auto release_function>
struct SqliteRelease
{
  template <typename Handle>
  void operator()(Handle* handle) const
  {
    release_function(handle);
  }
};

// sqlite3_close_v2: closes once the last statement is finalized, never fails with SQLITE_BUSY.
using SqlitePtr = std::unique_ptr<sqlite3, SqliteRelease<&sqlite3_close_v2>>;
using SqliteStatementPtr = std::unique_ptr<sqlite3_stmt, SqliteRelease<&sqlite3_finalize>>;

} // namespace mtasts::store
