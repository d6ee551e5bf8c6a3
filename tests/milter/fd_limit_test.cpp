// postern-milter out of file descriptors, through the real daemon started under a low
// RLIMIT_NOFILE (prlimit, soft and hard 40, so the daemon cannot raise it). libmilter's listener
// retries a failed accept() at once (EMFILE is one of the errors it ignores), so at the limit it
// would spin at full CPU without a log line; the milter's accept() (milter/overrides/overrides.h) logs
// the failure once and backs off. Checked: the start-up warning about the limit, one accept_failed
// line while connections hold every descriptor, little CPU time over a second at the limit (from
// /proc/PID/stat), and a message handled normally once the connections close.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

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

constexpr int kFdLimit = 40;
constexpr int kFlood = 80;  // more connections than the milter has descriptors

TEST(MilterFdLimit, OutOfDescriptorsTheMilterLogsOnceDoesNotSpinAndRecovers) {
  TestDnsServer dns;
  TempDir dir("postern-milter-fdlimit");
  chmod(dir.path().c_str(), 0755);
  const std::string socket = (dir.path() / "milter.sock").string();
  auto conf = dir.write("postern.conf", "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" +
                                            dns.address() + "\"]\n[milter]\nsocket = \"unix:" + socket +
                                            "\"\nuser = \"nobody\"\ngroup = \"nogroup\"\nauthserv_id = "
                                            "\"mx.example.org\"\n[dkim]\ninternal_networks = []\n");
  chmod(conf.c_str(), 0644);
  Process milter({"prlimit", "--nofile=" + std::to_string(kFdLimit) + ":" + std::to_string(kFdLimit), "--",
                  MILTER, "-f", "-c", conf.string()},
                 (dir.path() / "milter").string());
  ASSERT_TRUE(wait_for_unix(socket)) << milter.output();
  ASSERT_TRUE(wait_until([&] { return milter.output().find("started") != std::string::npos; },
                         std::chrono::seconds(5)))
      << milter.output();
  EXPECT_EQ(occurrences(milter.output(), "fd_limit_low"), 1u) << milter.output();

  std::vector<int> flood;
  for (int i = 0; i < kFlood; ++i) {
    int fd = connect_unix(socket);
    ASSERT_GE(fd, 0) << "connection " << i;
    flood.push_back(fd);
  }
  ASSERT_TRUE(wait_until([&] { return milter.output().find("accept_failed error=") != std::string::npos; },
                         std::chrono::seconds(5)))
      << milter.output();
  // One second at the limit, spent reading (with a deadline) a connection still in the queue.
  const long before = cpu_ticks(milter.pid());
  ASSERT_GE(before, 0);
  pollfd p{flood.back(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 1000), 0);
  const long ticks = cpu_ticks(milter.pid()) - before;
  EXPECT_LT(ticks, sysconf(_SC_CLK_TCK) / 10) << "the milter used " << ticks << " ticks of CPU in a second";
  RecordProperty("cpu_ticks_at_limit", static_cast<int>(ticks));
  EXPECT_EQ(occurrences(milter.output(), "accept_failed error="), 1u) << milter.output();

  // Descriptors free up: a message goes through again.
  for (int fd : flood) close(fd);
  mta::ClientOptions o;
  o.milter = *parse_socket_spec("unix:" + socket);
  std::string outcome;
  EXPECT_TRUE(wait_until(
      [&] {
        auto c = mta::Connection::open(o);
        if (!c) return false;
        mta::Envelope e;
        e.client_ip = "192.0.2.10";
        e.from = "someone@example.net";
        e.rcpts = {"bob@example.org"};
        auto m = mta::parse_message(
            "From: someone@example.net\r\nTo: bob@example.org\r\nSubject: x\r\n\r\nHi.\r\n");
        if (!m) return false;
        auto v = (*c)->run(e, *m);
        outcome = v ? "ran" : v.error().message;
        return v.ok();
      },
      std::chrono::seconds(10)))
      << outcome << "\n"
      << milter.output();
  // The streak ends at the first accept 2 s after its last failure.
  EXPECT_TRUE(wait_until(
      [&] {
        int fd = connect_unix(socket);
        if (fd >= 0) close(fd);
        return milter.output().find("accept_recovered") != std::string::npos;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(occurrences(milter.output(), "accept_failed error="), 1u) << milter.output();
  EXPECT_TRUE(milter.running());
}

}  // namespace
}  // namespace postern::test
