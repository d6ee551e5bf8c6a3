// BlockingScope and the waits it marks. postern-policyd's worker pool grows when a worker starts
// to wait, so the marks must sit exactly on the waits: a DNS lookup that goes to the network (or
// waits for another caller's), a store write that syncs, a Redis round trip; and never on what
// answers at once (a cache hit, an LMDB read, a write-behind update), or the pool would grow for
// nothing.
#include "common/core/blocking.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/dns/factory.h"
#include "common/store/lmdb_store.h"
#include "common/store/redis_store.h"
#include "common/store/write_behind_store.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/redis_server.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

struct CountingHook final : BlockingHook {
  void will_block() override {
    ++entered;
    ++depth;
  }
  void unblocked() override { --depth; }
  int entered = 0;
  int depth = 0;
};

// Installs the hook for the current thread for the lifetime of the object.
struct HookedThread {
  explicit HookedThread(CountingHook& h) { set_thread_blocking_hook(&h); }
  ~HookedThread() { set_thread_blocking_hook(nullptr); }
};

TEST(BlockingScope, NestedScopesReachTheHookOnce) {
  CountingHook hook;
  HookedThread on(hook);
  {
    BlockingScope outer;
    EXPECT_EQ(hook.depth, 1);
    {
      BlockingScope inner;
      EXPECT_EQ(hook.entered, 1);
    }
    EXPECT_EQ(hook.depth, 1);
  }
  EXPECT_EQ(hook.depth, 0);
  { BlockingScope again; }
  EXPECT_EQ(hook.entered, 2);
  EXPECT_EQ(hook.depth, 0);
}

TEST(BlockingScope, TheHookIsPerThreadAndOptional) {
  CountingHook hook;
  HookedThread on(hook);
  std::thread([] { BlockingScope s; }).join();  // no hook there: nothing happens
  EXPECT_EQ(hook.entered, 0);
}

TEST(BlockingScope, DnsMissesAreMarkedCacheHitsAreNot) {
  test::TestDnsServer dns;
  ASSERT_TRUE(dns.add("2.0.2.192.bl.test", "A", "127.0.0.2"));
  SystemClock clock;
  DnsConfig c;
  c.servers = {dns.address()};
  auto resolver = make_resolver(c, clock);
  ASSERT_TRUE(resolver) << resolver.error().message;
  CountingHook hook;
  HookedThread on(hook);
  auto first = (*resolver)->query("2.0.2.192.bl.test", RrType::A, Deadline::after(Seconds(2)));
  ASSERT_TRUE(first.ok()) << first.detail;
  EXPECT_EQ(hook.entered, 1);
  EXPECT_EQ(hook.depth, 0);
  auto cached = (*resolver)->query("2.0.2.192.bl.test", RrType::A, Deadline::after(Seconds(2)));
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(hook.entered, 1) << "a cache hit was marked as a wait";
  EXPECT_EQ(dns.queries("2.0.2.192.bl.test"), 1);
}

TEST(BlockingScope, LmdbWritesAreMarkedReadsAndWriteBehindUpdatesAreNot) {
  test::TempDir dir("postern-blocking-lmdb");
  SystemClock clock;
  StoreConfig c;
  c.lmdb_path = (dir.path() / "state").string();
  auto lmdb = LmdbStore::open(c, clock, false);
  ASSERT_TRUE(lmdb) << lmdb.error().message;
  CountingHook hook;
  HookedThread on(hook);
  ASSERT_TRUE((*lmdb)->put("k", "v", Seconds(60)));
  EXPECT_EQ(hook.entered, 1);
  ASSERT_TRUE((*lmdb)->get("k"));
  EXPECT_EQ(hook.entered, 1) << "an LMDB read was marked as a wait";
  {
    WriteBehindStore behind(**lmdb, clock, std::chrono::milliseconds(60000));
    ASSERT_TRUE(behind.put("k2", "v", Seconds(60)));
    ASSERT_TRUE(behind.increment("n", 1, Seconds(60)));
    auto got = behind.get("k2");
    ASSERT_TRUE(got && *got);
    EXPECT_EQ(hook.entered, 1) << "a write-behind update was marked as a wait";
  }  // the flush at destruction runs on this thread and does wait
  EXPECT_EQ(hook.depth, 0);
}

TEST(BlockingScope, RedisCommandsAreMarked) {
  test::RedisServer server;
  SystemClock clock;
  RedisStore redis(server.store_config(), clock);
  CountingHook hook;
  HookedThread on(hook);
  ASSERT_TRUE(redis.put("k", "v", Seconds(60)));
  ASSERT_TRUE(redis.get("k"));
  EXPECT_EQ(hook.entered, 2);
  EXPECT_EQ(hook.depth, 0);
}

}  // namespace
}  // namespace postern
