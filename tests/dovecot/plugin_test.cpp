// The Dovecot passdb "postern" (libauthdb_postern.so) loaded by a real Dovecot: doveadm auth test
// and IMAP LOGIN with right and wrong passwords, lockout of a remote address after N failures
// (no hash computed, answered after the delay), unlock when the lock has aged, the owner still
// logging in from a known network, a Mail-in-a-Box SQLite user source, SMTP AUTH through a
// real Postfix with Dovecot SASL locked the same way, and the account guard's new_network sign. Lockout state
// is read back through the same LMDB store the plugin writes, as posternctl does. Client networks are /24
// here and each attempt comes from its own address in it: Dovecot's own auth penalty (anvil) delays repeated
// failures from one exact address by up to 15 s, which would only slow the test down.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>

#include "common/auth/lockout.h"
#include "common/config/config.h"
#include "common/store/factory.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/redis_server.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

namespace fs = std::filesystem;

// The auth process runs as the dovecot user: it must be able to write the store.
void give_to_dovecot(const fs::path& p) {
  struct passwd* pw = getpwnam("dovecot");
  ASSERT_NE(pw, nullptr);
  ASSERT_EQ(chown(p.c_str(), pw->pw_uid, pw->pw_gid), 0);
}

// Dovecot loads auth modules only from its compiled-in directory; the harness binds a copy with
// our module over it inside a private mount namespace. Where namespaces are not allowed (some
// containers) the installed-package test (tools/package-test.sh) covers the module instead.
bool mount_namespaces_work() {
  static const bool ok = test::run_command({"unshare", "--mount", "true"}).exit_code == 0;
  return ok;
}

#define REQUIRE_MOUNT_NAMESPACES()                          \
  if (!mount_namespaces_work())                             \
  GTEST_SKIP() << "unshare --mount is not permitted here; " \
                  "tools/package-test.sh tests the installed module"

struct PluginSetup {
  test::TempDir dir{"postern-plugin"};
  std::string conf;
  std::unique_ptr<test::DovecotInstance> dovecot;

  // store_conf replaces the [store] section (LMDB in dir/state by default).
  explicit PluginSetup(const std::string& auth_extra = "", const std::string& users_sqlite = "",
                       const std::string& store_conf = "") {
    chmod(dir.path().c_str(), 0755);
    auto state = dir.path() / "state";
    fs::create_directories(state);
    give_to_dovecot(state);
    std::string users = "alice@example.org:" + test::DovecotInstance::hash("alice-secret") + "::::::\n" +
                        "bob@example.org:" + test::DovecotInstance::hash("bob-secret") + "::::::\n";
    dir.write("users", users);
    std::string text =
        std::string("[log]\ndestination = \"stderr\"\nlevel = \"info\"\n") +
        (store_conf.empty()
             ? "[store]\nbackend = \"lmdb\"\nlmdb_path = \"" + state.string() + "\"\nlmdb_map_size_mb = 8\n"
             : store_conf) +
        "[auth]\n" +
        (users_sqlite.empty() ? "passwd_file = \"" + (dir.path() / "users").string() + "\"\n"
                              : "sqlite_users = \"" + users_sqlite + "\"\n") +
        "threads = 2\n[auth.lockout]\nuser_failures = 3\nnetwork_failures = 6\nipv4_prefix = 24\n"
        "refusal_delay = \"300ms\"\n" +
        auth_extra;
    conf = dir.write("postern.conf", text).string();
    test::DovecotOptions o;
    o.passdb_conf = "passdb {\n  driver = postern\n  args = " + conf + "\n}\n";
    o.auth_modules = {POSTERN_AUTH_MODULE};
    dovecot = std::make_unique<test::DovecotInstance>(o);
  }

  // The lockout view of the shared store, as posternctl opens it.
  std::vector<LockInfo> locks() {
    auto loaded = load_config(conf);
    EXPECT_TRUE(loaded.ok());
    SystemClock clock;
    auto store = make_store(loaded.config.store, clock, false);
    EXPECT_TRUE(store) << store.error().message;
    Lockout lo(**store, clock, loaded.config.auth.lockout, nullptr);
    auto l = lo.list();
    EXPECT_TRUE(l);
    return l ? *l : std::vector<LockInfo>{};
  }

  // Ages every lock so that it ended a second ago: what the passage of backoff time does.
  void age_locks() {
    auto loaded = load_config(conf);
    SystemClock clock;
    auto store = make_store(loaded.config.store, clock, false);
    ASSERT_TRUE(store);
    auto entries = (*store)->scan("auth:lock:", 1000);
    ASSERT_TRUE(entries);
    for (const auto& e : *entries) {
      std::string rest = e.value.substr(e.value.find(' '));
      ASSERT_TRUE((*store)->put(e.key, std::to_string(clock.unix_seconds() - 1) + rest, Seconds(3600)));
    }
  }
};

TEST(DovecotPlugin, RightAndWrongPasswordsThroughDoveadmAndImap) {
  REQUIRE_MOUNT_NAMESPACES();
  PluginSetup s;
  EXPECT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret").success) << s.dovecot->log();
  auto bad = s.dovecot->auth_test("alice@example.org", "wrong");
  EXPECT_FALSE(bad.success) << bad.output;
  EXPECT_FALSE(s.dovecot->auth_test("nobody@example.org", "whatever").success);
  EXPECT_TRUE(test::imap_login(s.dovecot->imap_port(), "alice@example.org", "alice-secret").ok)
      << s.dovecot->log();
  EXPECT_FALSE(test::imap_login(s.dovecot->imap_port(), "alice@example.org", "nope").ok);
  std::string log = s.dovecot->log();
  EXPECT_NE(log.find("postern: wrong password"), std::string::npos) << log;
}

TEST(DovecotPlugin, LocksARemoteAddressAndUnlocksWhenTheLockHasAged) {
  REQUIRE_MOUNT_NAMESPACES();
  PluginSetup s;
  auto attacker = [](int i) { return "203.0.113." + std::to_string(i); };
  for (int i = 1; i <= 3; ++i)
    EXPECT_FALSE(s.dovecot->auth_test("alice@example.org", "guess", attacker(i)).success);
  // Locked now: even the right password is refused, after the delay, without hashing.
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.dovecot->auth_test("alice@example.org", "alice-secret", attacker(4));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(r.success) << r.output;
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_TRUE(test::wait_until([&] {
    return s.dovecot->log().find("refused: locked (user_network)") != std::string::npos;
  })) << s.dovecot->log();
  // The owner, from a network where she logs in, is not affected.
  EXPECT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret", "192.0.2.50").success);
  auto locks = s.locks();
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].user, "alice@example.org");
  EXPECT_EQ(locks[0].network, "203.0.113.0/24");
  EXPECT_NE(s.dovecot->log().find("lockout scope=user_network user=alice@example.org network=203.0.113.0/24"),
            std::string::npos)
      << s.dovecot->log();
  s.age_locks();
  EXPECT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret", attacker(5)).success)
      << s.dovecot->log();
  EXPECT_TRUE(s.locks().empty());
  EXPECT_TRUE(test::wait_until(
      [&] { return s.dovecot->log().find("unlock scope=user_network") != std::string::npos; }));
}

// Redis down when Dovecot starts: the passdb starts all the same, logins follow on_store_failure
// (authenticate, without lockout) with one store_failure line, and once Redis is up the lockout
// counters go there again, without restarting Dovecot.
TEST(DovecotPlugin, RedisDownAtStartLoginsStillWorkThenLockoutUsesRedisOnceUp) {
  REQUIRE_MOUNT_NAMESPACES();
  test::RedisServer redis;
  redis.stop();
  PluginSetup s("", "",
                "[store]\nbackend = \"redis\"\nredis_port = " + std::to_string(redis.port()) +
                    "\nredis_timeout = \"300ms\"\n");
  EXPECT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret", "192.0.2.10").success)
      << s.dovecot->log();
  EXPECT_FALSE(s.dovecot->auth_test("alice@example.org", "wrong", "203.0.113.1").success);
  EXPECT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret", "192.0.2.11").success);
  EXPECT_TRUE(test::wait_until([&] { return s.dovecot->log().find("store_failure") != std::string::npos; }))
      << s.dovecot->log();
  EXPECT_EQ(s.dovecot->log().find("store_failure"), s.dovecot->log().rfind("store_failure"))
      << s.dovecot->log();
  redis.start();
  auto counters = [&] {
    return test::run_command(
               {"redis-cli", "-p", std::to_string(redis.port()), "--scan", "--pattern", "postern:*"})
        .output;
  };
  int i = 0;
  EXPECT_TRUE(test::wait_until(
      [&] {
        s.dovecot->auth_test("alice@example.org", "wrong", "203.0.113." + std::to_string(2 + i++ % 200));
        return !counters().empty();
      },
      std::chrono::seconds(20)))
      << s.dovecot->log();
  EXPECT_TRUE(test::wait_until([&] { return s.dovecot->log().find("store_recovered") != std::string::npos; }))
      << s.dovecot->log();
}

TEST(DovecotPlugin, NetworkLockCoversImapToo) {
  REQUIRE_MOUNT_NAMESPACES();
  PluginSetup s;
  for (int i = 1; i <= 6; ++i) {
    EXPECT_FALSE(s.dovecot
                     ->auth_test("user" + std::to_string(i) + "@example.org", "guess",
                                 "198.51.100." + std::to_string(i))
                     .success);
  }
  EXPECT_FALSE(s.dovecot->auth_test("bob@example.org", "bob-secret", "198.51.100.7").success);
  // IMAP from 127.0.0.1 is another network: bob logs in.
  EXPECT_TRUE(test::imap_login(s.dovecot->imap_port(), "bob@example.org", "bob-secret").ok);
}

TEST(DovecotPlugin, AdminListsAndUnlocksWithPosternctl) {
  REQUIRE_MOUNT_NAMESPACES();
  PluginSetup s;
  for (int i = 1; i <= 3; ++i)
    EXPECT_FALSE(s.dovecot->auth_test("bob@example.org", "guess", "203.0.113." + std::to_string(i)).success);
  EXPECT_FALSE(s.dovecot->auth_test("bob@example.org", "bob-secret", "203.0.113.4").success);
  auto list = test::run_command({POSTERNCTL, "-c", s.conf, "lockout", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("user_network  203.0.113.0/24  bob@example.org"), std::string::npos)
      << list.output;
  auto unlock = test::run_command({POSTERNCTL, "-c", s.conf, "lockout", "unlock", "bob@example.org"});
  EXPECT_EQ(unlock.exit_code, 0) << unlock.output;
  EXPECT_NE(unlock.output.find("unlocked bob@example.org (1 lock lifted)"), std::string::npos)
      << unlock.output;
  EXPECT_TRUE(s.dovecot->auth_test("bob@example.org", "bob-secret", "203.0.113.5").success)
      << s.dovecot->log();
  auto empty = test::run_command({POSTERNCTL, "-c", s.conf, "lockout", "list"});
  EXPECT_EQ(empty.output.find("bob@example.org"), std::string::npos) << empty.output;
}

// The account guard's new_network sign, end to end: the passdb sees guesses at alice's password
// from three networks, then her right password from a /24 she has not used lately. The sign is
// in the shared store, in the log, and `posternctl account list` shows it with its explanation;
// a login from her usual network after the same guesses is no sign, and no login is refused.
TEST(DovecotPlugin, NewNetworkAfterGuessesIsAnAccountSignListedByPosternctl) {
  REQUIRE_MOUNT_NAMESPACES();
  PluginSetup s("[account_guard]\nenabled = true\n");
  ASSERT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret", "192.0.2.7").success)
      << s.dovecot->log();
  for (const char* guesser : {"203.0.113.1", "198.18.0.1", "198.18.1.1"})
    EXPECT_FALSE(s.dovecot->auth_test("alice@example.org", "guess", guesser).success);
  // Her usual /24: no sign.
  EXPECT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret", "192.0.2.8").success)
      << s.dovecot->log();
  auto quiet = test::run_command({POSTERNCTL, "-c", s.conf, "account", "list"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output, "# login  state  score/threshold  since  reason\n");
  // A /24 she has not used: the sign, and still logged in.
  EXPECT_TRUE(s.dovecot->auth_test("alice@example.org", "alice-secret", "198.51.100.4").success)
      << s.dovecot->log();
  auto list = test::run_command({POSTERNCTL, "-c", s.conf, "account", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(std::regex_match(
      list.output,
      std::regex("# login  state  score/threshold  since  reason\n"
                 "alice@example\\.org  watched  5/10  -  -\n"
                 "  sign new_network weight=5 seen=1 until=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z "
                 "last=\"login from 198\\.51\\.100\\.0/24 after 3 failed guesses\"\n")))
      << list.output;
  EXPECT_EQ(test::occurrences(s.dovecot->log(),
                              "account_signal login=alice@example.org signal=new_network weight=5 "
                              "detail=\"login from 198.51.100.0/24 after 3 failed guesses\""),
            1u)
      << s.dovecot->log();
  EXPECT_EQ(test::occurrences(s.dovecot->log(), "account_hold"), 0u) << s.dovecot->log();
  EXPECT_TRUE(test::imap_login(s.dovecot->imap_port(), "alice@example.org", "alice-secret").ok);
}

TEST(DovecotPlugin, MailInABoxSqliteUsers) {
  REQUIRE_MOUNT_NAMESPACES();
  test::TempDir db_dir("postern-miab");
  chmod(db_dir.path().c_str(), 0755);
  auto db_path = (db_dir.path() / "users.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, "
      "password TEXT NOT NULL, extra, privileges TEXT NOT NULL DEFAULT '', quota TEXT NOT NULL "
      "DEFAULT '0'); INSERT INTO users (email, password) VALUES ('carol@example.org', '" +
      test::DovecotInstance::hash("carol-secret") + "');";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  chmod(db_path.c_str(), 0644);
  PluginSetup s("", db_path);
  EXPECT_TRUE(s.dovecot->auth_test("carol@example.org", "carol-secret").success) << s.dovecot->log();
  EXPECT_FALSE(s.dovecot->auth_test("carol@example.org", "x").success);
  // A user added by the admin panel works at once.
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sql = "INSERT INTO users (email, password) VALUES ('dave@example.org', '" +
        test::DovecotInstance::hash("dave-pw") + "');";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(s.dovecot->auth_test("dave@example.org", "dave-pw").success) << s.dovecot->log();
}

TEST(DovecotPlugin, SmtpAuthThroughPostfixIsLockedTheSameWay) {
  REQUIRE_MOUNT_NAMESPACES();
  PluginSetup s;
  test::PostfixOptions po;
  po.submission = true;
  po.dovecot_auth_port = s.dovecot->auth_port();
  test::PostfixInstance postfix(po);
  auto attempt = [&](const std::string& addr, const std::string& pw) {
    test::SmtpClient c("127.0.0.1", postfix.submission_port());
    c.ehlo("client.example");
    auto x = c.xclient("ADDR=" + addr + " NAME=[UNAVAILABLE]");
    EXPECT_TRUE(x.ok()) << x.text;
    c.ehlo("client.example");
    auto r = c.auth_plain("alice@example.org", pw);
    c.quit();
    return r;
  };
  EXPECT_EQ(attempt("192.0.2.80", "alice-secret").code, 235);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(attempt("203.0.113." + std::to_string(i), "guess").code, 535);
  EXPECT_EQ(attempt("203.0.113.4", "alice-secret").code, 535);  // locked
  EXPECT_EQ(attempt("192.0.2.80", "alice-secret").code, 235);   // the owner's network is fine
  auto locks = s.locks();
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].network, "203.0.113.0/24");
}

}  // namespace
}  // namespace postern
