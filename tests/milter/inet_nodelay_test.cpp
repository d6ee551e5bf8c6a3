// postern-milter over TCP (inet:127.0.0.1:PORT), through the real daemon: libmilter writes each
// reply as its own small packet, so without TCP_NODELAY on the accepted connection the verdict
// that follows an added header waits for the client's delayed ACK (about 40 ms on Linux) on every
// message. Twenty inbound messages, each stamped with an Authentication-Results header, must not
// show that stall: their median time is far below it (it is under a millisecond on this machine;
// the stall makes it 40 ms or more whatever the load). The bound only separates "stalled" from
// "not stalled"; throughput belongs to the benchmarks (docs/PERFORMANCE.md).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/milterclient/session.h"

namespace postern::test {
namespace {

using std::chrono::microseconds;

TEST(MilterInet, AMessageTheMilterAddsAHeaderToDoesNotWaitForADelayedAck) {
  TestDnsServer dns;
  dns.add("sender.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
  TempDir dir("postern-milter-inet");
  chmod(dir.path().c_str(), 0755);
  const int port = free_tcp_port();
  auto conf =
      dir.write("postern.conf", "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" + dns.address() +
                                    "\"]\n[milter]\nsocket = \"inet:127.0.0.1:" + std::to_string(port) +
                                    "\"\nuser = \"nobody\"\ngroup = \"nogroup\"\nauthserv_id = "
                                    "\"mx.example.org\"\n[dkim]\ninternal_networks = []\n");
  Process milter({MILTER, "-f", "-c", conf.string()}, (dir.path() / "milter").string());
  ASSERT_TRUE(wait_for_tcp(port)) << milter.output();

  mta::ClientOptions o;
  o.milter = *parse_socket_spec("inet:127.0.0.1:" + std::to_string(port));
  auto c = mta::Connection::open(o);
  ASSERT_TRUE(c) << c.error().message << milter.output();
  mta::Envelope e;
  e.client_ip = "203.0.113.5";
  e.client_name = "mail.sender.test";
  e.helo = "mail.sender.test";
  e.from = "carol@sender.test";
  e.rcpts = {"bob@example.org"};
  auto m = mta::parse_message(
      "From: Carol <carol@sender.test>\r\nTo: bob@example.org\r\nSubject: tcp\r\n\r\nHi.\r\n");
  ASSERT_TRUE(m) << m.error().message;

  std::vector<microseconds> took;
  for (int n = 0; n < 21; ++n) {
    e.macros[mta::cmd::mail] = {{"i", "TCP" + std::to_string(n)}};
    auto start = std::chrono::steady_clock::now();
    auto v = (*c)->run(e, *m);
    auto t = std::chrono::duration_cast<microseconds>(std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(v) << v.error().message << milter.output();
    ASSERT_EQ(v->action, mta::Action::accept) << v->reply;
    bool stamped = false;
    for (const auto& mod : v->modifications) stamped = stamped || mod.name == "Authentication-Results";
    ASSERT_TRUE(stamped) << "the milter must add a header for the stall to show";
    if (n > 0) took.push_back(t);  // the first message also warms the DNS cache
  }
  std::sort(took.begin(), took.end());
  const microseconds median = took[took.size() / 2];
  RecordProperty("median_us", static_cast<int>(median.count()));
  EXPECT_LT(median, microseconds(20000)) << "median " << median.count() << " us: the delayed-ACK stall";
}

}  // namespace
}  // namespace postern::test
