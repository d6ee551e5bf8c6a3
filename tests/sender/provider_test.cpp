// OwnershipProvider: text maps and a Mail-in-a-Box SQLite database, picked up again after a change
// without a restart; a broken change keeps the previous map.
#include "common/sender/provider.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "common/log/log.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
}

TEST(OwnershipProvider, TextMapChangeIsPickedUpAfterTheCheckInterval) {
  test::TempDir dir;
  auto path = dir.write("senders", "sales@example.org alice@example.org\n");
  FakeClock clock;
  auto sink = std::make_shared<MemorySink>();
  Logger log(sink);
  OwnershipProvider p({{path.string()}, "", {}, Seconds(5)}, clock, &log);
  ASSERT_TRUE(p.load().ok());
  EXPECT_TRUE(p.current()->check_address("alice@example.org", "sales@example.org").allowed);
  EXPECT_FALSE(p.current()->check_address("bob@example.org", "sales@example.org").allowed);

  dir.write("senders", "sales@example.org alice@example.org, bob@example.org\n");
  // Not re-checked before the interval has passed.
  EXPECT_FALSE(p.current()->check_address("bob@example.org", "sales@example.org").allowed);
  clock.advance(Seconds(6));
  EXPECT_TRUE(p.current()->check_address("bob@example.org", "sales@example.org").allowed);
}

TEST(OwnershipProvider, BrokenChangeKeepsPreviousMapAndLogsOnce) {
  test::TempDir dir;
  auto path = dir.write("senders", "sales@example.org alice@example.org\n");
  FakeClock clock;
  auto sink = std::make_shared<MemorySink>();
  Logger log(sink);
  OwnershipProvider p({{path.string()}, "", {}, Seconds(1)}, clock, &log);
  ASSERT_TRUE(p.load().ok());
  dir.write("senders", "this line has no at sign\n");
  clock.advance(Seconds(2));
  EXPECT_TRUE(p.current()->check_address("alice@example.org", "sales@example.org").allowed);
  clock.advance(Seconds(2));
  EXPECT_TRUE(p.current()->check_address("alice@example.org", "sales@example.org").allowed);
  std::string text = sink->text();
  size_t first = text.find("kept_previous");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("kept_previous", first + 1), std::string::npos) << "logged more than once:\n" << text;
}

TEST(OwnershipProvider, MissingFileFailsLoad) {
  test::TempDir dir;
  FakeClock clock;
  OwnershipProvider p({{(dir / "absent").string()}, "", {}, Seconds(1)}, clock, nullptr);
  auto r = p.load();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("absent"), std::string::npos);
}

TEST(OwnershipProvider, MailInABoxDatabase) {
  test::TempDir dir;
  std::string db_path = (dir / "users.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  exec(db,
       "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,"
       " extra, privileges TEXT NOT NULL DEFAULT '');"
       "CREATE TABLE aliases (id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE, destination TEXT NOT NULL,"
       " permitted_senders TEXT);"
       "INSERT INTO users (email, password) VALUES ('alice@example.org', '{SHA512-CRYPT}$6$x$y'),"
       " ('bob@example.org', '{SHA512-CRYPT}$6$x$y');"
       "INSERT INTO aliases (source, destination, permitted_senders) VALUES"
       " ('info@example.org', 'alice@example.org,bob@example.org', NULL),"
       " ('billing@example.org', 'alice@example.org', 'bob@example.org');");
  FakeClock clock;
  OwnershipProvider p({{}, db_path, {}, Seconds(1)}, clock, nullptr);
  ASSERT_TRUE(p.load().ok());
  auto m = p.current();
  EXPECT_TRUE(m->check_address("alice@example.org", "alice@example.org").allowed);
  EXPECT_TRUE(m->check_address("bob@example.org", "info@example.org").allowed);        // destinations send
  EXPECT_TRUE(m->check_address("bob@example.org", "billing@example.org").allowed);     // permitted_senders
  EXPECT_FALSE(m->check_address("alice@example.org", "billing@example.org").allowed);  // destination only
  EXPECT_FALSE(m->check_address("alice@example.org", "bob@example.org").allowed);

  exec(db,
       "INSERT INTO aliases (source, destination, permitted_senders) VALUES ('ceo@example.org', 'x', "
       "'alice@example.org');");
  sqlite3_close(db);
  clock.advance(Seconds(2));
  EXPECT_TRUE(p.current()->check_address("alice@example.org", "ceo@example.org").allowed);
}

TEST(OwnershipProvider, OldMailInABoxSchemaWithoutPermittedSenders) {
  test::TempDir dir;
  std::string db_path = (dir / "old.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  exec(db,
       "CREATE TABLE users (email TEXT, password TEXT); CREATE TABLE aliases (source TEXT, destination TEXT);"
       "INSERT INTO users VALUES ('alice@example.org', 'h'); INSERT INTO aliases VALUES ('info@example.org', "
       "'alice@example.org');");
  sqlite3_close(db);
  FakeClock clock;
  OwnershipProvider p({{}, db_path, {}, Seconds(1)}, clock, nullptr);
  ASSERT_TRUE(p.load().ok());
  EXPECT_TRUE(p.current()->check_address("alice@example.org", "info@example.org").allowed);
}

TEST(OwnershipProvider, NotADatabaseIsAClearError) {
  test::TempDir dir;
  auto path = dir.write("garbage.sqlite", std::string(4096, 'x'));
  FakeClock clock;
  OwnershipProvider p({{}, path.string(), {}, Seconds(1)}, clock, nullptr);
  auto r = p.load();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("garbage.sqlite"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace postern
