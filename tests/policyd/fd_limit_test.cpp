// postern-policyd out of file descriptors, through the real daemon started under a low
// RLIMIT_NOFILE (prlimit, soft and hard 64, so the daemon cannot raise it): it says at start that
// the limit is below what max_connections needs; once connections have taken every descriptor,
// accept() fails with EMFILE, which is logged once (not once per attempt) and does not make the
// daemon spin (its CPU time over a second, from /proc/PID/stat, stays small); a listed client asked
// about on a connection already open is not let through although its DNS list lookup can get no
// socket (on_local_failure, default defer); and once the connections close the daemon accepts and
// answers again, the DNS list included.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/policyd/policyd_daemon.h"

namespace postern::test {
namespace {

constexpr int kFdLimit = 64;
constexpr int kFlood = 120;  // more connections than the daemon has descriptors
const std::string kReject = "action=554 5.7.1 Service unavailable; client [192.0.2.";
const std::string kLocalFailure =
    "action=DEFER_IF_PERMIT 4.3.0 Temporary DNS list failure, please try again\n\n";

TEST(PolicydFdLimit, OutOfDescriptorsTheDaemonPausesLogsOnceAndLetsNoListedClientThrough) {
  PolicydOptions o;
  o.log_level = "info";
  o.wrapper = {"prlimit", "--nofile=" + std::to_string(kFdLimit) + ":" + std::to_string(kFdLimit), "--"};
  LocalPolicyd local("postern-policyd-fdlimit", o);  // max_connections left at 1000
  Policyd& daemon = *local.daemon;
  local.dns.add("5.2.0.192.bl.test", "A", "127.0.0.2");
  local.dns.add("6.2.0.192.bl.test", "A", "127.0.0.2");
  ASSERT_TRUE(wait_until([&] { return daemon.proc->output().find("started") != std::string::npos; },
                         std::chrono::seconds(5)));
  EXPECT_EQ(occurrences(daemon.proc->output(), "fd_limit_low"), 1u) << daemon.proc->output();
  // Within the limit the list works.
  EXPECT_EQ(ask(daemon.port, request("192.0.2.5")).rfind(kReject, 0), 0u);

  // A connection the daemon has accepted (it is answered), then many more.
  int held = connect_loopback(daemon.port);
  ASSERT_GE(held, 0);
  const std::string unlisted = request("198.51.100.1", "first@outside.test");
  ASSERT_EQ(send(held, unlisted.data(), unlisted.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(unlisted.size()));
  ASSERT_NE(read_reply(held, std::chrono::seconds(5)), "");
  std::vector<int> flood;
  for (int i = 0; i < kFlood; ++i) {
    int fd = connect_loopback(daemon.port);
    ASSERT_GE(fd, 0) << "connection " << i;
    flood.push_back(fd);
  }
  ASSERT_TRUE(
      wait_until([&] { return daemon.proc->output().find("accept_failed error=") != std::string::npos; },
                 std::chrono::seconds(5)))
      << daemon.proc->output();

  // At the limit, over one second: the listed client on the held connection is not let through
  // (its lookup gets no socket), and the daemon does not spin on the listening socket.
  const long ticks_before = cpu_ticks(daemon.proc->pid());
  ASSERT_GE(ticks_before, 0);
  const auto start = std::chrono::steady_clock::now();
  const std::string listed = request("192.0.2.6", "spam@outside.test");
  ASSERT_EQ(send(held, listed.data(), listed.size(), MSG_NOSIGNAL), static_cast<ssize_t>(listed.size()));
  EXPECT_EQ(read_reply(held, std::chrono::seconds(5)), kLocalFailure);
  // The last connections wait in the listen queue: nothing is read from them meanwhile.
  pollfd p{flood.back(), POLLIN, 0};
  const auto left = std::chrono::seconds(1) - (std::chrono::steady_clock::now() - start);
  EXPECT_EQ(
      poll(&p, 1, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count())), 0);
  const long ticks = cpu_ticks(daemon.proc->pid()) - ticks_before;
  const long per_second = sysconf(_SC_CLK_TCK);
  EXPECT_LT(ticks, per_second / 10) << "the daemon used " << ticks << " ticks of CPU in about a second";
  RecordProperty("cpu_ticks_at_limit", static_cast<int>(ticks));
  EXPECT_EQ(occurrences(daemon.proc->output(), "accept_failed error="), 1u);
  EXPECT_EQ(occurrences(daemon.proc->output(), "dnsbl_unavailable"), 1u) << daemon.proc->output();

  // Descriptors free up: the daemon accepts again and the list works again.
  for (int fd : flood) close(fd);
  EXPECT_TRUE(wait_until([&] { return ask(daemon.port, request("192.0.2.6")).rfind(kReject, 0) == 0; },
                         std::chrono::seconds(10)))
      << daemon.proc->output();
  // The streak ends at the first accept 2 s after its last failure.
  EXPECT_TRUE(wait_until(
      [&] {
        (void)ask(daemon.port, request("198.51.100.2", "later@outside.test"));
        return daemon.proc->output().find("accept_recovered") != std::string::npos;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(occurrences(daemon.proc->output(), "accept_failed error="), 1u);
  close(held);
}

}  // namespace
}  // namespace postern::test
