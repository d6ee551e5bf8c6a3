// Tests RateLimiter (common/ratelimit/limiter.h): every window and limit path on a FakeClock over
// the in-memory store, several limits at once, overrides, the boundary burst, store failures, and
// racing checks on the real backends (LMDB, and a real redis-server shared by two store clients).
#include "common/ratelimit/limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/store/lmdb_store.h"
#include "common/store/memory_store.h"
#include "common/store/redis_store.h"
#include "tests/harness/redis_server.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

SendLimit per_login(int64_t window, int64_t messages, int64_t recipients = 0, int64_t bytes = 0) {
  return SendLimit{LimitBy::login, window, messages, recipients, bytes};
}

SendUsage mail(std::string login, int64_t recipients = 1, int64_t bytes = 1000) {
  SendUsage u;
  u.login = std::move(login);
  u.sender_domain = "example.org";
  u.client_address = "192.0.2.1";
  u.recipients = recipients;
  u.bytes = bytes;
  return u;
}

struct LimiterTest : ::testing::Test {
  FakeClock clock{1767225600};  // 2026-01-01T00:00:00Z, a multiple of every bucket size used here
  MemoryStore store{clock};
  void advance(int64_t s) { clock.advance(Seconds(s)); }
};

TEST_F(LimiterTest, TheMessageAfterTheLimitIsRefusedAndOtherLoginsAreNot) {
  RateLimiter rl(store, clock, {per_login(3600, 3)});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.check(mail("alice@example.org")).verdict, RateVerdict::pass) << i;
  auto d = rl.check(mail("alice@example.org"));
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.subject, "alice@example.org");
  EXPECT_EQ(d.metric, LimitMetric::messages);
  EXPECT_EQ(d.count, 4);
  EXPECT_EQ(d.allowed, 3);
  EXPECT_EQ(describe_limit(d.limit, d.metric), "3/1h");
  // All three were sent at 00:00:00, in the bucket [00:00, 00:06): they count in every hour
  // that holds any second of it, so until 01:05:59.
  EXPECT_EQ(d.retry_at, clock.unix_seconds() + 3600 + 359);
  EXPECT_EQ(rl.check(mail("bob@example.org")).verdict, RateVerdict::pass);
  // Logins are case-insensitive.
  EXPECT_EQ(rl.check(mail("ALICE@example.org")).verdict, RateVerdict::over);
}

TEST_F(LimiterTest, RefusedMessagesCountAgainstNothing) {
  RateLimiter rl(store, clock, {per_login(3600, 2)});
  for (int i = 0; i < 2; ++i) ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::over);
  auto rows = RateLimiter::list(store, clock, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].count, 2);
}

TEST_F(LimiterTest, TheWindowSlidesOnAsTimePasses) {
  RateLimiter rl(store, clock, {per_login(3600, 4)});
  // Two at 00:00, two at 00:30.
  ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  advance(1800);
  ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  auto d = rl.check(mail("a"));
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.retry_at, 1767225600 + 359 + 3600);  // when the two of 00:00 leave
  advance(1800 + 358);                             // 01:05:58: those of 00:00 still count
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::over);
  advance(1);  // 01:05:59: they are out, the two of 00:30 still in
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::over);
}

// Fixed windows let the limit through at the end of one window and again at the start of the
// next: twice the limit within seconds. The sliding window never lets more than the limit
// through in any stretch of one window.
TEST_F(LimiterTest, NoBurstOfTwiceTheLimitAtAWindowBoundary) {
  RateLimiter rl(store, clock, {per_login(3600, 10)});
  advance(3599);  // 00:59:59
  for (int i = 0; i < 10; ++i) ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  advance(2);  // 01:00:01, a new hour
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::over);
  // Within any hour at most 10: step through the next two hours a minute at a time, sending as
  // much as is allowed, and check every hour-long stretch.
  std::vector<int64_t> sent(10, 3599);
  for (int minute = 0; minute < 120; ++minute) {
    advance(60);
    while (rl.check(mail("a")).verdict == RateVerdict::pass)
      sent.push_back(clock.unix_seconds() - 1767225600);
  }
  for (size_t i = 0; i < sent.size(); ++i) {
    size_t in_hour = 0;
    for (size_t j = i; j < sent.size() && sent[j] < sent[i] + 3600; ++j) ++in_hour;
    ASSERT_LE(in_hour, 10u) << "an hour from second " << sent[i];
  }
  EXPECT_GE(sent.size(), 20u);  // and the limit is reached again once the window has moved
}

TEST_F(LimiterTest, SeveralLimitsAtOnceAndAMessageCountsAgainstEachOnlyWhenAllAllowIt) {
  RateLimiter rl(store, clock, {per_login(3600, 3), per_login(86400, 5)});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  auto d = rl.check(mail("a"));
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.limit.window, 3600);
  advance(3600 + 360);  // the hourly limit has room again; the daily one holds 3
  ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  ASSERT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  d = rl.check(mail("a"));
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.limit.window, 86400);
  EXPECT_EQ(d.count, 6);
  // The refusal by the daily limit did not count against the hourly one: it holds 2.
  auto rows = RateLimiter::list(store, clock, 10);
  ASSERT_TRUE(rows.ok());
  int64_t hourly = -1, daily = -1;
  for (const auto& r : *rows) (r.window == 3600 ? hourly : daily) = r.count;
  EXPECT_EQ(hourly, 2);
  EXPECT_EQ(daily, 5);
}

TEST_F(LimiterTest, RecipientsAndBytesAreLimitedToo) {
  RateLimiter rl(store, clock, {per_login(3600, 100, 10, 5000)});
  EXPECT_EQ(rl.check(mail("a", 6, 100)).verdict, RateVerdict::pass);
  auto d = rl.check(mail("a", 5, 100));
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.metric, LimitMetric::recipients);
  EXPECT_EQ(d.count, 11);
  EXPECT_EQ(describe_limit(d.limit, d.metric), "10 recipients/1h");
  EXPECT_EQ(rl.check(mail("a", 4, 100)).verdict, RateVerdict::pass);
  d = rl.check(mail("b", 1, 4900));
  EXPECT_EQ(d.verdict, RateVerdict::pass);
  d = rl.check(mail("b", 1, 101));
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.metric, LimitMetric::bytes);
  // A message that alone exceeds a limit can never pass.
  d = rl.check(mail("c", 11, 10));
  EXPECT_EQ(d.verdict, RateVerdict::too_big);
  EXPECT_EQ(d.count, 11);
}

TEST_F(LimiterTest, OverridesReplaceTheLoginLimitsForALoginOrADomain) {
  auto o = parse_limit_overrides(
      "big@example.org messages=5/1h\n@example.net messages=1/1h\nfree@example.org none\n");
  ASSERT_TRUE(o.errors.empty());
  RateLimiter rl(store, clock, {per_login(3600, 2), per_login(86400, 3)}, o.entries);
  EXPECT_EQ(rl.login_limits("Big@example.org").size(), 1u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rl.check(mail("big@example.org")).verdict, RateVerdict::pass) << i;
  EXPECT_EQ(rl.check(mail("big@example.org")).verdict, RateVerdict::over);
  EXPECT_EQ(rl.check(mail("x@example.net")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("x@example.net")).verdict, RateVerdict::over);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(rl.check(mail("free@example.org")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("other@example.org")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("other@example.org")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("other@example.org")).verdict, RateVerdict::over);
}

TEST_F(LimiterTest, SenderDomainAndClientAddressLimits) {
  RateLimiter rl(
      store, clock,
      {SendLimit{LimitBy::sender_domain, 3600, 3, 0, 0}, SendLimit{LimitBy::client_address, 60, 2, 0, 0}});
  // Logged-in senders count against the sender domain, not the client address.
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("b")).verdict, RateVerdict::pass);
  SendUsage host = mail("");
  EXPECT_EQ(rl.check(host).verdict, RateVerdict::pass);  // domain 3/3, address 1/2
  auto d = rl.check(host);
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.limit.by, LimitBy::sender_domain);
  host.sender_domain = "";  // the null sender: no domain to count
  EXPECT_EQ(rl.check(host).verdict, RateVerdict::pass);
  d = rl.check(host);
  ASSERT_EQ(d.verdict, RateVerdict::over);
  EXPECT_EQ(d.limit.by, LimitBy::client_address);
  EXPECT_EQ(d.subject, "192.0.2.1");
}

TEST_F(LimiterTest, ResetClearsALoginOrADomain) {
  RateLimiter rl(store, clock, {per_login(3600, 1), SendLimit{LimitBy::sender_domain, 3600, 100, 0, 0}});
  ASSERT_EQ(rl.check(mail("alice@example.org")).verdict, RateVerdict::pass);
  ASSERT_EQ(rl.check(mail("bob@example.org")).verdict, RateVerdict::pass);
  ASSERT_EQ(rl.check(mail("carol@example.net")).verdict, RateVerdict::pass);
  ASSERT_EQ(rl.check(mail("alice@example.org")).verdict, RateVerdict::over);
  auto n = RateLimiter::reset(store, "Alice@example.org");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(rl.check(mail("alice@example.org")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("bob@example.org")).verdict, RateVerdict::over);
  n = RateLimiter::reset(store, "@example.org");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);  // alice, bob, and the sender domain example.org
  EXPECT_EQ(rl.check(mail("bob@example.org")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("carol@example.net")).verdict, RateVerdict::over);
}

TEST_F(LimiterTest, AStoreFailureDecidesNothingAndCountsNothing) {
  RateLimiter rl(store, clock, {per_login(3600, 1)});
  store.set_failing(true);
  auto d = rl.check(mail("a"));
  EXPECT_EQ(d.verdict, RateVerdict::store_failure);
  EXPECT_FALSE(d.error.empty());
  store.set_failing(false);
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::pass);
  EXPECT_EQ(rl.check(mail("a")).verdict, RateVerdict::over);
}

// Racing requests for the last slots: exactly the limit passes, whatever the interleaving.
void race(Store& a, Store& b, const Clock& clock) {
  RateLimiter one(a, clock, {per_login(3600, 50)}), two(b, clock, {per_login(3600, 50)});
  std::atomic<int> passed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      RateLimiter& rl = t % 2 ? one : two;
      for (int i = 0; i < 40; ++i) {
        auto d = rl.check(mail("racer"));
        if (d.verdict == RateVerdict::pass) ++passed;
        if (d.verdict == RateVerdict::store_failure) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(passed.load(), 50);
  auto rows = RateLimiter::list(a, clock, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].count, 50);
}

TEST(RateLimiterBackends, RacingChecksOnLmdbPassExactlyTheLimit) {
  test::TempDir dir("postern-ratelimit-lmdb");
  SystemClock clock;
  StoreConfig sc;
  sc.lmdb_path = (dir.path() / "state").string();
  auto s = LmdbStore::open(sc, clock, false);
  ASSERT_TRUE(s.ok()) << s.error().message;
  race(**s, **s, clock);
}

TEST(RateLimiterBackends, TwoClientsOfOneRedisShareTheCountersAndPassExactlyTheLimit) {
  test::RedisServer server;
  SystemClock clock;
  RedisStore mx1(server.store_config(), clock), mx2(server.store_config(), clock);
  race(mx1, mx2, clock);
}

// A reset through one client of a real Redis reaches a limiter on another host that remembers the
// counts as settled (settled_buckets.h): it reads the reset generation with every check.
TEST(RateLimiterBackends, AResetOnRedisReachesAnotherHostsRememberedCounts) {
  test::RedisServer server;
  FakeClock clock;
  RedisStore mx1(server.store_config(), clock), mx2(server.store_config(), clock);
  RateLimiter one(mx1, clock, {per_login(3600, 2)}), two(mx2, clock, {per_login(3600, 2)});
  ASSERT_EQ(one.check(mail("alice")).verdict, RateVerdict::pass);
  ASSERT_EQ(two.check(mail("alice")).verdict, RateVerdict::pass);
  clock.advance(Seconds(1200));
  ASSERT_EQ(two.check(mail("alice")).verdict, RateVerdict::over);  // remembers the settled bucket
  ASSERT_EQ(two.check(mail("alice")).verdict, RateVerdict::over);
  auto n = RateLimiter::reset(mx1, "alice");
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(two.check(mail("alice")).verdict, RateVerdict::pass);
  EXPECT_EQ(one.check(mail("alice")).verdict, RateVerdict::pass);
  EXPECT_EQ(two.check(mail("alice")).verdict, RateVerdict::over);
}

}  // namespace
}  // namespace postern
