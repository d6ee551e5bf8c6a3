// Implements read_sqlite_ownership. Contract in sqlite_source.h.
#include "common/sender/sqlite_source.h"

#include <sqlite3.h>

#include <memory>

#include "common/core/file_read.h"

namespace postern {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

std::string column(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  int n = sqlite3_column_bytes(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(n)) : std::string();
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

Result<Stmt> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
    return Error::perm(std::string("sqlite: ") + sqlite3_errmsg(db));
  }
  return Stmt(s);
}

}  // namespace

Result<SqliteOwnership> read_sqlite_ownership(const std::string& path) {
  if (auto regular = check_regular_file(path); !regular) return Error::temp(regular.error().message);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Error::temp("cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_busy_timeout(db.get(), 1000);
  SqliteOwnership out;
  size_t rows = 0;

  auto users = prepare(db.get(), "SELECT email FROM users");
  if (!users) return Error::perm(path + ": no usable users table (" + users.error().message + ")");
  while ((rc = sqlite3_step(users->get())) == SQLITE_ROW) {
    if (++rows > kMaxSqliteRows)
      return Error::perm(path + ": more than " + std::to_string(kMaxSqliteRows) + " rows");
    std::string email = column(users->get(), 0);
    if (email.empty() || email.size() > kMaxLoginLength) continue;
    out.entries.push_back({email, {email}, 0});
  }
  if (rc != SQLITE_DONE) return Error::temp(path + ": reading users: " + sqlite3_errmsg(db.get()));

  // Older Mail-in-a-Box databases have no permitted_senders column.
  bool has_permitted = true;
  auto aliases = prepare(db.get(), "SELECT source, destination, permitted_senders FROM aliases");
  if (!aliases) {
    has_permitted = false;
    aliases = prepare(db.get(), "SELECT source, destination FROM aliases");
  }
  if (!aliases) {
    out.warnings.push_back(path + ": no aliases table; only users own addresses");
    return out;
  }
  while ((rc = sqlite3_step(aliases->get())) == SQLITE_ROW) {
    if (++rows > kMaxSqliteRows)
      return Error::perm(path + ": more than " + std::to_string(kMaxSqliteRows) + " rows");
    std::string source = column(aliases->get(), 0);
    bool permitted_null = !has_permitted || sqlite3_column_type(aliases->get(), 2) == SQLITE_NULL;
    std::string senders = column(aliases->get(), permitted_null ? 1 : 2);
    if (source.empty() || source.size() > kMaxLoginLength || senders.size() > kMaxLoginMapLine) {
      out.warnings.push_back(path + ": alias row skipped (empty or oversized field)");
      continue;
    }
    auto logins = split_list(senders);
    if (logins.size() > kMaxLoginsPerKey) logins.resize(kMaxLoginsPerKey);
    if (!logins.empty()) out.entries.push_back({source, std::move(logins), 0});
  }
  if (rc != SQLITE_DONE) return Error::temp(path + ": reading aliases: " + sqlite3_errmsg(db.get()));
  return out;
}

}  // namespace postern
