// The passwd-file parser and the user sources (passwd-file reload, Mail-in-a-Box SQLite, chain).
#include "common/auth/passwd_file.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <utime.h>

#include "common/auth/user_source.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

TEST(PasswdFile, ParsesDovecotFormat) {
  auto r = parse_passwd_file(
      "# comment\n"
      "\n"
      "alice@example.org:{SHA512-CRYPT}$6$s$h:1000:1000::/home/alice::userdb_quota_rule=*:storage=1G\n"
      "bob@example.org:{PLAIN}pw\r\n"
      "   # indented comment\n"
      "carol@example.org:$6$bare$hash\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->passwords.size(), 3u);
  EXPECT_EQ(r->passwords.at("alice@example.org"), "{SHA512-CRYPT}$6$s$h");
  EXPECT_EQ(r->passwords.at("bob@example.org"), "{PLAIN}pw");
  EXPECT_EQ(r->passwords.at("carol@example.org"), "$6$bare$hash");
  EXPECT_TRUE(r->warnings.empty());
}

TEST(PasswdFile, SkipsBadLinesWithoutShowingThem) {
  auto r = parse_passwd_file("nocolon\n:emptyuser\nempty:\ndup:one\ndup:two\nctl\x01:x\n" +
                             std::string(kMaxPasswdFileLine + 1, 'a') + "\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->passwords.size(), 1u);
  EXPECT_EQ(r->passwords.at("dup"), "one");
  EXPECT_EQ(r->warnings.size(), 6u);
  for (const auto& w : r->warnings) {
    EXPECT_EQ(w.find("one"), std::string::npos);
    EXPECT_EQ(w.rfind("line ", 0), 0u) << w;
  }
}

TEST(UserSource, PasswdFileIsReloadedWhenItChanges) {
  test::TempDir dir("postern-users");
  auto path = dir.write("passwd", "alice:{PLAIN}one\n");
  auto src = make_passwd_file_source(path.string(), nullptr);
  auto a = src->password_of("alice");
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(**a, "{PLAIN}one");
  EXPECT_FALSE(*src->password_of("bob"));
  dir.write("passwd", "alice:{PLAIN}two\nbob:{PLAIN}three\n");
  auto b = src->password_of("bob");
  ASSERT_TRUE(b && *b);
  EXPECT_EQ(**b, "{PLAIN}three");
  EXPECT_EQ(**src->password_of("alice"), "{PLAIN}two");
}

TEST(UserSource, UnreadablePasswdFileKeepsLastGoodContents) {
  test::TempDir dir("postern-users");
  auto path = dir.write("passwd", "alice:{PLAIN}one\n");
  auto src = make_passwd_file_source(path.string(), nullptr);
  ASSERT_TRUE(*src->password_of("alice"));
  std::filesystem::remove(path);
  auto a = src->password_of("alice");
  ASSERT_TRUE(a && *a);
  auto missing = make_passwd_file_source((dir.path() / "nope").string(), nullptr);
  auto m = missing->password_of("alice");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().kind, ErrorKind::temporary);
}

void exec(sqlite3* db, const char* sql) {
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
}

TEST(UserSource, MailInABoxSqliteSeesChangesAtOnce) {
  test::TempDir dir("postern-users");
  auto path = (dir.path() / "users.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  exec(db,
       "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, "
       "password TEXT NOT NULL, extra, privileges TEXT NOT NULL DEFAULT '', quota TEXT NOT NULL DEFAULT '0');"
       "INSERT INTO users (email, password) VALUES ('alice@example.org', '{SHA512-CRYPT}$6$a$b');");
  auto src = make_sqlite_user_source(path, nullptr);
  auto a = src->password_of("alice@example.org");
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(**a, "{SHA512-CRYPT}$6$a$b");
  EXPECT_FALSE(*src->password_of("bob@example.org"));
  EXPECT_FALSE(*src->password_of("alice@example.org' OR '1'='1"));
  exec(db,
       "INSERT INTO users (email, password) VALUES ('bob@example.org', '{PLAIN}x');"
       "UPDATE users SET password = '{PLAIN}new' WHERE email = 'alice@example.org';");
  EXPECT_EQ(**src->password_of("bob@example.org"), "{PLAIN}x");
  EXPECT_EQ(**src->password_of("alice@example.org"), "{PLAIN}new");
  sqlite3_close(db);
}

TEST(UserSource, SqliteWithoutUsersTableIsTemporaryError) {
  test::TempDir dir("postern-users");
  auto path = (dir.path() / "empty.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  exec(db, "CREATE TABLE other (x);");
  sqlite3_close(db);
  auto r = make_sqlite_user_source(path, nullptr)->password_of("a");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::temporary);
}

TEST(UserSource, ChainAsksInOrder) {
  test::TempDir dir("postern-users");
  auto p1 = dir.write("one", "alice:{PLAIN}from-one\n");
  auto p2 = dir.write("two", "alice:{PLAIN}from-two\nbob:{PLAIN}bob-two\n");
  std::vector<std::unique_ptr<UserSource>> v;
  v.push_back(make_passwd_file_source((dir.path() / "missing").string(), nullptr));
  v.push_back(make_passwd_file_source(p1.string(), nullptr));
  v.push_back(make_passwd_file_source(p2.string(), nullptr));
  auto chain = make_chained_source(std::move(v));
  EXPECT_EQ(**chain->password_of("alice"), "{PLAIN}from-one");
  EXPECT_EQ(**chain->password_of("bob"), "{PLAIN}bob-two");
  auto carol = chain->password_of("carol");
  EXPECT_FALSE(carol);  // the missing source's error stands: carol may live there
}

}  // namespace
}  // namespace postern
