// Tests of the test DNS server itself (tests/harness/dns_server.h), talking raw DNS to it with ldns
// packets over UDP and TCP, and of the standalone postern-testdns binary.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {
namespace {

struct Reply {
  bool got = false;
  std::string wire;
};

// One query to 127.0.0.1:port over UDP (or TCP), waiting up to 1 s.
Reply ask(int port, const char* name, ldns_rr_type type, bool tcp = false, bool edns = true) {
  ldns_pkt* q = nullptr;
  EXPECT_EQ(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
  ldns_pkt_set_id(q, 4242);
  if (edns) ldns_pkt_set_edns_udp_size(q, 1232);
  uint8_t* buf = nullptr;
  size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&buf, q, &size), LDNS_STATUS_OK);
  ldns_pkt_free(q);
  std::string out(reinterpret_cast<char*>(buf), size);
  std::free(buf);

  int fd = ::socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<uint16_t>(port));
  Reply r;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return r;
  }
  if (tcp) out.insert(0, std::string{static_cast<char>(size >> 8), static_cast<char>(size & 0xff)});
  EXPECT_EQ(::send(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  std::string in;
  char chunk[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) break;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    in.append(chunk, static_cast<size_t>(n));
    if (!tcp) break;
    if (in.size() >= 2 &&
        in.size() >= 2 + (size_t{static_cast<uint8_t>(in[0])} << 8 | static_cast<uint8_t>(in[1])))
      break;
  }
  ::close(fd);
  if (tcp && in.size() >= 2) in.erase(0, 2);
  r.got = !in.empty();
  r.wire = in;
  return r;
}

struct Parsed {
  ldns_pkt* p = nullptr;
  explicit Parsed(const std::string& wire) {
    if (ldns_wire2pkt(&p, reinterpret_cast<const uint8_t*>(wire.data()), wire.size()) != LDNS_STATUS_OK)
      p = nullptr;
  }
  ~Parsed() { ldns_pkt_free(p); }
};

TEST(TestDnsServer, AnswersNxdomainNodataWithSoa) {
  TestDnsServer s;
  ASSERT_TRUE(s.add("example.test", "SOA", "ns.example.test. root.example.test. 1 3600 600 86400 120", 600));
  ASSERT_TRUE(s.add("www.example.test", "A", "192.0.2.10", 60));
  ASSERT_TRUE(s.add("www.example.test", RrType::A, "192.0.2.11", 60));

  Parsed a(ask(s.port(), "www.example.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(a.p, nullptr);
  EXPECT_EQ(ldns_pkt_id(a.p), 4242);
  EXPECT_EQ(ldns_pkt_get_rcode(a.p), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(a.p), 2);

  Parsed nodata(ask(s.port(), "www.example.test.", LDNS_RR_TYPE_MX).wire);
  ASSERT_NE(nodata.p, nullptr);
  EXPECT_EQ(ldns_pkt_get_rcode(nodata.p), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(nodata.p), 0);
  ASSERT_EQ(ldns_pkt_nscount(nodata.p), 1);
  EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(nodata.p), 0)), LDNS_RR_TYPE_SOA);

  Parsed nx(ask(s.port(), "nope.example.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(nx.p, nullptr);
  EXPECT_EQ(ldns_pkt_get_rcode(nx.p), LDNS_RCODE_NXDOMAIN);
  EXPECT_EQ(ldns_pkt_nscount(nx.p), 1);

  // An empty non-terminal exists: NODATA, not NXDOMAIN.
  Parsed ent(ask(s.port(), "example.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(ent.p, nullptr);
  EXPECT_EQ(ldns_pkt_get_rcode(ent.p), LDNS_RCODE_NOERROR);

  EXPECT_EQ(s.queries("WWW.example.test."), 2);
  EXPECT_EQ(s.total_queries(), 4);
}

TEST(TestDnsServer, TruncatesOverUdpAndAnswersOverTcp) {
  TestDnsServer s;
  ASSERT_TRUE(s.add("big.test", "TXT", "\"hello\""));
  s.set_behavior("big.test", DnsBehavior::truncate);
  Parsed udp(ask(s.port(), "big.test.", LDNS_RR_TYPE_TXT).wire);
  ASSERT_NE(udp.p, nullptr);
  EXPECT_TRUE(ldns_pkt_tc(udp.p));
  EXPECT_EQ(ldns_pkt_ancount(udp.p), 0);
  Parsed tcp(ask(s.port(), "big.test.", LDNS_RR_TYPE_TXT, true).wire);
  ASSERT_NE(tcp.p, nullptr);
  EXPECT_FALSE(ldns_pkt_tc(tcp.p));
  EXPECT_EQ(ldns_pkt_ancount(tcp.p), 1);
  EXPECT_EQ(s.tcp_queries(), 1);
}

TEST(TestDnsServer, OversizedUdpAnswerWithoutEdnsIsTruncated) {
  TestDnsServer s;
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(s.add("many.test", "TXT", "\"record number " + std::to_string(i) + "\""));
  Parsed plain(ask(s.port(), "many.test.", LDNS_RR_TYPE_TXT, false, false).wire);
  ASSERT_NE(plain.p, nullptr);
  EXPECT_TRUE(ldns_pkt_tc(plain.p));
}

TEST(TestDnsServer, FailureBehaviours) {
  TestDnsServer s;
  ASSERT_TRUE(s.add("x.test", "A", "192.0.2.1"));
  s.set_behavior("x.test", DnsBehavior::drop);
  EXPECT_FALSE(ask(s.port(), "x.test.", LDNS_RR_TYPE_A).got);
  s.set_behavior("x.test", DnsBehavior::servfail);
  Parsed sf(ask(s.port(), "x.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(sf.p, nullptr);
  EXPECT_EQ(ldns_pkt_get_rcode(sf.p), LDNS_RCODE_SERVFAIL);
  s.set_behavior("x.test", DnsBehavior::refused);
  Parsed rf(ask(s.port(), "x.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(rf.p, nullptr);
  EXPECT_EQ(ldns_pkt_get_rcode(rf.p), LDNS_RCODE_REFUSED);
  s.set_behavior("x.test", DnsBehavior::wrong_id);
  Parsed wid(ask(s.port(), "x.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(wid.p, nullptr);
  EXPECT_NE(ldns_pkt_id(wid.p), 4242);
  s.set_behavior("x.test", DnsBehavior::garbage);
  Parsed g(ask(s.port(), "x.test.", LDNS_RR_TYPE_A).wire);
  EXPECT_EQ(g.p, nullptr);
  s.set_behavior("x.test", DnsBehavior::short_reply);
  Reply sh = ask(s.port(), "x.test.", LDNS_RR_TYPE_A);
  EXPECT_TRUE(sh.got);
  EXPECT_LT(sh.wire.size(), 12u);
  s.set_ad(true);
  s.set_behavior("x.test", DnsBehavior::normal);
  Parsed ad(ask(s.port(), "x.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(ad.p, nullptr);
  EXPECT_TRUE(ldns_pkt_ad(ad.p));
  EXPECT_EQ(s.queries("x.test"), 7);
}

TEST(TestDnsServer, IdleTcpClientDoesNotBlockOthers) {
  TestDnsServer s;
  ASSERT_TRUE(s.add("x.test", "A", "192.0.2.1"));
  int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<uint16_t>(s.port()));
  ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  auto start = std::chrono::steady_clock::now();
  Parsed udp(ask(s.port(), "x.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(udp.p, nullptr);
  Parsed tcp(ask(s.port(), "x.test.", LDNS_RR_TYPE_A, true).wire);
  ASSERT_NE(tcp.p, nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  ::close(idle);
}

TEST(TestDnsServer, LoadsZoneFileAndRejectsBadOne) {
  TempDir dir("dnszone");
  auto good = dir.write("z.zone",
                        "$ORIGIN zone.test.\n$TTL 300\n"
                        "@ IN SOA ns root 1 3600 600 86400 60\n"
                        "mail IN A 192.0.2.25\n"
                        "@ IN MX 10 mail\n");
  auto bad = dir.write("bad.zone", "$ORIGIN zone.test.\nmail IN A not-an-address\n");
  TestDnsServer s;
  EXPECT_FALSE(s.load_zone(bad.string()));
  ASSERT_TRUE(s.load_zone(good.string()));
  Parsed mx(ask(s.port(), "zone.test.", LDNS_RR_TYPE_MX).wire);
  ASSERT_NE(mx.p, nullptr);
  EXPECT_EQ(ldns_pkt_ancount(mx.p), 1);
  Parsed nx(ask(s.port(), "none.zone.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(nx.p, nullptr);
  EXPECT_EQ(ldns_pkt_get_rcode(nx.p), LDNS_RCODE_NXDOMAIN);
  char* soa = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_authority(nx.p), 0)));
  EXPECT_STREQ(soa, "zone.test.");
  std::free(soa);
}

TEST(TestDnsServer, StandaloneBinary) {
  TempDir dir("testdns");
  auto zone = dir.write("d.zone",
                        "$ORIGIN demo.test.\n$TTL 300\n@ IN SOA ns root 1 3600 600 86400 60\n"
                        "@ IN TXT \"v=spf1 -all\"\n");
  Process p({POSTERN_TESTDNS_BIN, "--port", "0", "--zone", zone.string(), "--fail", "bad.demo.test=servfail"},
            (dir / "testdns").string());
  int port = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        std::string out = p.output();
        size_t at = out.find("listening 127.0.0.1:");
        if (at == std::string::npos || out.find('\n', at) == std::string::npos) return false;
        port = std::atoi(out.c_str() + at + 20);
        return true;
      },
      std::chrono::seconds(10)))
      << p.output();
  ASSERT_GT(port, 0);
  Parsed txt(ask(port, "demo.test.", LDNS_RR_TYPE_TXT).wire);
  ASSERT_NE(txt.p, nullptr);
  EXPECT_EQ(ldns_pkt_ancount(txt.p), 1);
  Parsed sf(ask(port, "bad.demo.test.", LDNS_RR_TYPE_A).wire);
  ASSERT_NE(sf.p, nullptr);
  EXPECT_EQ(ldns_pkt_get_rcode(sf.p), LDNS_RCODE_SERVFAIL);
  EXPECT_EQ(WEXITSTATUS(p.stop()), 0);
}

TEST(TestDnsServer, StandaloneBinaryRejectsBadArguments) {
  auto r = run_command({POSTERN_TESTDNS_BIN, "--fail", "x.test=explode"}, "", std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 2);
  auto z = run_command({POSTERN_TESTDNS_BIN, "--zone", "/nonexistent/zone"}, "", std::chrono::seconds(10));
  EXPECT_EQ(z.exit_code, 1);
}

}  // namespace
}  // namespace postern::test
