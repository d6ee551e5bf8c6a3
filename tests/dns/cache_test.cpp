// CachingResolver over a real LdnsResolver and TestDnsServer: hits leave the server's query counter
// unchanged, entries expire when the FakeClock passes their TTL (capped by max_ttl), RFC 2308
// negative caching, failures not cached, the size bound with LRU eviction, query_all with a mix of
// hits and misses.
#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>

#include "common/dns/caching_resolver.h"
#include "common/dns/ldns_resolver.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"

namespace postern {
namespace {

using std::chrono::milliseconds;
using test::DnsBehavior;
using test::TestDnsServer;

Deadline soon() { return Deadline::after(milliseconds(2000)); }

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns.add("c.test", "SOA", "ns.c.test. root.c.test. 1 3600 600 86400 60", 600));
    ASSERT_TRUE(dns.add("a.c.test", "A", "192.0.2.1", 100));
    ASSERT_TRUE(dns.add("a.c.test", "A", "192.0.2.2", 50));
    ASSERT_TRUE(dns.add("long.c.test", "A", "192.0.2.3", 999999));
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(dns.add("n" + std::to_string(i) + ".c.test", "A", "192.0.2.9", 300));
    LdnsResolverOptions o;
    o.attempt_timeout = milliseconds(200);
    o.retries = 0;
    std::vector<DnsServer> servers{parse_dns_server(dns.address()).value()};
    inner = std::make_shared<LdnsResolver>(servers, o, std::make_shared<SeededRandom>(1));
  }
  std::unique_ptr<CachingResolver> cache(size_t entries = 100, int max_ttl = 86400, int neg_max = 3600) {
    return std::make_unique<CachingResolver>(inner, clock, entries, Seconds(max_ttl), Seconds(neg_max));
  }

  TestDnsServer dns;
  FakeClock clock;
  std::shared_ptr<LdnsResolver> inner;
};

TEST_F(CacheTest, HitUntilTheSmallestTtlPasses) {
  auto c = cache();
  auto first = c->query("a.c.test", RrType::A, soon());
  ASSERT_TRUE(first.ok()) << first.detail;
  EXPECT_EQ(first.records.size(), 2u);
  auto again = c->query("A.C.TEST.", RrType::A, soon());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.records.size(), 2u);
  EXPECT_EQ(dns.queries("a.c.test"), 1);

  clock.advance(Seconds(49));
  EXPECT_TRUE(c->query("a.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("a.c.test"), 1);
  clock.advance(Seconds(2));  // 51 s > min TTL 50
  EXPECT_TRUE(c->query("a.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("a.c.test"), 2);

  // Another type is another entry.
  EXPECT_EQ(c->query("a.c.test", RrType::AAAA, soon()).status, DnsStatus::nodata);
  EXPECT_EQ(dns.queries("a.c.test"), 3);
}

TEST_F(CacheTest, TtlCappedByMaxTtl) {
  auto c = cache(100, 10);
  EXPECT_TRUE(c->query("long.c.test", RrType::A, soon()).ok());
  clock.advance(Seconds(9));
  EXPECT_TRUE(c->query("long.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("long.c.test"), 1);
  clock.advance(Seconds(2));
  EXPECT_TRUE(c->query("long.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("long.c.test"), 2);
}

TEST_F(CacheTest, NegativeAnswersCachedForSoaMinimum) {
  auto c = cache();
  EXPECT_EQ(c->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  EXPECT_EQ(c->query("a.c.test", RrType::MX, soon()).status, DnsStatus::nodata);
  clock.advance(Seconds(59));
  EXPECT_EQ(c->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  EXPECT_EQ(c->query("a.c.test", RrType::MX, soon()).status, DnsStatus::nodata);
  EXPECT_EQ(dns.queries("nope.c.test"), 1);
  EXPECT_EQ(dns.queries("a.c.test"), 1);
  clock.advance(Seconds(2));  // SOA MINIMUM is 60
  EXPECT_EQ(c->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  EXPECT_EQ(dns.queries("nope.c.test"), 2);
}

TEST_F(CacheTest, NegativeTtlCappedByNegativeMaxTtl) {
  auto c = cache(100, 86400, 5);
  EXPECT_EQ(c->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  clock.advance(Seconds(4));
  EXPECT_EQ(c->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  EXPECT_EQ(dns.queries("nope.c.test"), 1);
  clock.advance(Seconds(2));
  EXPECT_EQ(c->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  EXPECT_EQ(dns.queries("nope.c.test"), 2);

  auto off = cache(100, 86400, 0);
  EXPECT_EQ(off->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  EXPECT_EQ(off->query("nope.c.test", RrType::A, soon()).status, DnsStatus::nxdomain);
  EXPECT_EQ(dns.queries("nope.c.test"), 4);
}

TEST_F(CacheTest, FailuresAreNotCached) {
  auto c = cache();
  dns.set_behavior("a.c.test", DnsBehavior::servfail);
  EXPECT_EQ(c->query("a.c.test", RrType::A, soon()).status, DnsStatus::servfail);
  dns.set_behavior("a.c.test", DnsBehavior::drop);
  EXPECT_EQ(c->query("a.c.test", RrType::A, soon()).status, DnsStatus::timeout);
  EXPECT_EQ(c->size(), 0u);
  dns.set_behavior("a.c.test", DnsBehavior::normal);
  EXPECT_TRUE(c->query("a.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("a.c.test"), 3);
}

TEST_F(CacheTest, SizeBoundEvictsLeastRecentlyUsed) {
  auto c = cache(3);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(c->query("n" + std::to_string(i) + ".c.test", RrType::A, soon()).ok());
  EXPECT_EQ(c->size(), 3u);
  EXPECT_TRUE(c->query("n0.c.test", RrType::A, soon()).ok());  // n0 now most recent; n1 is LRU
  EXPECT_TRUE(c->query("n3.c.test", RrType::A, soon()).ok());  // evicts n1
  EXPECT_EQ(c->size(), 3u);
  EXPECT_TRUE(c->query("n0.c.test", RrType::A, soon()).ok());
  EXPECT_TRUE(c->query("n2.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("n0.c.test"), 1);
  EXPECT_EQ(dns.queries("n2.c.test"), 1);
  EXPECT_TRUE(c->query("n1.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("n1.c.test"), 2);
  EXPECT_EQ(c->size(), 3u);
}

TEST_F(CacheTest, MemoryBoundEvictsAndSkipsHugeAnswers) {
  std::string q250 = "\"" + std::string(250, 'z') + "\" ";
  std::string kilobyte = q250 + q250 + q250 + q250;  // one TXT record of four 250-byte strings
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(dns.add("t" + std::to_string(i) + ".c.test", "TXT", kilobyte));
  std::string big(250, 'b');
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(dns.add("huge.c.test", "TXT", "\"" + big + std::to_string(i) + "\""));
  const size_t budget = 20 * 1024;  // one entry may use 1280 bytes; a ~1.1 KB TXT answer fits
  auto c = std::make_unique<CachingResolver>(inner, clock, 1000, Seconds(86400), Seconds(3600), budget);

  // A ~5 KB answer is more than budget / 16: fetched every time, never cached.
  EXPECT_TRUE(c->query("huge.c.test", RrType::TXT, soon()).ok());
  EXPECT_TRUE(c->query("huge.c.test", RrType::TXT, soon()).ok());
  EXPECT_EQ(dns.queries("huge.c.test"), 4);  // UDP (truncated) then TCP, twice
  EXPECT_EQ(c->size(), 0u);

  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(c->query("t" + std::to_string(i) + ".c.test", RrType::TXT, soon()).ok());
  EXPECT_LE(c->bytes(), budget);
  EXPECT_GT(c->size(), 10u);
  EXPECT_LT(c->size(), 20u);  // the byte budget, not the entry limit, bounds it
  EXPECT_TRUE(c->query("t19.c.test", RrType::TXT, soon()).ok());
  EXPECT_EQ(dns.queries("t19.c.test"), 1);  // newest kept
  EXPECT_TRUE(c->query("t0.c.test", RrType::TXT, soon()).ok());
  EXPECT_EQ(dns.queries("t0.c.test"), 2);  // oldest evicted
}

TEST_F(CacheTest, ZeroEntriesCachesNothing) {
  auto c = cache(0);
  EXPECT_TRUE(c->query("n0.c.test", RrType::A, soon()).ok());
  EXPECT_TRUE(c->query("n0.c.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("n0.c.test"), 2);
  EXPECT_EQ(c->size(), 0u);
}

TEST_F(CacheTest, QueryAllMixesHitsAndMisses) {
  auto c = cache();
  EXPECT_TRUE(c->query("n0.c.test", RrType::A, soon()).ok());
  std::vector<DnsQuery> qs{{"n0.c.test", RrType::A},
                           {"n1.c.test", RrType::A},
                           {"nope.c.test", RrType::A},
                           {"n0.c.test", RrType::A}};
  auto res = c->query_all(qs, soon());
  ASSERT_EQ(res.size(), 4u);
  EXPECT_TRUE(res[0].ok());
  EXPECT_TRUE(res[1].ok());
  EXPECT_EQ(res[2].status, DnsStatus::nxdomain);
  EXPECT_TRUE(res[3].ok());
  EXPECT_EQ(dns.queries("n0.c.test"), 1);
  EXPECT_EQ(dns.queries("n1.c.test"), 1);
}

}  // namespace
}  // namespace postern

namespace postern {
namespace {

// An inner resolver that holds every lookup until released, and counts them.
class GatedResolver final : public Resolver {
 public:
  DnsResult query(std::string_view name, RrType type, Deadline deadline) override {
    DnsQuery q{std::string(name), type};
    return query_all(std::span<const DnsQuery>(&q, 1), deadline).front();
  }
  std::vector<DnsResult> query_all(std::span<const DnsQuery> queries, Deadline) override {
    int n = ++calls;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    std::vector<DnsResult> out;
    for (const auto& q : queries) {
      DnsResult r;
      if (n <= timeouts_first) {
        r.status = DnsStatus::timeout;
      } else {
        r.status = DnsStatus::answer;
        r.records.push_back({"192.0.2.1", 0, 60});
        r.canonical_name = q.name;
      }
      out.push_back(r);
    }
    return out;
  }
  void release() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  std::atomic<int> calls{0};
  int timeouts_first = 0;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(CacheCoalescing, ConcurrentMissesShareOneLookup) {
  FakeClock clock;
  auto inner = std::make_shared<GatedResolver>();
  CachingResolver c(inner, clock, 100, Seconds(3600), Seconds(3600));
  DnsResult ra, rb;
  std::thread a([&] { ra = c.query("x.test", RrType::A, Deadline::after(milliseconds(5000))); });
  ASSERT_TRUE(test::wait_until([&] { return inner->calls.load() == 1; }, milliseconds(5000)));
  std::thread b([&] { rb = c.query("X.test.", RrType::A, Deadline::after(milliseconds(5000))); });
  ASSERT_TRUE(test::wait_until([&] { return c.waiting() == 1; }, milliseconds(5000)));
  inner->release();
  a.join();
  b.join();
  EXPECT_TRUE(ra.ok());
  EXPECT_TRUE(rb.ok());
  EXPECT_EQ(inner->calls.load(), 1);
  EXPECT_EQ(c.waiting(), 0u);
}

TEST(CacheCoalescing, WaiterHonoursItsOwnDeadline) {
  FakeClock clock;
  auto inner = std::make_shared<GatedResolver>();
  CachingResolver c(inner, clock, 100, Seconds(3600), Seconds(3600));
  std::thread a([&] { (void)c.query("x.test", RrType::A, Deadline::after(milliseconds(5000))); });
  ASSERT_TRUE(test::wait_until([&] { return inner->calls.load() == 1; }, milliseconds(5000)));
  auto start = std::chrono::steady_clock::now();
  auto rb = c.query("x.test", RrType::A, Deadline::after(milliseconds(100)));
  EXPECT_EQ(rb.status, DnsStatus::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  inner->release();
  a.join();
  EXPECT_EQ(inner->calls.load(), 1);
}

TEST(CacheCoalescing, WaiterWithTimeLeftRetriesAfterAskersTimeout) {
  FakeClock clock;
  auto inner = std::make_shared<GatedResolver>();
  inner->timeouts_first = 1;  // the first lookup "times out"
  CachingResolver c(inner, clock, 100, Seconds(3600), Seconds(3600));
  DnsResult ra, rb;
  std::thread a([&] { ra = c.query("x.test", RrType::A, Deadline::after(milliseconds(5000))); });
  ASSERT_TRUE(test::wait_until([&] { return inner->calls.load() == 1; }, milliseconds(5000)));
  std::thread b([&] { rb = c.query("x.test", RrType::A, Deadline::after(milliseconds(5000))); });
  ASSERT_TRUE(test::wait_until([&] { return c.waiting() == 1; }, milliseconds(5000)));
  inner->release();
  a.join();
  b.join();
  EXPECT_EQ(ra.status, DnsStatus::timeout);
  EXPECT_TRUE(rb.ok());
  EXPECT_EQ(inner->calls.load(), 2);
  // The retry's answer was cached.
  EXPECT_TRUE(c.query("x.test", RrType::A, Deadline::after(milliseconds(100))).ok());
  EXPECT_EQ(inner->calls.load(), 2);
}

TEST(CacheCoalescing, DuplicateNamesInOneBatchAskOnce) {
  FakeClock clock;
  auto inner = std::make_shared<GatedResolver>();
  inner->release();
  CachingResolver c(inner, clock, 100, Seconds(3600), Seconds(3600));
  std::vector<DnsQuery> qs{{"x.test", RrType::A}, {"x.test", RrType::A}, {"y.test", RrType::A}};
  auto res = c.query_all(qs, Deadline::after(milliseconds(1000)));
  ASSERT_EQ(res.size(), 3u);
  for (const auto& r : res) EXPECT_TRUE(r.ok());
  EXPECT_EQ(inner->calls.load(), 1);
}

}  // namespace
}  // namespace postern
