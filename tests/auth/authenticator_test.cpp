// Authenticator: the whole decision for one login, with a FakeClock and a MemoryStore.
#include "common/auth/authenticator.h"

#include <gtest/gtest.h>

#include <chrono>

#include "common/auth/password_hash.h"
#include "common/store/memory_store.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

struct AuthenticatorTest : ::testing::Test {
  test::TempDir dir{"postern-auth"};
  FakeClock clock;
  MemoryStore store{clock};
  std::shared_ptr<MemorySink> sink = std::make_shared<MemorySink>();
  std::shared_ptr<Logger> log = std::make_shared<Logger>(sink, LogLevel::debug);
  AuthConfig cfg;
  std::unique_ptr<Authenticator> auth;

  void SetUp() override {
    std::string users = "alice@example.org:{SHA512-CRYPT}" + *make_sha512_crypt("alice-pw") + "\n" +
                        "weak@example.org:{PLAIN}weak-pw\n" + "broken@example.org:{SHA512-CRYPT}$5$x$y\n" +
                        // Minutes of hashing if it were computed (issue 15 item 13).
                        "costly@example.org:{SHA512-CRYPT}$6$rounds=999999999$abcdefgh$" +
                        std::string(86, 'A') + "\n";
    dir.write("passwd", users);
    cfg.lockout.user_failures = 3;
    cfg.lockout.network_failures = 10;
    cfg.lockout.refusal_delay = std::chrono::milliseconds(1500);
    build();
  }
  void build() {
    auto a = Authenticator::create(cfg, make_passwd_file_source((dir.path() / "passwd").string(), log),
                                   &store, clock, log);
    ASSERT_TRUE(a);
    auth = std::move(*a);
  }
  AuthOutcome login(const char* user, const char* pw, const char* ip = "192.0.2.7") {
    std::optional<IpAddress> addr;
    if (ip) addr = *IpAddress::parse(ip);
    return auth->authenticate(user, pw, addr);
  }
};

TEST_F(AuthenticatorTest, RightAndWrongPasswords) {
  EXPECT_EQ(login("alice@example.org", "alice-pw").status, AuthStatus::ok);
  EXPECT_EQ(login("alice@example.org", "nope").status, AuthStatus::mismatch);
  EXPECT_EQ(login("nobody@example.org", "nope").status, AuthStatus::unknown_user);
}

TEST_F(AuthenticatorTest, LockedSourceIsRefusedWithDelayEvenWithTheRightPassword) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login("alice@example.org", "guess").status, AuthStatus::mismatch);
  auto o = login("alice@example.org", "alice-pw");
  EXPECT_EQ(o.status, AuthStatus::refused);
  EXPECT_EQ(o.delay, std::chrono::milliseconds(1500));
  EXPECT_EQ(login("alice@example.org", "alice-pw", "192.0.2.8").status, AuthStatus::ok);
  clock.advance(Seconds(60));
  EXPECT_EQ(login("alice@example.org", "alice-pw").status, AuthStatus::ok);
}

TEST_F(AuthenticatorTest, UnknownUsersCountLikeWrongPasswords) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login("ghost@example.org", "x").status, AuthStatus::unknown_user);
  EXPECT_EQ(login("ghost@example.org", "x").status, AuthStatus::refused);
}

TEST_F(AuthenticatorTest, NoRemoteAddressMeansNoLockout) {
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(login("alice@example.org", "guess", nullptr).status, AuthStatus::mismatch);
  EXPECT_EQ(login("alice@example.org", "alice-pw", nullptr).status, AuthStatus::ok);
}

TEST_F(AuthenticatorTest, WeakSchemesRefusedUnlessAllowed) {
  EXPECT_EQ(login("weak@example.org", "weak-pw").status, AuthStatus::mismatch);
  EXPECT_NE(sink->text().find("weak_scheme"), std::string::npos);
  cfg.allow_weak_schemes = true;
  build();
  EXPECT_EQ(login("weak@example.org", "weak-pw").status, AuthStatus::ok);
}

TEST_F(AuthenticatorTest, DamagedHashTempfails) {
  EXPECT_EQ(login("broken@example.org", "x").status, AuthStatus::tempfail);
  EXPECT_NE(sink->text().find("bad_hash"), std::string::npos);
}

TEST_F(AuthenticatorTest, StoreFailureAuthenticatesByDefaultAndLogsOnce) {
  store.set_failing(true);
  EXPECT_EQ(login("alice@example.org", "alice-pw").status, AuthStatus::ok);
  EXPECT_EQ(login("alice@example.org", "bad").status, AuthStatus::mismatch);
  EXPECT_EQ(login("alice@example.org", "alice-pw").status, AuthStatus::ok);
  std::string text = sink->text();
  EXPECT_EQ(text.find("store_failure"), text.rfind("store_failure")) << text;
  store.set_failing(false);
  EXPECT_EQ(login("alice@example.org", "alice-pw").status, AuthStatus::ok);
  EXPECT_NE(sink->text().find("store_recovered"), std::string::npos);
}

TEST_F(AuthenticatorTest, StoreFailureCanTempfail) {
  cfg.lockout.on_store_failure = LockoutStoreFailure::tempfail;
  build();
  store.set_failing(true);
  EXPECT_EQ(login("alice@example.org", "alice-pw").status, AuthStatus::tempfail);
}

TEST_F(AuthenticatorTest, UnreadableUserSourceTempfails) {
  std::filesystem::remove(dir.path() / "passwd");
  build();
  EXPECT_EQ(login("alice@example.org", "alice-pw").status, AuthStatus::tempfail);
}

TEST_F(AuthenticatorTest, AHashAboveTheRoundsCapFailsLikeAWrongPasswordAtOnceAndIsLogged) {
  auto start = std::chrono::steady_clock::now();
  auto costly = login("costly@example.org", "whatever");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  auto wrong = login("alice@example.org", "nope");
  EXPECT_EQ(costly.status, wrong.status);
  EXPECT_EQ(costly.status, AuthStatus::mismatch);
  EXPECT_EQ(costly.delay, wrong.delay);
  std::string text = sink->text();
  EXPECT_NE(text.find("hash_too_costly"), std::string::npos) << text;
  EXPECT_NE(text.find("costly@example.org"), std::string::npos) << text;
  EXPECT_NE(text.find("rounds=999999999 is above the cap"), std::string::npos) << text;
  // It counts toward lockout like any wrong password.
  for (int i = 0; i < 2; ++i) (void)login("costly@example.org", "again");
  EXPECT_EQ(login("costly@example.org", "again").status, AuthStatus::refused);
}

}  // namespace
}  // namespace postern
