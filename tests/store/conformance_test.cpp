// One conformance suite for every Store backend: MemoryStore, LmdbStore, RedisStore (against a
// real redis-server on a free loopback port) and WriteBehindStore over LMDB (flushing only when a
// test or its destruction makes it). Time moves with a FakeClock.
#include <gtest/gtest.h>

#include <memory>

#include "common/store/lmdb_store.h"
#include "common/store/memory_store.h"
#include "common/store/redis_store.h"
#include "common/store/write_behind_store.h"
#include "tests/harness/redis_server.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { redis_ = new test::RedisServer(); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  void SetUp() override {
    const std::string& backend = GetParam();
    if (backend == "memory") {
      store_ = std::make_unique<MemoryStore>(clock_);
    } else if (backend == "lmdb" || backend == "writebehind") {
      StoreConfig c;
      c.lmdb_path = (dir_ / "db").string();
      auto s = LmdbStore::open(c, clock_, false);
      ASSERT_TRUE(s.ok()) << s.error().message;
      if (backend == "lmdb") {
        store_ = std::move(*s);
      } else {
        inner_ = std::move(*s);
        store_ = std::make_unique<WriteBehindStore>(*inner_, clock_, std::chrono::hours(1));
      }
    } else {
      StoreConfig c = redis_->store_config();
      // A fresh namespace per test keeps tests independent on the shared server.
      c.redis_prefix = "t" + std::to_string(counter_++) + ":";
      auto s = std::make_unique<RedisStore>(c, clock_);
      ASSERT_TRUE(s->ping().ok());
      store_ = std::move(s);
    }
  }

  void TearDown() override { store_.reset(); }  // before inner_

  static test::RedisServer* redis_;
  static int counter_;
  FakeClock clock_;
  test::TempDir dir_;
  std::unique_ptr<Store> inner_;  // under a WriteBehindStore
  std::unique_ptr<Store> store_;
};

test::RedisServer* StoreConformance::redis_ = nullptr;
int StoreConformance::counter_ = 0;

TEST_P(StoreConformance, PutGetOverwrite) {
  EXPECT_FALSE(store_->get("a")->has_value());
  ASSERT_TRUE(store_->put("a", "one", Seconds(0)).ok());
  auto e = store_->get("a");
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->value, "one");
  EXPECT_EQ((*e)->expires_at, 0);
  ASSERT_TRUE(store_->put("a", "two", Seconds(0)).ok());
  EXPECT_EQ((*store_->get("a"))->value, "two");
}

TEST_P(StoreConformance, ZeroTtlNeverExpires) {
  ASSERT_TRUE(store_->put("k", "v", Seconds(0)).ok());
  clock_.advance(std::chrono::hours(24 * 365 * 10));
  EXPECT_TRUE(store_->get("k")->has_value());
}

TEST_P(StoreConformance, ExpiresWithTheClock) {
  ASSERT_TRUE(store_->put("k", "v", Seconds(300)).ok());
  auto e = store_->get("k");
  ASSERT_TRUE(e->has_value());
  EXPECT_EQ((*e)->expires_at, clock_.unix_seconds() + 300);
  clock_.advance(Seconds(299));
  EXPECT_TRUE(store_->get("k")->has_value());
  clock_.advance(Seconds(1));
  EXPECT_FALSE(store_->get("k")->has_value());
}

TEST_P(StoreConformance, IncrementStartsContinuesAndRestartsAfterTheWindow) {
  EXPECT_EQ(*store_->increment("c", 1, Seconds(60)), 1);
  EXPECT_EQ(*store_->increment("c", 2, Seconds(60)), 3);
  clock_.advance(Seconds(30));
  // The window does not slide: expiry stays at the first increment + 60 s.
  EXPECT_EQ(*store_->increment("c", 1, Seconds(60)), 4);
  clock_.advance(Seconds(30));
  EXPECT_EQ(*store_->increment("c", 1, Seconds(60)), 1);
  EXPECT_EQ(*store_->increment("c", -5, Seconds(60)), -4);
  EXPECT_EQ((*store_->get("c"))->value, "-4");
}

TEST_P(StoreConformance, IncrementOfANonIntegerIsAPermanentError) {
  ASSERT_TRUE(store_->put("s", "hello", Seconds(0)).ok());
  auto r = store_->increment("s", 1, Seconds(60));
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().temporary());
  EXPECT_EQ((*store_->get("s"))->value, "hello");
}

TEST_P(StoreConformance, IncrementWithoutWindowNeverExpires) {
  EXPECT_EQ(*store_->increment("n", 7, Seconds(0)), 7);
  clock_.advance(std::chrono::hours(24 * 400));
  EXPECT_EQ(*store_->increment("n", 1, Seconds(0)), 8);
}

TEST_P(StoreConformance, ScanByPrefixInOrderWithLimitAndWithoutExpired) {
  ASSERT_TRUE(store_->put("gl:b", "2", Seconds(0)).ok());
  ASSERT_TRUE(store_->put("gl:a", "1", Seconds(0)).ok());
  ASSERT_TRUE(store_->put("gl:c", "3", Seconds(10)).ok());
  ASSERT_TRUE(store_->put("gm:x", "x", Seconds(0)).ok());
  ASSERT_TRUE(store_->put("g", "g", Seconds(0)).ok());
  auto all = store_->scan("gl:", 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].key, "gl:a");
  EXPECT_EQ((*all)[1].key, "gl:b");
  EXPECT_EQ((*all)[2].key, "gl:c");
  EXPECT_EQ(store_->scan("gl:", 2)->size(), 2u);
  clock_.advance(Seconds(10));
  EXPECT_EQ(store_->scan("gl:", 100)->size(), 2u);
  EXPECT_EQ(store_->scan("", 100)->size(), 4u);
}

TEST_P(StoreConformance, ScanPrefixWithGlobCharactersIsLiteral) {
  ASSERT_TRUE(store_->put("a*b", "1", Seconds(0)).ok());
  ASSERT_TRUE(store_->put("axb", "2", Seconds(0)).ok());
  ASSERT_TRUE(store_->put("a?[c]", "3", Seconds(0)).ok());
  ASSERT_TRUE(store_->put("a\\d", "4", Seconds(0)).ok());
  auto r = store_->scan("a*", 10);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].key, "a*b");
  EXPECT_EQ(store_->scan("a?[", 10)->size(), 1u);
  EXPECT_EQ(store_->scan("a\\", 10)->size(), 1u);
}

TEST_P(StoreConformance, RemoveReportsWhetherALiveEntryWasRemoved) {
  ASSERT_TRUE(store_->put("r", "v", Seconds(5)).ok());
  EXPECT_TRUE(*store_->remove("r"));
  EXPECT_FALSE(*store_->remove("r"));
  EXPECT_FALSE(store_->get("r")->has_value());
}

TEST_P(StoreConformance, PurgeExpiredCountsWhatItRemoved) {
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(store_->put("p" + std::to_string(i), "v", Seconds(i < 30 ? 5 : 0)).ok());
  EXPECT_EQ(*store_->purge_expired(), 0u);
  clock_.advance(Seconds(5));
  EXPECT_EQ(*store_->purge_expired(), 30u);
  EXPECT_EQ(store_->scan("p", 1000)->size(), 20u);
}

TEST_P(StoreConformance, KeyAndValueLimits) {
  std::string long_key(Store::kMaxKeySize + 1, 'k');
  auto r = store_->put(long_key, "v", Seconds(0));
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().temporary());
  EXPECT_FALSE(store_->get("").ok());
  EXPECT_FALSE(store_->put("k", std::string(Store::kMaxValueSize + 1, 'v'), Seconds(0)).ok());
  EXPECT_TRUE(store_->put(std::string(Store::kMaxKeySize, 'k'), "v", Seconds(0)).ok());
}

TEST_P(StoreConformance, ValuesAreBinarySafe) {
  std::string v("a\0b\xff\n\r", 6);
  ASSERT_TRUE(store_->put("bin", v, Seconds(0)).ok());
  EXPECT_EQ((*store_->get("bin"))->value, v);
}

TEST_P(StoreConformance, WriteBatchAppliesInOrder) {
  ASSERT_TRUE(store_->put("gone", "x", Seconds(0)).ok());
  const int64_t now = clock_.unix_seconds();
  std::vector<StoreWrite> w = {{"a", "1", 0, false},
                               {"b", "2", now + 10, false},
                               {"a", "3", 0, false},
                               {"gone", "", 0, true},
                               {"never-there", "", 0, true}};
  ASSERT_TRUE(store_->write_batch(w, now).ok());
  EXPECT_EQ((*store_->get("a"))->value, "3");
  EXPECT_EQ((*store_->get("b"))->value, "2");
  EXPECT_FALSE(*store_->get("gone"));
  clock_.advance(Seconds(10));
  EXPECT_FALSE(*store_->get("b"));
  std::vector<StoreWrite> bad = {{std::string(Store::kMaxKeySize + 1, 'k'), "v", 0, false}};
  EXPECT_FALSE(store_->write_batch(bad, now).ok());
}

TEST_P(StoreConformance, GetManyReadsLiveEntriesInOrder) {
  ASSERT_TRUE(store_->put("a", "1", Seconds(0)).ok());
  ASSERT_TRUE(store_->put("short", "2", Seconds(10)).ok());
  ASSERT_TRUE(store_->increment("n", 5, Seconds(60)).ok());
  clock_.advance(Seconds(10));
  auto r = store_->get_many({"n", "missing", "a", "short", "a"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  ASSERT_TRUE((*r)[0].has_value());
  EXPECT_EQ((*r)[0]->value, "5");
  EXPECT_EQ((*r)[0]->expires_at, clock_.unix_seconds() + 50);
  EXPECT_FALSE((*r)[1].has_value());
  EXPECT_EQ((*r)[2]->value, "1");
  EXPECT_EQ((*r)[2]->key, "a");
  EXPECT_FALSE((*r)[3].has_value());  // expired
  EXPECT_EQ((*r)[4]->value, "1");
  EXPECT_TRUE(store_->get_many({})->empty());
  EXPECT_FALSE(store_->get_many({"a", std::string(Store::kMaxKeySize + 1, 'k')}).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values("memory", "lmdb", "redis", "writebehind"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace postern
