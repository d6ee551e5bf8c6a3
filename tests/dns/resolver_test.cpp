// LdnsResolver against TestDnsServer on loopback: record types, CNAME chasing, negative answers,
// failures (SERVFAIL, REFUSED, timeouts, bad replies), retries across servers, TCP fallback,
// query_all under one deadline, the AD bit. Timeouts are real network timeouts of 100-300 ms.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/dns/answer.h"
#include "common/dns/factory.h"
#include "common/dns/ldns_resolver.h"
#include "tests/harness/dns_server.h"

namespace postern {
namespace {

using std::chrono::milliseconds;
using test::DnsBehavior;
using test::TestDnsServer;
using steady = std::chrono::steady_clock;

std::unique_ptr<LdnsResolver> make(const std::vector<std::string>& specs, int timeout_ms = 300,
                                   int retries = 0, bool tcp_fallback = true, bool cname_chase = true) {
  std::vector<DnsServer> servers;
  for (const auto& s : specs) servers.push_back(parse_dns_server(s).value());
  LdnsResolverOptions o;
  o.attempt_timeout = milliseconds(timeout_ms);
  o.retries = retries;
  o.tcp_fallback = tcp_fallback;
  o.cname_chase = cname_chase;
  return std::make_unique<LdnsResolver>(std::move(servers), o, std::make_shared<SeededRandom>(42));
}

Deadline soon(int ms = 2000) { return Deadline::after(milliseconds(ms)); }

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        dns.add("example.test", "SOA", "ns.example.test. root.example.test. 1 3600 600 86400 120", 600));
    ASSERT_TRUE(dns.add("www.example.test", "A", "192.0.2.10", 60));
    ASSERT_TRUE(dns.add("www.example.test", "AAAA", "2001:db8::10", 70));
    ASSERT_TRUE(dns.add("example.test", "MX", "10 mx1.example.test.", 300));
    ASSERT_TRUE(dns.add("example.test", "MX", "20 MX2.Example.Test.", 300));
    ASSERT_TRUE(dns.add("example.test", "TXT", "\"v=spf1 \" \"ip4:192.0.2.0/24\" \" -all\"", 300));
    ASSERT_TRUE(dns.add("10.2.0.192.in-addr.arpa", "PTR", "www.example.test.", 300));
    ASSERT_TRUE(dns.add("alias.example.test", "CNAME", "www.example.test.", 30));
    ASSERT_TRUE(dns.add("loop1.example.test", "CNAME", "loop2.example.test.", 30));
    ASSERT_TRUE(dns.add("loop2.example.test", "CNAME", "loop1.example.test.", 30));
    r = make({dns.address()});
  }
  TestDnsServer dns;
  std::unique_ptr<LdnsResolver> r;
};

TEST_F(ResolverTest, AddressRecords) {
  auto a = r->query("www.example.test", RrType::A, soon());
  ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
  ASSERT_EQ(a.records.size(), 1u);
  EXPECT_EQ(a.records[0].text, "192.0.2.10");
  EXPECT_EQ(a.records[0].ttl, 60u);
  EXPECT_EQ(a.canonical_name, "www.example.test");
  EXPECT_TRUE(a.detail.empty());
  EXPECT_FALSE(a.temporary_failure());

  auto aaaa = r->query("WWW.Example.TEST.", RrType::AAAA, soon());
  ASSERT_EQ(aaaa.status, DnsStatus::answer) << aaaa.detail;
  ASSERT_EQ(aaaa.records.size(), 1u);
  EXPECT_EQ(aaaa.records[0].text, "2001:db8::10");
}

TEST_F(ResolverTest, TxtStringsAreConcatenated) {
  auto t = r->query("example.test", RrType::TXT, soon());
  ASSERT_EQ(t.status, DnsStatus::answer) << t.detail;
  ASSERT_EQ(t.records.size(), 1u);
  EXPECT_EQ(t.records[0].text, "v=spf1 ip4:192.0.2.0/24 -all");
}

TEST_F(ResolverTest, MxAndPtr) {
  auto mx = r->query("example.test", RrType::MX, soon());
  ASSERT_EQ(mx.status, DnsStatus::answer) << mx.detail;
  ASSERT_EQ(mx.records.size(), 2u);
  std::sort(mx.records.begin(), mx.records.end(),
            [](const DnsRecord& a, const DnsRecord& b) { return a.preference < b.preference; });
  EXPECT_EQ(mx.records[0].preference, 10);
  EXPECT_EQ(mx.records[0].text, "mx1.example.test");
  EXPECT_EQ(mx.records[1].preference, 20);
  EXPECT_EQ(mx.records[1].text, "mx2.example.test");  // lower-cased, no trailing dot

  auto ptr = r->query("10.2.0.192.in-addr.arpa", RrType::PTR, soon());
  ASSERT_EQ(ptr.status, DnsStatus::answer) << ptr.detail;
  ASSERT_EQ(ptr.records.size(), 1u);
  EXPECT_EQ(ptr.records[0].text, "www.example.test");
}

TEST_F(ResolverTest, CnameInsideAnswer) {
  auto a = r->query("alias.example.test", RrType::A, soon());
  ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
  ASSERT_EQ(a.records.size(), 1u);
  EXPECT_EQ(a.records[0].text, "192.0.2.10");
  EXPECT_EQ(a.canonical_name, "www.example.test");
  EXPECT_EQ(dns.queries("www.example.test"), 0);  // no second query needed
}

TEST_F(ResolverTest, CnameChasedByRequery) {
  dns.set_behavior("alias.example.test", DnsBehavior::cname_only);
  auto a = r->query("alias.example.test", RrType::A, soon());
  ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
  EXPECT_EQ(a.records.at(0).text, "192.0.2.10");
  EXPECT_EQ(a.canonical_name, "www.example.test");
  EXPECT_EQ(dns.queries("www.example.test"), 1);

  // With chasing off the lone CNAME is not followed.
  auto off = make({dns.address()}, 300, 0, true, false);
  auto b = off->query("alias.example.test", RrType::A, soon());
  EXPECT_NE(b.status, DnsStatus::answer);
  EXPECT_EQ(dns.queries("www.example.test"), 1);
}

TEST_F(ResolverTest, CnameRequeryChainIsBounded) {
  dns.set_behavior("loop1.example.test", DnsBehavior::cname_only);
  dns.set_behavior("loop2.example.test", DnsBehavior::cname_only);
  auto a = r->query("loop1.example.test", RrType::A, soon());
  EXPECT_EQ(a.status, DnsStatus::error) << a.detail;
  EXPECT_LE(dns.queries("loop1.example.test") + dns.queries("loop2.example.test"),
            static_cast<int>(kMaxCnameChain) + 1);
}

TEST_F(ResolverTest, CnameLoopInsideAnswerIsAnError) {
  auto a = r->query("loop1.example.test", RrType::A, soon());
  EXPECT_EQ(a.status, DnsStatus::error) << a.detail;
  EXPECT_NE(a.detail.find("CNAME"), std::string::npos) << a.detail;
}

TEST_F(ResolverTest, NxdomainAndNodataCarryNegativeTtl) {
  auto nx = r->query("missing.example.test", RrType::A, soon());
  EXPECT_EQ(nx.status, DnsStatus::nxdomain);
  EXPECT_EQ(nx.negative_ttl, 120u);  // min(SOA TTL 600, MINIMUM 120)
  EXPECT_FALSE(nx.temporary_failure());

  auto nodata = r->query("www.example.test", RrType::MX, soon());
  EXPECT_EQ(nodata.status, DnsStatus::nodata);
  EXPECT_EQ(nodata.negative_ttl, 120u);
  EXPECT_TRUE(nodata.records.empty());

  // A CNAME to a name that does not exist is NXDOMAIN for the target.
  ASSERT_TRUE(dns.add("dangling.example.test", "CNAME", "gone.example.test.", 30));
  auto d = r->query("dangling.example.test", RrType::A, soon());
  EXPECT_EQ(d.status, DnsStatus::nxdomain);
  EXPECT_EQ(d.canonical_name, "gone.example.test");
}

TEST_F(ResolverTest, ServfailAndRefused) {
  dns.set_behavior("www.example.test", DnsBehavior::servfail);
  auto sf = r->query("www.example.test", RrType::A, soon());
  EXPECT_EQ(sf.status, DnsStatus::servfail);
  EXPECT_TRUE(sf.temporary_failure());
  EXPECT_FALSE(sf.detail.empty());

  dns.set_behavior("www.example.test", DnsBehavior::refused);
  auto rf = r->query("www.example.test", RrType::A, soon());
  EXPECT_EQ(rf.status, DnsStatus::error);
  EXPECT_NE(rf.detail.find("5"), std::string::npos) << rf.detail;
}

TEST_F(ResolverTest, TimeoutIsRealAndBounded) {
  dns.set_behavior("www.example.test", DnsBehavior::drop);
  auto quick = make({dns.address()}, 150, 1);
  auto start = steady::now();
  auto t = quick->query("www.example.test", RrType::A, soon(5000));
  auto took = steady::now() - start;
  EXPECT_EQ(t.status, DnsStatus::timeout) << t.detail;
  EXPECT_GE(took, milliseconds(290));  // two attempts of 150 ms
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(dns.queries("www.example.test"), 2);
}

TEST_F(ResolverTest, OverallDeadlineCutsRetriesShort) {
  dns.set_behavior("www.example.test", DnsBehavior::drop);
  auto slow = make({dns.address()}, 5000, 3);
  auto start = steady::now();
  auto t = slow->query("www.example.test", RrType::A, soon(200));
  EXPECT_EQ(t.status, DnsStatus::timeout);
  EXPECT_LT(steady::now() - start, milliseconds(2000));

  int sent = dns.queries("www.example.test");
  auto expired = slow->query("www.example.test", RrType::A, Deadline::after(milliseconds(0)));
  EXPECT_EQ(expired.status, DnsStatus::timeout);
  EXPECT_EQ(dns.queries("www.example.test"), sent);  // nothing is sent after the deadline
}

TEST_F(ResolverTest, RetriesGoToTheSecondServer) {
  TestDnsServer second;
  ASSERT_TRUE(second.add("www.example.test", "A", "192.0.2.99", 60));
  dns.set_behavior("www.example.test", DnsBehavior::drop);
  auto two = make({dns.address(), second.address()}, 150, 1);
  auto a = two->query("www.example.test", RrType::A, soon());
  ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
  EXPECT_EQ(a.records.at(0).text, "192.0.2.99");
  EXPECT_EQ(dns.queries("www.example.test"), 1);
  EXPECT_EQ(second.queries("www.example.test"), 1);

  // SERVFAIL from the first server also moves on (a fresh resolver: the first one now avoids the
  // server that timed out).
  dns.set_behavior("www.example.test", DnsBehavior::servfail);
  auto fresh = make({dns.address(), second.address()}, 150, 1);
  auto b = fresh->query("www.example.test", RrType::A, soon());
  ASSERT_EQ(b.status, DnsStatus::answer) << b.detail;
  EXPECT_EQ(dns.queries("www.example.test"), 2);
  EXPECT_EQ(second.queries("www.example.test"), 2);
}

TEST_F(ResolverTest, DeadFirstServerIsSkippedForLaterQueries) {
  TestDnsServer second;
  ASSERT_TRUE(second.add("a.example.test", "A", "192.0.2.51", 60));
  ASSERT_TRUE(second.add("b.example.test", "A", "192.0.2.52", 60));
  dns.set_behavior("a.example.test", DnsBehavior::drop);
  dns.set_behavior("b.example.test", DnsBehavior::drop);
  auto two = make({dns.address(), second.address()}, 300, 1);
  auto a = two->query("a.example.test", RrType::A, soon());
  ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
  EXPECT_EQ(dns.queries("a.example.test"), 1);
  auto start = steady::now();
  auto b = two->query("b.example.test", RrType::A, soon());
  ASSERT_EQ(b.status, DnsStatus::answer) << b.detail;
  EXPECT_EQ(dns.queries("b.example.test"), 0);  // went straight to the second server
  EXPECT_LT(steady::now() - start, milliseconds(290));

  // An attempt cut short by the caller's deadline does not count against a server.
  auto patient = make({dns.address(), second.address()}, 5000, 1);
  EXPECT_EQ(patient->query("a.example.test", RrType::A, soon(100)).status, DnsStatus::timeout);
  EXPECT_EQ(patient->query("b.example.test", RrType::A, soon(100)).status, DnsStatus::timeout);
  EXPECT_EQ(dns.queries("b.example.test"), 1);
}

TEST_F(ResolverTest, ServfailFromEveryServer) {
  TestDnsServer second;
  second.set_behavior("www.example.test", DnsBehavior::servfail);
  dns.set_behavior("www.example.test", DnsBehavior::servfail);
  auto two = make({dns.address(), second.address()}, 300, 1);
  auto a = two->query("www.example.test", RrType::A, soon());
  EXPECT_EQ(a.status, DnsStatus::servfail);
  EXPECT_EQ(second.queries("www.example.test"), 1);
}

TEST_F(ResolverTest, TcpFallbackOnTruncation) {
  dns.set_behavior("example.test", DnsBehavior::truncate);
  auto t = r->query("example.test", RrType::TXT, soon());
  ASSERT_EQ(t.status, DnsStatus::answer) << t.detail;
  EXPECT_EQ(t.records.at(0).text, "v=spf1 ip4:192.0.2.0/24 -all");
  EXPECT_EQ(dns.tcp_queries(), 1);

  auto no_tcp = make({dns.address()}, 300, 0, false);
  auto u = no_tcp->query("example.test", RrType::TXT, soon());
  EXPECT_EQ(u.status, DnsStatus::error);
  EXPECT_EQ(dns.tcp_queries(), 1);
}

TEST_F(ResolverTest, LargeAnswerArrivesOverTcp) {
  std::string chunk(200, 'x');
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(dns.add("big.example.test", "TXT", "\"" + chunk + std::to_string(i) + "\""));
  auto t = r->query("big.example.test", RrType::TXT, soon());
  ASSERT_EQ(t.status, DnsStatus::answer) << t.detail;
  EXPECT_EQ(t.records.size(), 30u);
  EXPECT_EQ(dns.tcp_queries(), 1);
}

TEST_F(ResolverTest, EdnsLetsMidSizeAnswersComeOverUdp) {
  std::string chunk(200, 'y');
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(dns.add("mid.example.test", "TXT", "\"" + chunk + std::to_string(i) + "\""));
  auto t = r->query("mid.example.test", RrType::TXT, soon());  // ~900 bytes: > 512, < 1232
  ASSERT_EQ(t.status, DnsStatus::answer) << t.detail;
  EXPECT_EQ(t.records.size(), 4u);
  EXPECT_EQ(dns.tcp_queries(), 0);
}

TEST_F(ResolverTest, BadRepliesAreIgnoredNotTrusted) {
  TestDnsServer second;
  ASSERT_TRUE(second.add("www.example.test", "A", "192.0.2.77", 60));
  auto two = make({dns.address(), second.address()}, 150, 1);
  for (DnsBehavior b : {DnsBehavior::wrong_id, DnsBehavior::garbage, DnsBehavior::short_reply}) {
    dns.set_behavior("www.example.test", b);
    auto alone = make({dns.address()}, 150, 0)->query("www.example.test", RrType::A, soon());
    EXPECT_TRUE(alone.temporary_failure()) << to_string(alone.status);
    EXPECT_TRUE(alone.records.empty());
    auto a = two->query("www.example.test", RrType::A, soon());
    ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
    EXPECT_EQ(a.records.at(0).text, "192.0.2.77");
  }
}

TEST_F(ResolverTest, QueryAllWaitsForAllUnderOneDeadline) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(dns.add("h" + std::to_string(i) + ".example.test", "A", "192.0.2." + std::to_string(i + 1)));
  ASSERT_TRUE(dns.add("slow.example.test", "A", "192.0.2.200"));
  dns.set_behavior("slow.example.test", DnsBehavior::drop);
  std::vector<DnsQuery> qs;
  for (int i = 0; i < 3; ++i) qs.push_back({"h" + std::to_string(i) + ".example.test", RrType::A});
  qs.push_back({"slow.example.test", RrType::A});
  for (int i = 3; i < 5; ++i) qs.push_back({"h" + std::to_string(i) + ".example.test", RrType::A});

  auto patient = make({dns.address()}, 5000, 2);
  auto start = steady::now();
  auto res = patient->query_all(qs, soon(400));
  auto took = steady::now() - start;
  ASSERT_EQ(res.size(), 6u);
  EXPECT_GE(took, milliseconds(390));
  EXPECT_LT(took, milliseconds(2000));  // far below one 5 s attempt
  for (size_t i = 0; i < res.size(); ++i) {
    if (i == 3) {
      EXPECT_EQ(res[i].status, DnsStatus::timeout);
      continue;
    }
    ASSERT_EQ(res[i].status, DnsStatus::answer) << i << " " << res[i].detail;
    int n = static_cast<int>(i < 3 ? i : i - 1);
    EXPECT_EQ(res[i].records.at(0).text, "192.0.2." + std::to_string(n + 1));
  }
  EXPECT_TRUE(patient->query_all({}, soon()).empty());
}

TEST_F(ResolverTest, QueryAllLargerThanOneChunk) {
  std::vector<DnsQuery> qs;
  for (size_t i = 0; i < kMaxParallelQueries + 22; ++i) {
    std::string name = "q" + std::to_string(i) + ".example.test";
    ASSERT_TRUE(dns.add(name, "A", "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)));
    qs.push_back({name, RrType::A});
  }
  auto res = r->query_all(qs, soon(5000));
  ASSERT_EQ(res.size(), qs.size());
  for (size_t i = 0; i < res.size(); ++i) {
    ASSERT_EQ(res[i].status, DnsStatus::answer) << i << " " << res[i].detail;
    EXPECT_EQ(res[i].records.at(0).text, "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  }
}

TEST_F(ResolverTest, AdBitIsRecorded) {
  auto plain = r->query("www.example.test", RrType::A, soon());
  EXPECT_FALSE(plain.authenticated);
  dns.set_ad(true);
  auto ad = r->query("www.example.test", RrType::A, soon());
  EXPECT_TRUE(ad.authenticated);
}

TEST_F(ResolverTest, BadQueryNamesAreBadNamesNeverSentAndNotTemporary) {
  auto longlabel = r->query(std::string(64, 'a') + ".example.test", RrType::A, soon());
  EXPECT_EQ(longlabel.status, DnsStatus::bad_name);
  auto empty_label = r->query("a..example.test", RrType::A, soon());
  EXPECT_EQ(empty_label.status, DnsStatus::bad_name);
  std::string huge;
  for (int i = 0; i < 60; ++i) huge += "abcdefgh.";
  EXPECT_EQ(r->query(huge, RrType::A, soon()).status, DnsStatus::bad_name);
  EXPECT_FALSE(longlabel.temporary_failure());
  EXPECT_EQ(dns.total_queries(), 0);
}

TEST_F(ResolverTest, NoServersIsAnError) {
  auto none = make({});
  EXPECT_EQ(none->query("www.example.test", RrType::A, soon()).status, DnsStatus::error);
}

TEST_F(ResolverTest, ClosedPortIsAFailureNotAHang) {
  int port = 0;
  {
    TestDnsServer gone;
    port = gone.port();
  }
  auto dead = make({"127.0.0.1:" + std::to_string(port)}, 200, 0);
  auto start = steady::now();
  auto a = dead->query("www.example.test", RrType::A, soon());
  EXPECT_TRUE(a.temporary_failure());
  EXPECT_LT(steady::now() - start, milliseconds(1000));
}

TEST_F(ResolverTest, ConcurrentCallersShareOneResolver) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto a = r->query("www.example.test", RrType::A, soon());
        if (a.ok() && a.records.at(0).text == "192.0.2.10") ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 40);
  EXPECT_EQ(dns.queries("www.example.test"), 40);
}

TEST(ResolverFactory, BuildsCachingResolverFromConfig) {
  TestDnsServer dns;
  ASSERT_TRUE(dns.add("x.test", "A", "192.0.2.5", 300));
  FakeClock clock;
  DnsConfig c;
  c.servers = {dns.address()};
  c.timeout = milliseconds(300);
  auto res = make_resolver(c, clock);
  ASSERT_TRUE(res);
  auto r = *res;
  EXPECT_TRUE(r->query("x.test", RrType::A, soon()).ok());
  EXPECT_TRUE(r->query("x.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("x.test"), 1);  // cached

  c.cache_entries = 0;
  auto uncached = make_resolver(c, clock);
  ASSERT_TRUE(uncached);
  EXPECT_TRUE((*uncached)->query("x.test", RrType::A, soon()).ok());
  EXPECT_TRUE((*uncached)->query("x.test", RrType::A, soon()).ok());
  EXPECT_EQ(dns.queries("x.test"), 3);

  c.servers = {"dns.example.com"};
  EXPECT_FALSE(make_resolver(c, clock));
}

}  // namespace
}  // namespace postern
