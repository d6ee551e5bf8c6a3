// Lockout rules with a FakeClock and a MemoryStore: thresholds, doubling backoff, unlock by
// expiry and by an admin (each logged once), distributed guessing against one user while the
// owner keeps access from a known network, allowlists, IPv6 /64 grouping.
#include "common/auth/lockout.h"

#include <gtest/gtest.h>

#include "tests/auth/lockout_fixture.h"

namespace postern {
namespace {

using test::ip;

struct LockoutTest : test::LockoutFixture {
  LockoutConfig cfg = [] {
    LockoutConfig c;
    c.network_failures = 10;
    c.user_failures = 3;
    c.distributed_failures = 20;
    c.window = Seconds(600);
    c.backoff = Seconds(60);
    c.max_backoff = Seconds(300);
    c.allow_networks = {"198.51.100.0/24"};
    return c;
  }();
  std::unique_ptr<Lockout> lo = std::make_unique<Lockout>(store, clock, cfg, log);

  bool refused(const char* user, const char* addr) {
    auto d = lo->check(user, ip(addr));
    EXPECT_TRUE(d) << d.error().message;
    return d && d->refused;
  }
  void fail(const char* user, const char* addr, int n = 1) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(lo->record_failure(user, ip(addr)));
  }
};

TEST_F(LockoutTest, UserNetworkLocksAfterThresholdAndUnlocksByItself) {
  fail("alice", "192.0.2.7", 2);
  EXPECT_FALSE(refused("alice", "192.0.2.7"));
  fail("alice", "192.0.2.7");
  EXPECT_TRUE(refused("alice", "192.0.2.7"));
  EXPECT_FALSE(refused("bob", "192.0.2.7"));    // other users from that network go on
  EXPECT_FALSE(refused("alice", "192.0.2.8"));  // and alice from elsewhere
  EXPECT_EQ(logged("lockout scope=user_network"), 1u) << sink->text();
  clock.advance(Seconds(59));
  EXPECT_TRUE(refused("alice", "192.0.2.7"));
  clock.advance(Seconds(1));
  EXPECT_FALSE(refused("alice", "192.0.2.7"));
  EXPECT_FALSE(refused("alice", "192.0.2.7"));
  EXPECT_EQ(logged("unlock scope=user_network"), 1u) << sink->text();
}

TEST_F(LockoutTest, BackoffDoublesUpToTheMaximum) {
  cfg.network_failures = 1000;  // only the (user, network) scope here
  lo = std::make_unique<Lockout>(store, clock, cfg, log);
  std::vector<int64_t> lengths;
  for (int round = 0; round < 5; ++round) {
    fail("alice", "192.0.2.7", 3);
    auto d = lo->check("alice", ip("192.0.2.7"));
    ASSERT_TRUE(d && d->refused);
    lengths.push_back(d->until - clock.unix_seconds());
    clock.advance(Seconds(d->until - clock.unix_seconds()));
    EXPECT_FALSE(refused("alice", "192.0.2.7"));
  }
  EXPECT_EQ(lengths, (std::vector<int64_t>{60, 120, 240, 300, 300}));
  // A day later the level is forgotten: back to the first backoff.
  clock.advance(Seconds(86400));
  fail("alice", "192.0.2.7", 3);
  auto d = lo->check("alice", ip("192.0.2.7"));
  ASSERT_TRUE(d && d->refused);
  EXPECT_EQ(d->until - clock.unix_seconds(), 60);
}

TEST_F(LockoutTest, FailuresOutsideTheWindowDoNotAddUp) {
  fail("alice", "192.0.2.7", 2);
  clock.advance(Seconds(601));
  fail("alice", "192.0.2.7", 2);
  EXPECT_FALSE(refused("alice", "192.0.2.7"));
}

TEST_F(LockoutTest, NetworkLocksForEveryUser) {
  for (int i = 0; i < 10; ++i) fail(("user" + std::to_string(i)).c_str(), "203.0.113.5");
  EXPECT_TRUE(refused("someone-else", "203.0.113.5"));
  EXPECT_FALSE(refused("someone-else", "203.0.113.6"));
  EXPECT_EQ(logged("lockout scope=network"), 1u);
}

TEST_F(LockoutTest, Ipv6CountsPerSlash64) {
  for (int i = 0; i < 10; ++i)
    fail(("u" + std::to_string(i)).c_str(), ("2001:db8:1:2::" + std::to_string(i + 1)).c_str());
  EXPECT_TRUE(refused("x", "2001:db8:1:2:ffff::1"));
  EXPECT_FALSE(refused("x", "2001:db8:1:3::1"));
}

TEST_F(LockoutTest, DistributedGuessingSparesNetworksWhereTheOwnerLoggedIn) {
  ASSERT_TRUE(lo->record_success("alice", ip("192.0.2.50")));  // alice's home network
  // 20 attackers, each below every per-source threshold.
  for (int i = 1; i <= 20; ++i) fail("alice", ("203.0.113." + std::to_string(i)).c_str());
  EXPECT_TRUE(refused("alice", "203.0.113.99"));  // a new network is refused for alice
  EXPECT_FALSE(refused("bob", "203.0.113.99"));   // but not for bob
  EXPECT_FALSE(refused("alice", "192.0.2.50"));   // and alice keeps working from home
  EXPECT_EQ(logged("lockout scope=distributed"), 1u) << sink->text();
}

TEST_F(LockoutTest, AllowlistedNetworksAreNeverCountedOrLocked) {
  fail("alice", "198.51.100.9", 50);
  EXPECT_FALSE(refused("alice", "198.51.100.9"));
  EXPECT_EQ(sink->text().find("lockout"), std::string::npos);
  auto entries = store.scan("auth:", 100);
  ASSERT_TRUE(entries);
  EXPECT_TRUE(entries->empty());
}

TEST_F(LockoutTest, SuccessResetsThePairCounter) {
  fail("alice", "192.0.2.7", 2);
  ASSERT_TRUE(lo->record_success("alice", ip("192.0.2.7")));
  fail("alice", "192.0.2.7", 2);
  EXPECT_FALSE(refused("alice", "192.0.2.7"));
}

TEST_F(LockoutTest, SteadyGoodLoginsDoNotRewriteTheKnownNetwork) {
  ASSERT_TRUE(lo->record_success("alice", ip("192.0.2.7")));
  auto first = store.get("auth:ok:192.0.2.7/32 alice");
  ASSERT_TRUE(first && *first);
  clock.advance(Seconds(86400));
  ASSERT_TRUE(lo->record_success("alice", ip("192.0.2.7")));
  auto second = store.get("auth:ok:192.0.2.7/32 alice");
  EXPECT_EQ((*second)->expires_at, (*first)->expires_at);  // not rewritten
  clock.advance(Seconds(15 * 86400));
  ASSERT_TRUE(lo->record_success("alice", ip("192.0.2.7")));
  auto third = store.get("auth:ok:192.0.2.7/32 alice");
  EXPECT_EQ((*third)->expires_at, clock.unix_seconds() + cfg.known_network_ttl.count());  // refreshed
}

TEST_F(LockoutTest, AdminListsAndUnlocks) {
  fail("alice", "192.0.2.7", 3);
  for (int i = 0; i < 10; ++i) fail(("u" + std::to_string(i)).c_str(), "203.0.113.5");
  auto l = lo->list();
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 2u);  // alice from 192.0.2.7, and the network 203.0.113.5
  bool saw_net = false, saw_pair = false;
  for (const auto& li : *l) {
    if (li.scope == LockScope::network && li.network == "203.0.113.5/32") saw_net = true;
    if (li.scope == LockScope::user_network && li.user == "alice" && li.network == "192.0.2.7/32")
      saw_pair = true;
  }
  EXPECT_TRUE(saw_net);
  EXPECT_TRUE(saw_pair);
  auto n = lo->unlock("alice");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(refused("alice", "192.0.2.7"));
  auto m = lo->unlock("203.0.113.5");
  ASSERT_TRUE(m);
  EXPECT_GE(*m, 1u);
  EXPECT_FALSE(refused("x", "203.0.113.5"));
  EXPECT_NE(sink->text().find("unlock target=alice locks=1 reason=admin"), std::string::npos) << sink->text();
}

TEST_F(LockoutTest, UserNamesWithSpacesStayApart) {
  fail("a b", "192.0.2.7", 3);
  EXPECT_TRUE(refused("a b", "192.0.2.7"));
  EXPECT_FALSE(refused("a", "192.0.2.7"));
  EXPECT_FALSE(refused("b", "192.0.2.7"));
  auto l = lo->list();
  ASSERT_TRUE(l);
  bool found = false;
  for (const auto& li : *l) found |= li.user == "a b" && li.network == "192.0.2.7/32";
  EXPECT_TRUE(found);
}

TEST_F(LockoutTest, StoreFailureIsReturned) {
  store.set_failing(true);
  EXPECT_FALSE(lo->check("alice", ip("192.0.2.7")));
  EXPECT_FALSE(lo->record_failure("alice", ip("192.0.2.7")));
}

}  // namespace
}  // namespace postern
