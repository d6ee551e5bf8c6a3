// WriteBehindStore: writes answered from memory and handed to the inner store (LMDB here, a failing
// wrapper for the error paths) in batches. Read-your-writes before a flush, the inner store
// untouched until then, order of writes of one key kept, counters read through once, the bound on
// pending keys and the one on their bytes (write-through beyond them, reported once), a failing
// inner store (writes kept, one report per failure streak, recovery), a store that takes only small
// batches (disk freed after a long disk-full period: recovery in smaller batches), the flush at
// destruction and the report of what a stop could not write, and many threads counting exactly
// while flushes run. The flusher's own period is an hour here, so every flush is the test's.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/store/lmdb_store.h"
#include "common/store/memory_store.h"
#include "common/store/write_behind_store.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

constexpr std::chrono::milliseconds kNever = std::chrono::hours(1);

// A MemoryStore whose writes fail while `failing` is set.
class FlakyStore final : public Store {
 public:
  explicit FlakyStore(const Clock& c) : inner(c) {}
  Result<std::optional<StoreEntry>> get(std::string_view k) override { return inner.get(k); }
  Result<void> put(std::string_view k, std::string_view v, Seconds ttl) override {
    ++writes;
    if (failing) return Error::temp("disk on fire");
    return inner.put(k, v, ttl);
  }
  Result<int64_t> increment(std::string_view k, int64_t d, Seconds w) override {
    return inner.increment(k, d, w);
  }
  Result<std::vector<StoreEntry>> scan(std::string_view p, size_t l) override { return inner.scan(p, l); }
  Result<bool> remove(std::string_view k) override {
    if (failing) return Error::temp("disk on fire");
    return inner.remove(k);
  }
  Result<size_t> purge_expired() override { return inner.purge_expired(); }
  std::string describe() const override { return "flaky"; }
  MemoryStore inner;
  std::atomic<bool> failing{false};
  std::atomic<int> writes{0};
};

class WriteBehindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreConfig c;
    c.lmdb_path = (dir_ / "db").string();
    auto s = LmdbStore::open(c, clock_, false);
    ASSERT_TRUE(s.ok()) << s.error().message;
    lmdb_ = std::move(*s);
  }
  std::optional<std::string> inner_value(const std::string& key) {
    auto e = lmdb_->get(key);
    EXPECT_TRUE(e.ok());
    if (!e.ok() || !*e) return std::nullopt;
    return (*e)->value;
  }

  FakeClock clock_;
  test::TempDir dir_;
  std::unique_ptr<LmdbStore> lmdb_;
};

TEST_F(WriteBehindTest, ReadsItsOwnWritesAndTheInnerStoreOnlyAfterAFlush) {
  WriteBehindStore wb(*lmdb_, clock_, kNever);
  ASSERT_TRUE(wb.put("k", "v1", Seconds(60)).ok());
  EXPECT_EQ((*wb.get("k"))->value, "v1");
  EXPECT_EQ((*wb.get("k"))->expires_at, clock_.unix_seconds() + 60);
  EXPECT_FALSE(inner_value("k")) << "not flushed yet";
  EXPECT_EQ(wb.pending(), 1u);
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_EQ(inner_value("k"), "v1");
  EXPECT_EQ(wb.pending(), 0u);
  // The expiry reaches the inner store as written, not shifted by the flush time.
  clock_.advance(Seconds(59));
  EXPECT_TRUE(inner_value("k"));
  clock_.advance(Seconds(1));
  EXPECT_FALSE(inner_value("k"));
  EXPECT_FALSE(*wb.get("k"));
}

TEST_F(WriteBehindTest, ExpiryAndRemovalApplyBeforeTheFlush) {
  WriteBehindStore wb(*lmdb_, clock_, kNever);
  ASSERT_TRUE(lmdb_->put("old", "x", Seconds(0)).ok());
  auto removed = wb.remove("old");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*wb.get("old"));
  EXPECT_FALSE(*wb.remove("old"));
  EXPECT_TRUE(inner_value("old")) << "removal not flushed yet";
  ASSERT_TRUE(wb.put("short", "y", Seconds(5)).ok());
  clock_.advance(Seconds(5));
  EXPECT_FALSE(*wb.get("short"));
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_FALSE(inner_value("old"));
  EXPECT_FALSE(inner_value("short"));
}

TEST_F(WriteBehindTest, TheLastWriteOfAKeyWins) {
  WriteBehindStore wb(*lmdb_, clock_, kNever);
  ASSERT_TRUE(wb.put("k", "1", Seconds(0)).ok());
  ASSERT_TRUE(wb.flush().ok());
  ASSERT_TRUE(wb.put("k", "2", Seconds(0)).ok());
  ASSERT_TRUE(wb.put("k", "3", Seconds(0)).ok());
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_EQ(inner_value("k"), "3");
  ASSERT_TRUE(wb.put("k", "4", Seconds(0)).ok());
  ASSERT_TRUE(wb.remove("k").ok());
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_FALSE(inner_value("k"));
}

TEST_F(WriteBehindTest, CountersStartFromTheInnerStoreAndKeepTheirWindow) {
  ASSERT_TRUE(lmdb_->increment("n", 5, Seconds(100)).ok());
  WriteBehindStore wb(*lmdb_, clock_, kNever);
  EXPECT_EQ(*wb.increment("n", 1, Seconds(100)), 6);
  EXPECT_EQ(*wb.increment("n", 2, Seconds(100)), 8);
  EXPECT_EQ(inner_value("n"), "5");
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_EQ(inner_value("n"), "8");
  clock_.advance(Seconds(100));  // the window set by the first increment ends
  EXPECT_EQ(*wb.increment("n", 1, Seconds(100)), 1);
  ASSERT_TRUE(wb.put("text", "abc", Seconds(0)).ok());
  auto bad = wb.increment("text", 1, Seconds(0));
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(bad.error().temporary());
}

TEST_F(WriteBehindTest, BeyondTheBoundNewKeysAreWrittenThrough) {
  WriteBehindStore wb(*lmdb_, clock_, kNever, {}, 3, SIZE_MAX);  // no early flush: the test flushes
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(wb.put("k" + std::to_string(i), "v", Seconds(0)).ok());
  EXPECT_EQ(wb.pending(), 3u);
  ASSERT_TRUE(wb.put("k3", "through", Seconds(0)).ok());
  EXPECT_EQ(inner_value("k3"), "through") << "no room: written at once";
  EXPECT_EQ(wb.pending(), 3u);
  ASSERT_TRUE(wb.put("k0", "updated", Seconds(0)).ok());  // a pending key takes no more room
  EXPECT_EQ(wb.pending(), 3u);
  EXPECT_EQ((*wb.get("k0"))->value, "updated");
  EXPECT_EQ(*wb.increment("c", 1, Seconds(0)), 1);  // counters too
  EXPECT_EQ(inner_value("c"), "1");
}

TEST_F(WriteBehindTest, ScanAndPurgeSeePendingWrites) {
  WriteBehindStore wb(*lmdb_, clock_, kNever);
  ASSERT_TRUE(wb.put("p:a", "1", Seconds(0)).ok());
  ASSERT_TRUE(wb.put("p:b", "2", Seconds(10)).ok());
  auto s = wb.scan("p:", 10);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 2u);
  clock_.advance(Seconds(10));
  EXPECT_EQ(*wb.purge_expired(), 1u);
}

TEST(WriteBehindFailure, AFailingStoreKeepsTheWritesAndIsReportedOncePerStreak) {
  FakeClock clock;
  FlakyStore flaky(clock);
  std::vector<std::string> reports;
  {
    WriteBehindStore wb(flaky, clock, kNever, [&](const WriteBehindStore::Report& r) {
      if (r.event == WriteBehindStore::Event::flush_failed) reports.push_back(r.error);
      if (r.event == WriteBehindStore::Event::recovered) reports.push_back("");
    });
    ASSERT_TRUE(wb.put("a", "1", Seconds(0)).ok());
    flaky.failing = true;
    EXPECT_FALSE(wb.flush().ok());
    ASSERT_TRUE(wb.put("b", "2", Seconds(0)).ok());
    EXPECT_FALSE(wb.flush().ok());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("disk on fire"), std::string::npos);
    EXPECT_EQ((*wb.get("a"))->value, "1") << "still answered from memory";
    EXPECT_EQ(wb.pending(), 2u);
    ASSERT_TRUE(wb.put("a", "newer", Seconds(0)).ok());  // newer than the failed batch's copy
    flaky.failing = false;
    ASSERT_TRUE(wb.flush().ok());
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1], "") << "recovery is reported";
    EXPECT_EQ((*flaky.inner.get("a"))->value, "newer");
    EXPECT_EQ((*flaky.inner.get("b"))->value, "2");
    ASSERT_TRUE(wb.put("c", "3", Seconds(0)).ok());
  }
  EXPECT_EQ((*flaky.inner.get("c"))->value, "3") << "flushed when destroyed";
}

// A MemoryStore whose write_batch fails as LMDB does when a transaction does not fit (map or
// disk full) for batches of more than `fits` writes; 0: every batch fails.
class SmallBatchStore final : public Store {
 public:
  explicit SmallBatchStore(const Clock& c) : inner(c) {}
  Result<std::optional<StoreEntry>> get(std::string_view k) override { return inner.get(k); }
  Result<void> put(std::string_view k, std::string_view v, Seconds ttl) override {
    if (fits == 0) return Error::temp("lmdb write: MDB_MAP_FULL: Environment mapsize limit reached");
    return inner.put(k, v, ttl);
  }
  Result<int64_t> increment(std::string_view k, int64_t d, Seconds w) override {
    return inner.increment(k, d, w);
  }
  Result<std::vector<StoreEntry>> scan(std::string_view p, size_t l) override { return inner.scan(p, l); }
  Result<bool> remove(std::string_view k) override { return inner.remove(k); }
  Result<void> write_batch(const std::vector<StoreWrite>& writes, int64_t now) override {
    ++batches;
    if (writes.size() > fits.load())
      return Error::temp("lmdb write: MDB_MAP_FULL: Environment mapsize limit reached");
    largest_written = std::max(largest_written.load(), writes.size());
    return inner.write_batch(writes, now);
  }
  Result<size_t> purge_expired() override { return inner.purge_expired(); }
  std::string describe() const override { return "small batches"; }
  MemoryStore inner;
  std::atomic<size_t> fits{SIZE_MAX};
  std::atomic<size_t> largest_written{0};
  std::atomic<int> batches{0};
};

// After a long disk-full period thousands of updates wait; once some space is free again a
// transaction of all of them still does not fit, but small ones do: the flush gets through in
// smaller batches (before, it retried the whole batch for ever).
TEST(WriteBehindFailure, AStoreThatTakesOnlySmallBatchesAgainIsWrittenInSmallerBatches) {
  FakeClock clock;
  SmallBatchStore store(clock);
  std::vector<WriteBehindStore::Report> reports;
  WriteBehindStore wb(
      store, clock, kNever, [&](const WriteBehindStore::Report& r) { reports.push_back(r); }, 100000,
      SIZE_MAX);
  constexpr int kKeys = 5000;
  store.fits = 0;  // disk full
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(wb.put("k" + std::to_string(i), "v", Seconds(0)).ok());
  EXPECT_FALSE(wb.flush().ok());
  EXPECT_FALSE(wb.flush().ok());
  EXPECT_EQ(wb.pending(), static_cast<size_t>(kKeys)) << "nothing lost while the store fails";
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].event, WriteBehindStore::Event::flush_failed);
  EXPECT_EQ(reports[0].keys, static_cast<size_t>(kKeys));
  EXPECT_NE(reports[0].error.find("MDB_MAP_FULL"), std::string::npos);
  store.fits = 300;  // some space again, not enough for one transaction of everything
  store.batches = 0;
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_EQ(wb.pending(), 0u);
  EXPECT_EQ(wb.pending_bytes(), 0u);
  EXPECT_LE(store.largest_written.load(), 300u);
  EXPECT_LT(store.batches.load(), 200) << "halving finds a size that fits, then keeps to about it";
  for (int i = 0; i < kKeys; i += 499) EXPECT_TRUE(*store.inner.get("k" + std::to_string(i))) << i;
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].event, WriteBehindStore::Event::recovered);
  // Once the store takes anything again, batches grow back.
  store.fits = SIZE_MAX;
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(wb.put("n" + std::to_string(i), "v", Seconds(0)).ok());
  store.batches = 0;
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_LT(store.batches.load(), 20);
}

// Few keys with big values: the bound on bytes holds memory before the bound on keys would.
// Beyond it new keys are written through (reported once); when the store fails too, that write
// returns the store's error, which the caller turns into its store-failure outcome.
TEST(WriteBehindFailure, PendingMemoryIsBoundedByBytesAsWellAsKeys) {
  FakeClock clock;
  FlakyStore flaky(clock);
  std::vector<WriteBehindStore::Report> reports;
  constexpr size_t kBound = 64 * 1024;
  const std::string big(4000, 'x');
  WriteBehindStore wb(
      flaky, clock, kNever, [&](const WriteBehindStore::Report& r) { reports.push_back(r); }, 100000,
      SIZE_MAX, kBound);
  flaky.failing = true;
  int kept = 0;
  while (wb.put("big" + std::to_string(kept), big, Seconds(0)).ok()) ++kept;
  EXPECT_EQ(kept, 15);  // 65536 / (4000 + a key of 4 or 5 + kEntryOverhead 128)
  EXPECT_LE(wb.pending_bytes(), kBound);
  EXPECT_EQ(wb.pending(), static_cast<size_t>(kept));
  auto through = wb.put("one-more", big, Seconds(0));
  ASSERT_FALSE(through.ok()) << "no room and the store fails: the store's error";
  EXPECT_EQ(through.error().message, "disk on fire");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].event, WriteBehindStore::Event::full);
  EXPECT_EQ(reports[0].keys, static_cast<size_t>(kept));
  flaky.failing = false;
  ASSERT_TRUE(wb.put("after", big, Seconds(0)).ok());  // written through: the store works again
  EXPECT_TRUE(*flaky.inner.get("after"));
  EXPECT_EQ(reports.size(), 1u) << "reported once";
  ASSERT_TRUE(wb.put("big1", "small now", Seconds(0)).ok()) << "a pending key can always be updated";
  EXPECT_EQ((*wb.get("big1"))->value, "small now");
  ASSERT_TRUE(wb.flush().ok());
  EXPECT_EQ(wb.pending_bytes(), 0u);
  ASSERT_TRUE(wb.put("later", big, Seconds(0)).ok());
  EXPECT_EQ(wb.pending(), 1u) << "room again after the flush";
}

// A stop while the store fails loses the pending writes: reported with their count.
TEST(WriteBehindFailure, AStopThatCannotWriteReportsHowManyUpdatesItLoses) {
  FakeClock clock;
  FlakyStore flaky(clock);
  std::vector<WriteBehindStore::Report> reports;
  {
    WriteBehindStore wb(flaky, clock, kNever,
                        [&](const WriteBehindStore::Report& r) { reports.push_back(r); });
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(wb.put("k" + std::to_string(i), "v", Seconds(0)).ok());
    flaky.failing = true;
  }
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().event, WriteBehindStore::Event::lost);
  EXPECT_EQ(reports.back().keys, 7u);
  EXPECT_EQ(reports.back().error, "disk on fire");
}

TEST_F(WriteBehindTest, ManyThreadsCountExactlyWhileFlushesRun) {
  {
    WriteBehindStore wb(*lmdb_, clock_, kNever);
    std::atomic<bool> done{false};
    std::thread flusher([&] {
      while (!done) ASSERT_TRUE(wb.flush().ok());
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 500; ++i) {
          ASSERT_TRUE(wb.increment("shared", 1, Seconds(0)).ok());
          ASSERT_TRUE(wb.put("own" + std::to_string(t), std::to_string(i), Seconds(0)).ok());
        }
      });
    }
    for (auto& th : threads) th.join();
    done = true;
    flusher.join();
    EXPECT_EQ((*wb.get("shared"))->value, "4000");
  }
  EXPECT_EQ(inner_value("shared"), "4000");
  for (int t = 0; t < 8; ++t) EXPECT_EQ(inner_value("own" + std::to_string(t)), "499");
}

TEST_F(WriteBehindTest, TheFlusherThreadFlushesOnItsOwnWhenEnoughKeysWait) {
  // The period is an hour: only the size trigger can make this flush. The wait below is for that
  // event (bounded), not for time to pass.
  WriteBehindStore wb(*lmdb_, clock_, kNever, {}, 8, 2);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(wb.put("auto" + std::to_string(i), "1", Seconds(0)).ok());
  for (int i = 0; i < 5000 && wb.pending() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(wb.pending(), 0u);
  EXPECT_EQ(inner_value("auto2"), "1");
}

}  // namespace
}  // namespace postern
