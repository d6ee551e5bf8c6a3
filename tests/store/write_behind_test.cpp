// WriteBehindStore: writes answered from memory and handed to the inner store (LMDB here, a
// failing wrapper for the error paths) in batches. Read-your-writes before a flush, the inner store
// untouched until then, order of writes of one key kept, counters read through once, the bound on
// pending keys (write-through beyond it), a failing inner store (writes kept, one report per
// failure streak, recovery), the flush at destruction, and many threads counting exactly while
// flushes run. The flusher's own period is an hour here, so every flush is the test's.
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
    WriteBehindStore wb(flaky, clock, kNever, [&](const std::string& e) { reports.push_back(e); });
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
