// postern-policyd under many simultaneous persistent connections, as Postfix opens one per smtpd
// process: 300 connections (within the default max_connections) each make several requests at
// once over the LMDB store, while silent clients and clients stuck in the middle of a request hold
// their own connections. Every request must get its exact answer, promptly (bounded by deadlines,
// never by sleeping), and the stalled clients must still be served when they finally finish. A
// client that floods requests without reading the replies is dropped after the idle timeout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/temp_dir.h"
#include "tests/policyd/policyd_daemon.h"

namespace postern::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kConnections = 300;
constexpr int kRequestsEach = 6;
constexpr int kSilent = 5;
constexpr int kStalled = 5;
constexpr auto kRunDeadline = std::chrono::seconds(25);
constexpr auto kMaxLatency = std::chrono::seconds(5);
const std::string kDefer = "action=DEFER_IF_PERMIT 4.7.1 Greylisted, please try again in 300 seconds\n\n";

// Enough descriptors for both ends (the daemon inherits the limit): raise the soft limit if needed.
void raise_file_limit(rlim_t want) {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= want) return;
  r.rlim_cur = std::min(want, r.rlim_max);
  setrlimit(RLIMIT_NOFILE, &r);
}

// The k-th request of connection c and its exact expected answer. New triplets (distinct per
// connection and request) are deferred for the whole delay; other stages and trusted networks get
// DUNNO, so every answer is known in advance.
std::pair<std::string, std::string> exchange(int c, int k) {
  std::string ip = "198.18." + std::to_string(c / 200) + "." + std::to_string(c % 200 + 1);
  std::string sender = "s" + std::to_string(c) + "-" + std::to_string(k) + "@outside.test";
  switch (k % 3) {
    case 0:
      return {request(ip, sender), kDefer};
    case 1: {
      std::string r = request(ip, sender);
      r.replace(r.find("protocol_state=RCPT"), 19, "protocol_state=DATA");
      return {r, "action=DUNNO\n\n"};
    }
    default:
      return {request("10.1." + std::to_string(c / 200) + "." + std::to_string(c % 200 + 1), sender),
              "action=DUNNO\n\n"};
  }
}

struct Conn {
  int fd = -1;
  int next = 0;  // requests answered so far
  std::string expected, got;
  Clock::time_point asked;
};

bool send_all(int fd, const std::string& s) {
  size_t off = 0;
  auto until = Clock::now() + std::chrono::seconds(5);
  while (off < s.size() && Clock::now() < until) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, 100);
    } else {
      return false;
    }
  }
  return off == s.size();
}

// Options for a daemon that greylists at the default delay (300 s) and uses no DNS lists.
PolicydOptions greylist_only(const std::string& policyd_lines, const std::string& log_level = "debug") {
  PolicydOptions o;
  o.log_level = log_level;
  o.policyd = policyd_lines;
  o.greylist = "";
  o.dnsbl = "";
  return o;
}

TEST(PolicydConcurrency, HundredsOfPersistentConnectionsWithSilentAndStalledClients) {
  raise_file_limit(4096);
  // max_connections left at its default
  LocalPolicyd local("postern-policyd-concurrency", greylist_only("trusted_networks = [\"10.0.0.0/8\"]\n"));
  Policyd& daemon = *local.daemon;

  // Clients that connect and never say anything, and clients stuck in the middle of a request.
  std::vector<int> silent, stalled;
  const std::string partial = "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=19";
  for (int i = 0; i < kSilent; ++i) silent.push_back(connect_loopback(daemon.port));
  for (int i = 0; i < kStalled; ++i) {
    stalled.push_back(connect_loopback(daemon.port));
    ASSERT_TRUE(send_all(stalled.back(), partial));
  }
  for (int fd : silent) ASSERT_GE(fd, 0);
  for (int fd : stalled) ASSERT_GE(fd, 0);

  std::vector<Conn> conns(kConnections);
  for (auto& c : conns) {
    c.fd = connect_loopback(daemon.port);
    ASSERT_GE(c.fd, 0) << "connect failed: " << strerror(errno);
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
  }
  // Every connection asks at once, then asks again as soon as its answer is in.
  auto ask_next = [](Conn& c, int index) {
    auto [req, want] = exchange(index, c.next);
    c.expected = want;
    c.got.clear();
    c.asked = Clock::now();
    return send_all(c.fd, req);
  };
  for (int i = 0; i < kConnections; ++i) ASSERT_TRUE(ask_next(conns[i], i));

  const auto start = Clock::now();
  Clock::duration worst{};
  int done = 0, wrong = 0;
  std::string first_wrong;
  std::vector<pollfd> pfds(kConnections);
  while (done < kConnections && Clock::now() - start < kRunDeadline) {
    for (int i = 0; i < kConnections; ++i)
      pfds[i] = {conns[i].fd, static_cast<short>(conns[i].fd >= 0 ? POLLIN : 0), 0};
    if (poll(pfds.data(), pfds.size(), 200) <= 0) continue;
    for (int i = 0; i < kConnections; ++i) {
      Conn& c = conns[i];
      if (c.fd < 0 || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[2048];
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n <= 0) {
        ++wrong;
        if (first_wrong.empty())
          first_wrong = "connection " + std::to_string(i) + " closed after " + std::to_string(c.next);
        close(c.fd);
        c.fd = -1;
        ++done;
        continue;
      }
      c.got.append(buf, static_cast<size_t>(n));
      if (c.got.find("\n\n") == std::string::npos) continue;
      worst = std::max(worst, Clock::now() - c.asked);
      if (c.got != c.expected) {
        ++wrong;
        if (first_wrong.empty()) first_wrong = c.got + " instead of " + c.expected;
      }
      if (++c.next == kRequestsEach) {
        ++done;
        continue;
      }
      if (!ask_next(c, i)) {
        ++wrong;
        close(c.fd);
        c.fd = -1;
        ++done;
      }
    }
  }
  const auto elapsed = Clock::now() - start;
  int answered = 0;
  for (const auto& c : conns) answered += c.next;
  EXPECT_EQ(answered, kConnections * kRequestsEach) << "within " << kRunDeadline.count() << " s";
  EXPECT_EQ(wrong, 0) << first_wrong;
  EXPECT_LT(worst, kMaxLatency) << "slowest answer "
                                << std::chrono::duration_cast<std::chrono::milliseconds>(worst).count()
                                << " ms";
  RecordProperty("elapsed_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  RecordProperty("worst_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(worst).count()));

  // The stalled clients finish their requests now and are answered; the silent ones are still
  // connected (not dropped for others' sake) and a new client is served at once.
  for (size_t i = 0; i < stalled.size(); ++i) {
    std::string rest =
        "8.51.100." + std::to_string(i + 1) +
        "\nclient_name=unknown\nhelo_name=h.test\nsender=late@outside.test\nrecipient=a@example.org\n\n";
    ASSERT_TRUE(send_all(stalled[i], rest));
    EXPECT_EQ(read_reply(stalled[i], std::chrono::seconds(5)), kDefer) << "stalled client " << i;
  }
  for (int fd : silent) {
    char b;
    EXPECT_EQ(recv(fd, &b, 1, MSG_DONTWAIT), -1) << "a silent client was disconnected";
    EXPECT_EQ(errno, EAGAIN);
  }
  EXPECT_EQ(ask(daemon.port, request("198.51.100.200", "fresh@outside.test")), kDefer);
  for (auto& c : conns) {
    if (c.fd >= 0) close(c.fd);
  }
  for (int fd : silent) close(fd);
  for (int fd : stalled) close(fd);
  EXPECT_EQ(daemon.proc->output().find("connection_refused"), std::string::npos);
  EXPECT_EQ(daemon.proc->output().find("store_failure"), std::string::npos)
      << daemon.proc->output().substr(0, 2000);
}

TEST(PolicydConcurrency, AClientThatNeverReadsItsRepliesIsDroppedAndOthersAreServed) {
  LocalPolicyd local("postern-policyd-noread", greylist_only("idle_timeout = \"1s\"\n", "warning"));
  Policyd& daemon = *local.daemon;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(daemon.port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  // Pipelined requests (answered DUNNO, no store work), for as long as the daemon takes them: it
  // ends up blocked sending replies nobody reads and must give up on this client by itself.
  const std::string req = "request=smtpd_access_policy\n\n";  // the smallest valid request
  std::string chunk;
  while (chunk.size() < 65536) chunk += req;
  const std::string dropped_line = "client does not read its replies";
  size_t sent = 0;
  std::string other;
  bool dropped = false;
  const auto until = Clock::now() + std::chrono::seconds(30);
  while (!dropped && Clock::now() < until) {
    size_t off = sent % chunk.size();
    ssize_t n = send(fd, chunk.data() + off, chunk.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN) {
      break;  // reset: the daemon closed the connection
    } else {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, 100);
      dropped = daemon.proc->output().find(dropped_line) != std::string::npos;
    }
    // Meanwhile another client is answered at once.
    if (other.empty() && sent > (1u << 20))
      other = ask(daemon.port, request("198.51.100.200", "fresh@outside.test"));
  }
  EXPECT_EQ(other, kDefer);
  EXPECT_TRUE(wait_until([&] { return daemon.proc->output().find(dropped_line) != std::string::npos; },
                         std::chrono::seconds(5)))
      << "sent " << sent << " bytes\n"
      << daemon.proc->output();
  close(fd);
}

// Threads in the daemon process now.
int thread_count(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// Connections share a small pool of worker threads. With a pool of two, sixteen requests waiting
// for a DNS list that never answers (4 s deadline) must not hold up anyone else: a client whose
// lookups are answered is served at once meanwhile (the pool grows while workers wait), the
// waiting ones get their answers when the deadline passes (not listed, logged), and the pool
// shrinks back to its base size afterwards.
TEST(PolicydConcurrency, RequestsWaitingForASilentDnsListHoldUpNoOtherClient) {
  PolicydOptions o = greylist_only("workers = 2\n");
  o.dns = "timeout = \"4s\"\nretries = 0\n";
  o.dnsbl = "ip_lists = [\"bl.test=127.0.0.2*10\"]\ntimeout = \"4s\"\n";
  LocalPolicyd local("postern-policyd-slowdns", o);
  Policyd& daemon = *local.daemon;
  TestDnsServer& dns = local.dns;
  constexpr int kWaiting = 16;
  auto listed_name = [](int i) { return std::to_string(i) + ".2.0.192.bl.test"; };
  for (int i = 1; i <= kWaiting; ++i) dns.set_behavior(listed_name(i), DnsBehavior::drop);
  // "started" is logged once the pool's base threads run.
  ASSERT_TRUE(wait_until([&] { return daemon.proc->output().find("workers=2") != std::string::npos; },
                         std::chrono::seconds(5)))
      << daemon.proc->output();
  const int threads_at_rest = thread_count(daemon.proc->pid());
  ASSERT_GT(threads_at_rest, 0);

  std::vector<int> waiting;
  for (int i = 1; i <= kWaiting; ++i) {
    int fd = connect_loopback(daemon.port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(
        send_all(fd, request("192.0.2." + std::to_string(i), "w" + std::to_string(i) + "@outside.test")));
    waiting.push_back(fd);
  }
  // Every waiting request's lookup has reached the DNS server: sixteen workers are waiting now.
  ASSERT_TRUE(wait_until(
      [&] {
        int asked = 0;
        for (int i = 1; i <= kWaiting; ++i) asked += dns.queries(listed_name(i)) > 0;
        return asked == kWaiting;
      },
      std::chrono::seconds(3)));
  const auto asked_at = Clock::now();
  EXPECT_EQ(ask(daemon.port, request("198.51.100.9", "other@outside.test")), kDefer);
  const auto other_took = Clock::now() - asked_at;
  EXPECT_LT(other_took, std::chrono::seconds(2))
      << "another client waited " << std::chrono::duration_cast<std::chrono::milliseconds>(other_took).count()
      << " ms";
  EXPECT_GT(thread_count(daemon.proc->pid()), threads_at_rest) << "the pool did not grow";
  for (int fd : waiting) {  // still waiting for their lookups
    char b;
    EXPECT_EQ(recv(fd, &b, 1, MSG_DONTWAIT), -1);
  }
  for (size_t i = 0; i < waiting.size(); ++i) {
    EXPECT_EQ(read_reply(waiting[i], std::chrono::seconds(10)), kDefer) << "waiting client " << i;
    close(waiting[i]);
  }
  EXPECT_NE(daemon.proc->output().find("dnsbl_error"), std::string::npos);
  EXPECT_TRUE(wait_until([&] { return thread_count(daemon.proc->pid()) == threads_at_rest; },
                         std::chrono::seconds(20)))
      << thread_count(daemon.proc->pid()) << " threads, " << threads_at_rest << " at rest";
}

// True once the daemon has closed fd (end of file or reset), within timeout.
bool closed_by_daemon(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char b;
  return recv(fd, &b, 1, MSG_DONTWAIT) <= 0;
}

// idle_timeout is counted from a connection's last request: a silent client and one stuck in the
// middle of a request are closed (and logged) once it has passed, not before; a client that asked
// something since is still connected then and is answered.
TEST(PolicydConcurrency, SilentAndStalledConnectionsAreClosedAfterTheIdleTimeout) {
  LocalPolicyd local("postern-policyd-idle", greylist_only("idle_timeout = \"2s\"\n", "info"));
  Policyd& daemon = *local.daemon;
  int silent = connect_loopback(daemon.port);
  int stalled = connect_loopback(daemon.port);
  int active = connect_loopback(daemon.port);
  ASSERT_GE(silent, 0);
  ASSERT_GE(stalled, 0);
  ASSERT_GE(active, 0);
  ASSERT_TRUE(send_all(stalled, "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=19"));
  // Not closed within the first second (half the timeout); then the active client asks.
  EXPECT_FALSE(closed_by_daemon(silent, std::chrono::milliseconds(1000)));
  ASSERT_TRUE(send_all(active, request("198.51.100.7", "active@outside.test")));
  EXPECT_EQ(read_reply(active, std::chrono::seconds(5)), kDefer);
  // The silent and stalled ones go at about 2 s (the check runs four times per timeout).
  EXPECT_TRUE(closed_by_daemon(silent, std::chrono::seconds(5)));
  EXPECT_TRUE(closed_by_daemon(stalled, std::chrono::seconds(5)));
  char b;
  EXPECT_EQ(recv(active, &b, 1, MSG_DONTWAIT), -1) << "the active client was closed with the idle ones";
  EXPECT_TRUE(send_all(active, request("198.51.100.8", "again@outside.test")));
  EXPECT_EQ(read_reply(active, std::chrono::seconds(5)), kDefer);
  EXPECT_TRUE(wait_until([&] { return occurrences(daemon.proc->output(), "idle timeout") >= 2; },
                         std::chrono::seconds(5)))
      << daemon.proc->output();
  close(silent);
  close(stalled);
  close(active);
}

// Slowloris: a client that sends its request one byte every 200 ms is never silent for the idle
// timeout, but request_timeout (1 s here) counts from the request's first byte: it is closed at
// about 1 s, not before, with one log line, while a client sending whole requests is served.
TEST(PolicydConcurrency, AClientDribblingARequestIsClosedAtTheRequestDeadline) {
  LocalPolicyd local("postern-policyd-slowloris",
                     greylist_only("idle_timeout = \"5s\"\nrequest_timeout = \"1s\"\n", "info"));
  Policyd& daemon = *local.daemon;
  int slow = connect_loopback(daemon.port);
  ASSERT_GE(slow, 0);
  const std::string req = request("198.51.100.20", "slow@outside.test");
  const auto first_byte = Clock::now();
  bool closed = false;
  size_t sent = 0;
  // One byte, then up to 200 ms waiting for the daemon to close the connection; the whole request
  // would take far longer than the deadline (and than the idle timeout).
  while (!closed && sent < req.size() && Clock::now() - first_byte < std::chrono::seconds(8)) {
    if (send(slow, req.data() + sent, 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    ++sent;
    closed = closed_by_daemon(slow, std::chrono::milliseconds(200));
  }
  const auto took = Clock::now() - first_byte;
  EXPECT_TRUE(closed) << "sent " << sent << " of " << req.size() << " bytes";
  EXPECT_GE(took, std::chrono::milliseconds(900)) << "closed before the deadline";
  EXPECT_LT(took, std::chrono::milliseconds(2500))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  close(slow);
  // A client that sends whole requests is answered, on a new connection and on one kept open
  // across the deadline.
  EXPECT_EQ(ask(daemon.port, request("198.51.100.21", "normal@outside.test")), kDefer);
  int kept = connect_loopback(daemon.port);
  ASSERT_GE(kept, 0);
  ASSERT_TRUE(send_all(kept, request("198.51.100.22", "kept@outside.test")));
  EXPECT_EQ(read_reply(kept, std::chrono::seconds(5)), kDefer);
  EXPECT_FALSE(closed_by_daemon(kept, std::chrono::milliseconds(1500)));
  ASSERT_TRUE(send_all(kept, request("198.51.100.23", "kept-again@outside.test")));
  EXPECT_EQ(read_reply(kept, std::chrono::seconds(5)), kDefer);
  close(kept);
  EXPECT_TRUE(wait_until([&] { return occurrences(daemon.proc->output(), "request timeout") == 1; },
                         std::chrono::seconds(5)))
      << daemon.proc->output();
  EXPECT_EQ(occurrences(daemon.proc->output(), "request timeout"), 1u);
}

// Beyond max_connections a new connection is closed at once with one log line; the others are
// served, and a place that frees up is taken again.
TEST(PolicydConcurrency, ConnectionsBeyondMaxConnectionsAreRefusedAndLogged) {
  LocalPolicyd local("postern-policyd-maxconn", greylist_only("max_connections = 3\n", "warning"));
  Policyd& daemon = *local.daemon;
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {  // each answered, so each is accepted and counted
    held.push_back(connect_loopback(daemon.port));
    ASSERT_TRUE(send_all(held.back(), request("198.51.100." + std::to_string(i + 1))));
    ASSERT_EQ(read_reply(held.back(), std::chrono::seconds(30)), kDefer);
  }
  int extra = connect_loopback(daemon.port);
  ASSERT_GE(extra, 0);
  EXPECT_TRUE(closed_by_daemon(extra, std::chrono::seconds(30)));
  close(extra);
  EXPECT_TRUE(
      wait_until([&] { return daemon.proc->output().find("max_connections reached") != std::string::npos; },
                 std::chrono::seconds(30)));
  ASSERT_TRUE(send_all(held[0], request("198.51.100.9")));  // the held ones are still served
  EXPECT_EQ(read_reply(held[0], std::chrono::seconds(30)), kDefer);
  close(held[2]);
  EXPECT_TRUE(wait_until([&] { return ask(daemon.port, request("198.51.100.10")) == kDefer; },
                         std::chrono::seconds(30)));
  close(held[0]);
  close(held[1]);
}

}  // namespace
}  // namespace postern::test
