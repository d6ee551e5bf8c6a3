// The Dovecot passdb's account-guard sign (common/auth/lockout.h with set_guard): a successful
// login from a network new for the user right after failed guesses for it is the new_network
// sign; one from a known network, or without enough guesses, is not; the login itself is never
// refused for it.
#include <gtest/gtest.h>

#include "tests/auth/lockout_fixture.h"

namespace postern {
namespace {

using test::ip;

struct LockoutGuardTest : test::LockoutFixture {
  LockoutConfig cfg = [] {
    LockoutConfig c;
    c.user_failures = 100;
    c.network_failures = 100;
    c.distributed_failures = 100;
    return c;
  }();
  AccountGuardConfig gcfg = [] {
    AccountGuardConfig c;
    c.enabled = true;
    c.new_network_failures = 3;
    return c;
  }();
  Lockout lo{store, clock, cfg, log};
  AccountGuard guard{store, clock, gcfg, log};
  LockoutGuardTest() { lo.set_guard(&guard); }
  size_t signs(const char* user) { return guard.status(user)->signs.size(); }
};

TEST_F(LockoutGuardTest, SuccessFromANewNetworkAfterGuessesIsASign) {
  ASSERT_TRUE(lo.record_success("alice", ip("192.0.2.7")));  // her usual network
  for (const char* a : {"203.0.113.1", "198.18.0.1"}) ASSERT_TRUE(lo.record_failure("alice", ip(a)));
  ASSERT_TRUE(lo.record_success("alice", ip("203.0.113.9")));  // 2 guesses: not enough
  EXPECT_EQ(signs("alice"), 0u);
  ASSERT_TRUE(lo.record_failure("alice", ip("198.18.0.2")));
  ASSERT_TRUE(lo.record_success("alice", ip("192.0.2.7")));  // 3 guesses, but her known network
  EXPECT_EQ(signs("alice"), 0u);
  ASSERT_TRUE(lo.record_success("alice", ip("198.51.100.4")));  // 3 guesses and a new network
  auto st = guard.status("alice");
  ASSERT_EQ(st->signs.size(), 1u);
  EXPECT_EQ(st->signs[0].signal, GuardSignal::new_network);
  EXPECT_EQ(st->signs[0].detail, "login from 198.51.100.4/32 after 3 failed guesses");
  EXPECT_FALSE(st->held);  // one sign alone never holds with the default weights
  EXPECT_FALSE(lo.check("alice", ip("198.51.100.4"))->refused);
  EXPECT_EQ(signs("bob"), 0u);
}

TEST_F(LockoutGuardTest, WithoutAGuardNothingIsRecorded) {
  lo.set_guard(nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lo.record_failure("alice", ip("203.0.113.1")));
  ASSERT_TRUE(lo.record_success("alice", ip("198.51.100.4")));
  EXPECT_EQ(signs("alice"), 0u);
}

}  // namespace
}  // namespace postern
