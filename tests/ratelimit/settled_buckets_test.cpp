// Tests SettledBuckets (common/ratelimit/settled_buckets.h) and the RateLimiter reading through it:
// what a check reads from the store once the settled buckets are known, that a reset made through
// another store client, a count made by a host whose clock is behind, and a clock stepping back are
// all seen, and, over a long random run with two hosts, resets and clock steps, that a limiter with
// the cache decides exactly as one without it.
#include "common/ratelimit/settled_buckets.h"

#include <gtest/gtest.h>

#include <random>

#include "common/ratelimit/limiter.h"
#include "common/store/memory_store.h"

namespace postern {
namespace {

constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z

// A store that counts the keys each get_many asks for.
class CountingStore final : public Store {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}
  Result<std::optional<StoreEntry>> get(std::string_view key) override { return inner_.get(key); }
  Result<std::vector<std::optional<StoreEntry>>> get_many(const std::vector<std::string>& keys) override {
    last_keys = keys;
    total_keys += keys.size();
    return inner_.get_many(keys);
  }
  Result<void> put(std::string_view key, std::string_view value, Seconds ttl) override {
    return inner_.put(key, value, ttl);
  }
  Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) override {
    return inner_.increment(key, delta, window);
  }
  Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) override {
    return inner_.scan(prefix, limit);
  }
  Result<bool> remove(std::string_view key) override { return inner_.remove(key); }
  Result<size_t> purge_expired() override { return inner_.purge_expired(); }
  std::string describe() const override { return "counting:" + inner_.describe(); }

  std::vector<std::string> last_keys;
  size_t total_keys = 0;

 private:
  Store& inner_;
};

SendUsage mail(std::string login) {
  SendUsage u;
  u.login = std::move(login);
  u.recipients = 1;
  u.bytes = 100;
  return u;
}

SendLimit hourly(int64_t messages) { return SendLimit{LimitBy::login, 3600, messages, 0, 0}; }
SendLimit daily(int64_t messages) { return SendLimit{LimitBy::login, 86400, messages, 0, 0}; }

TEST(SettledBuckets, GivesBackARunFromAnyStartInsideIt) {
  SettledBuckets cache;
  const int64_t values[] = {1, 2, 3, 4};
  int64_t g = 0;
  int64_t out[kWindowBuckets + 1] = {};
  EXPECT_EQ(cache.lookup("c", 10, 13, kStart, out, g), 0u);
  EXPECT_EQ(g, SettledBuckets::kNoGeneration);
  cache.remember("c", 10, values, 4, kStart, 7);
  ASSERT_EQ(cache.lookup("c", 10, 13, kStart, out, g), 4u);
  EXPECT_EQ(g, 7);
  EXPECT_EQ(std::vector<int64_t>(out, out + 4), (std::vector<int64_t>{1, 2, 3, 4}));
  // The window moved on by two buckets and one more is settled: the first two are dropped, the
  // new one is not known yet.
  ASSERT_EQ(cache.lookup("c", 12, 14, kStart + 1, out, g), 2u);
  EXPECT_EQ(std::vector<int64_t>(out, out + 2), (std::vector<int64_t>{3, 4}));
  // Only up to `to`.
  ASSERT_EQ(cache.lookup("c", 12, 12, kStart + 1, out, g), 1u);
  EXPECT_EQ(out[0], 3);
  // Past the run: nothing, and the entry is gone.
  EXPECT_EQ(cache.lookup("c", 14, 15, kStart + 2, out, g), 0u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(SettledBuckets, ValuesOfAnotherGenerationMakeAShardForgetEverything) {
  SettledBuckets cache;
  const int64_t one[] = {5};
  cache.remember("a", 1, one, 1, kStart, 1);
  cache.remember("b", 1, one, 1, kStart, 1);
  EXPECT_EQ(cache.size(), 2u);
  int64_t g = 0;
  int64_t out[kWindowBuckets + 1] = {};
  // Every shard that takes a value of generation 2 forgets those of generation 1; what a lookup
  // returns carries its generation, so a caller that read 2 never uses a 1.
  for (int i = 0; i < 200; ++i) cache.remember("k" + std::to_string(i), 1, one, 1, kStart, 2);
  EXPECT_EQ(cache.lookup("a", 1, 1, kStart, out, g), 0u);
  EXPECT_EQ(cache.lookup("b", 1, 1, kStart, out, g), 0u);
  ASSERT_EQ(cache.lookup("k0", 1, 1, kStart, out, g), 1u);
  EXPECT_EQ(g, 2);
}

TEST(SettledBuckets, AClockSteppedBackDropsWhatWasUsedLater) {
  SettledBuckets cache;
  const int64_t one[] = {5};
  cache.remember("a", 1, one, 1, kStart + 100, 1);
  int64_t g = 0;
  int64_t out[kWindowBuckets + 1] = {};
  EXPECT_EQ(cache.lookup("a", 1, 1, kStart + 99, out, g), 0u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(SettledBuckets, StaysWithinItsBoundAndZeroTurnsItOff) {
  SettledBuckets cache(64);
  const int64_t one[] = {5};
  for (int i = 0; i < 10000; ++i) cache.remember("k" + std::to_string(i), 1, one, 1, kStart, 1);
  EXPECT_LE(cache.size(), 64u);
  EXPECT_GT(cache.size(), 0u);
  SettledBuckets off(0);
  off.remember("a", 1, one, 1, kStart, 1);
  int64_t g = 0;
  int64_t out[kWindowBuckets + 1] = {};
  EXPECT_EQ(off.lookup("a", 1, 1, kStart, out, g), 0u);
  EXPECT_EQ(off.size(), 0u);
}

struct CachedLimiterTest : ::testing::Test {
  FakeClock clock{kStart};
  MemoryStore memory{clock};
  CountingStore store{memory};
  void advance(int64_t s) { clock.advance(Seconds(s)); }
};

TEST_F(CachedLimiterTest, OnceTheSettledBucketsAreKnownACheckReadsOnlyTheLiveOnes) {
  RateLimiter rl(store, clock, {hourly(5), daily(8)});
  advance(100);  // the buckets before this one ended 100 s ago or more: settled
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  // First check: the generation and every bucket of both windows (11 each).
  EXPECT_EQ(store.last_keys.size(), 1u + 11 + 11);
  EXPECT_EQ(store.last_keys[0], "rl:g");
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  // Then: the generation and the current bucket of each window.
  EXPECT_EQ(store.last_keys,
            (std::vector<std::string>{"rl:g", "rl:c:login:alice:3600:m:" + std::to_string(kStart / 360),
                                      "rl:c:login:alice:86400:m:" + std::to_string(kStart / 8640)}));
  // Within kSettleSeconds of a bucket's end it is still read from the store.
  advance(360 - 100 + 5);
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  EXPECT_EQ(store.last_keys.size(), 1u + 2 + 1);
  // Once settled it is read one last time, then remembered.
  advance(kSettleSeconds);
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  EXPECT_EQ(store.last_keys.size(), 1u + 2 + 1);
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);  // the fifth
  EXPECT_EQ(store.last_keys.size(), 1u + 1 + 1);
  // Another login is read whole once.
  ASSERT_EQ(rl.check(mail("bob")).verdict, RateVerdict::pass);
  EXPECT_EQ(store.last_keys.size(), 1u + 11 + 11);
}

TEST_F(CachedLimiterTest, AResetThroughAnotherStoreClientIsSeenAtTheNextCheck) {
  RateLimiter rl(store, clock, {hourly(3)});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  advance(1200);  // the three are in a settled bucket now, remembered by the next check
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::over);
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::over);
  EXPECT_EQ(store.last_keys.size(), 2u);         // the generation and the current bucket
  auto n = RateLimiter::reset(memory, "alice");  // as posternctl does, on the store itself
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass) << i;
  EXPECT_EQ(rl.check(mail("alice")).verdict, RateVerdict::over);
}

TEST_F(CachedLimiterTest, ACountByAHostWhoseClockIsBehindIsSeenWithinTheSettleTime) {
  FakeClock behind{kStart - (kSettleSeconds - 1)};
  RateLimiter here(store, clock, {hourly(3)}), there(memory, behind, {hourly(3)});
  advance(359);  // the last second of the first bucket here
  behind.advance(Seconds(359));
  ASSERT_EQ(here.check(mail("alice")).verdict, RateVerdict::pass);
  advance(kSettleSeconds - 1);  // here the bucket ended kSettleSeconds - 2 ago; there it has not
  behind.advance(Seconds(kSettleSeconds - 1));
  ASSERT_EQ(here.check(mail("alice")).verdict, RateVerdict::pass);   // now in the second bucket
  ASSERT_EQ(there.check(mail("alice")).verdict, RateVerdict::pass);  // in the first bucket, late
  advance(1000);
  EXPECT_EQ(here.check(mail("alice")).verdict, RateVerdict::over);
}

TEST_F(CachedLimiterTest, AClockSteppedBackAndForthAgainDoesNotHideCounts) {
  RateLimiter rl(store, clock, {hourly(2)});
  // 00:06:30: the bucket [00:00, 00:06) is settled and remembered (empty); one message counts in
  // [00:06, 00:12).
  advance(390);
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  // The clock steps back to 00:05:59 (the window still starts in the same bucket): a message
  // counts in [00:00, 00:06) after all.
  advance(-31);
  ASSERT_EQ(rl.check(mail("alice")).verdict, RateVerdict::pass);
  // 00:06:40: both count; the remembered empty bucket must not hide the second.
  advance(41);
  EXPECT_EQ(rl.check(mail("alice")).verdict, RateVerdict::over);
}

// Two worlds, the same requests: in one every limiter has the cache, in the other none. With
// two_hosts, two limiters share each world's store, one with a clock 17 s behind (within
// kSettleSeconds, as documented); with one host, its clock also steps back now and then, up to
// max_back seconds. Time moves in random steps, with resets now and then. Every decision must be
// the same in both worlds.
void expect_same_decisions(bool two_hosts, int64_t max_back, uint64_t seed) {
  std::mt19937_64 rng(seed);
  FakeClock clock{kStart}, behind{kStart - 17};
  MemoryStore cached_memory{clock}, plain_memory{clock};
  CountingStore cached_store{cached_memory}, plain_store{plain_memory};
  const std::vector<SendLimit> limits = {SendLimit{LimitBy::login, 60, 4, 9, 0}, hourly(12), daily(40),
                                         SendLimit{LimitBy::sender_domain, 600, 30, 0, 0}};
  RateLimiter cached_a(cached_store, clock, limits), cached_b(cached_store, behind, limits);
  RateLimiter plain_a(plain_store, clock, limits, {}, 0), plain_b(plain_store, behind, limits, {}, 0);
  const char* logins[] = {"alice", "bob", "carol@example.org", "dave@example.org", "eve"};
  int passed = 0, refused = 0;
  for (int step = 0; step < 8000; ++step) {
    const int what = static_cast<int>(rng() % 100);
    if (what < 1 && rng() % 2) {
      const std::string target = rng() % 3 == 0 ? "@example.org" : logins[rng() % 5];
      auto a = RateLimiter::reset(cached_store, target), b = RateLimiter::reset(plain_store, target);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(*a, *b) << "step " << step;
      continue;
    }
    if (what < 23) {
      // Back now and then; mostly a few seconds on, sometimes up to two hours.
      const int64_t s = what < 3    ? -static_cast<int64_t>(rng() % (max_back + 1))
                        : what < 22 ? static_cast<int64_t>(rng() % 10)
                                    : static_cast<int64_t>(rng() % 7200);
      clock.advance(Seconds(s));
      behind.advance(Seconds(s));
      continue;
    }
    SendUsage u = mail(logins[rng() % 5]);
    u.sender_domain = rng() % 2 ? "example.org" : "example.net";
    u.recipients = 1 + static_cast<int64_t>(rng() % 3);
    const bool on_b = two_hosts && rng() % 3 == 0;
    RateDecision x = (on_b ? cached_b : cached_a).check(u), y = (on_b ? plain_b : plain_a).check(u);
    ASSERT_EQ(x.verdict, y.verdict) << "step " << step << " login " << u.login;
    ASSERT_EQ(x.limit.window, y.limit.window) << "step " << step;
    ASSERT_EQ(x.count, y.count) << "step " << step;
    ASSERT_EQ(x.retry_at, y.retry_at) << "step " << step;
    ASSERT_EQ(x.subject, y.subject) << "step " << step;
    (x.verdict == RateVerdict::pass ? passed : refused)++;
  }
  // The run exercised both answers.
  EXPECT_GT(passed, 500);
  EXPECT_GT(refused, 500);
  // And the cache was used: far fewer keys read (each host's cache starts empty after a reset;
  // the minute-long window has half its buckets live at any time).
  EXPECT_LT(cached_store.total_keys * 2, plain_store.total_keys)
      << cached_store.total_keys << " against " << plain_store.total_keys;
  if (plain_memory.purge_expired().ok()) {
  }
}

TEST(CachedLimiterDifferential, TwoHostsDecideExactlyAsWithoutTheCache) {
  expect_same_decisions(true, 0, 20261202);
}

TEST(CachedLimiterDifferential, OneHostWithItsClockSteppingBackDecidesExactlyAsWithoutTheCache) {
  expect_same_decisions(false, 600, 1202);
}

}  // namespace
}  // namespace postern
