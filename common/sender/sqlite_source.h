// Reads sender ownership from a Mail-in-a-Box style SQLite database (read-only):
//   users(email, ...)                                   a user owns their own address;
//   aliases(source, destination, permitted_senders)     the permitted_senders (comma-separated)
//     may send as source; when permitted_senders is NULL, the destinations may.
// The database is untrusted as to content: rows are bounded by kMaxSqliteRows and each field by
// kMaxLoginMapLine; bad rows are skipped with a warning. Opened with SQLITE_OPEN_READONLY and a
// busy timeout, so a writer (the admin panel) is never blocked for long.
#pragma once

#include <string>
#include <vector>

#include "common/core/result.h"
#include "common/sender/login_map.h"

namespace postern {

inline constexpr size_t kMaxSqliteRows = 1000000;

struct SqliteOwnership {
  std::vector<LoginMapEntry> entries;
  std::vector<std::string> warnings;
};

Result<SqliteOwnership> read_sqlite_ownership(const std::string& path);

}  // namespace postern
