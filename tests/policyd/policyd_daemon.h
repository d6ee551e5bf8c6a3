// Test helpers for the real postern-policyd binary (POLICYD, defined per test target): a daemon on
// an inet loopback port with its own configuration in a temporary directory, its test clock file,
// and a one-shot policy client and a reply reader. Trusts its callers (tests).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/daemon/daemon_clock.h"
#include "tests/harness/config_sections.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/installed.h"
#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {

struct PolicydOptions {
  std::string log_destination = "stderr";  // the daemon runs with -f, which does not imply stderr
  std::string log_level = "debug";
  std::string policyd;                                     // extra [policyd] lines
  std::string user = "nobody", group = "nogroup";          // [policyd] user, group
  std::string dns = "timeout = \"300ms\"\nretries = 0\n";  // [dns] lines besides servers
  std::string greylist = "delay = 1\n";
  std::string dnsbl =
      "ip_lists = [\"bl.test=127.0.0.[2..11]*10\", \"wl.test=127.0.[0..255].[1..3]*-5\"]\ntimeout = "
      "\"500ms\"\n";
  // Appended after [policyd.dnsbl]: further tables, e.g. "[policyd.ratelimit]\n...".
  std::string extra;
  // Run the daemon through this command line first, e.g. {"prlimit", "--nofile=64:64", "--"}.
  std::vector<std::string> wrapper;
  // The daemon's environment besides the test's own (e.g. TestClockFile::env below).
  std::map<std::string, std::string> env;
  // LocalPolicyd: run the daemon on a test clock (LocalPolicyd::clock).
  bool test_clock = false;
};

// The daemon's test clock (common/daemon/daemon_clock.h, a POSTERN_TEST_HOOKS build): a file whose
// duration the daemon adds to its wall time, so a test steps the daemon's time without sleeping.
struct TestClockFile {
  explicit TestClockFile(std::filesystem::path p) : path(std::move(p)) { set("0"); }
  // Steps the daemon's wall time to the system's plus `offset` ("66m", "2h", bare seconds), at
  // once: written beside and renamed, so the daemon never reads half a value.
  void set(const std::string& offset) const {
    const auto tmp = path.string() + ".new";
    std::ofstream(tmp) << offset << "\n";
    std::filesystem::rename(tmp, path);
  }
  std::map<std::string, std::string> env() const {
    return {{"POSTERN_TEST_CLOCK_OFFSET_FILE", path.string()}};
  }
  std::filesystem::path path;
};

// Why a daemon's clock cannot be stepped here ("" when it can): the installed package and an
// optimised build have no test hooks. Such a test skips (GTEST_SKIP) with this reason.
inline std::string test_clock_missing() {
  if (testing_installed())
    return "the installed programs are built without the test clock hook (POSTERN_TEST_HOOKS is never in a "
           "package)";
  if (!test_hooks_built())
    return "this build has no test hooks: configure with -DPOSTERN_TEST_HOOKS=ON (the debug and asan presets "
           "do)";
  return "";
}

// Time passing for a daemon on `clock`: with a test clock, steps it to `offset` and makes one
// attempt, which must succeed at once; without one (test_clock_missing(), e.g. the installed
// package), retries the attempt as a sender would until the real time has passed, within
// real_bound. True when the attempt succeeded.
inline bool after_time_passes(const TestClockFile& clock, const std::string& offset,
                              const std::function<bool()>& attempt,
                              std::chrono::milliseconds real_bound = std::chrono::seconds(15)) {
  if (test_clock_missing().empty()) {
    clock.set(offset);
    return attempt();
  }
  return wait_until(attempt, real_bound);
}

// A running postern-policyd on an inet port, with its own config.
struct Policyd {
  Policyd(const TempDir& dir, const std::string& name, const std::string& dns, const std::string& store_conf,
          const PolicydOptions& o = {})
      : port(free_tcp_port()) {
    auto conf = dir.write(
        name + ".conf", "[log]\ndestination = \"" + o.log_destination + "\"\nlevel = \"" + o.log_level +
                            "\"\n"
                            "[dns]\nservers = [\"" +
                            dns + "\"]\n" + o.dns + store_conf +
                            "[policyd]\nsocket = \"inet:127.0.0.1:" + std::to_string(port) + "\"\nuser = \"" +
                            o.user + "\"\ngroup = \"" + o.group + "\"\n" + o.policyd +
                            "[policyd.greylist]\n" + o.greylist + "[policyd.dnsbl]\n" + o.dnsbl + o.extra);
    std::vector<std::string> argv = o.wrapper;
    for (std::string a : {std::string(POLICYD), std::string("-f"), std::string("-c"), conf.string()})
      argv.push_back(std::move(a));
    proc = std::make_unique<Process>(std::move(argv), (dir / name).string(), o.env);
    if (!wait_for_tcp(port)) throw std::runtime_error("policyd did not start: " + proc->output());
  }
  int port;
  std::unique_ptr<Process> proc;
};

// The [store] section of an LMDB store in dir/state.
inline std::string lmdb_store_conf(const TempDir& dir) { return lmdb_store_section(dir.path() / "state"); }

// A daemon over LMDB in its own temporary directory (its config at dir/policyd.conf), with its own
// test DNS server.
struct LocalPolicyd {
  LocalPolicyd(const std::string& tag, PolicydOptions o) : dir(tag), clock(dir.path() / "clock-offset") {
    chmod(dir.path().c_str(), 0755);
    if (o.test_clock) o.env.merge(clock.env());
    daemon = std::make_unique<Policyd>(dir, "policyd", dns.address(), lmdb_store_conf(dir), o);
  }
  TestDnsServer dns;
  TempDir dir;
  TestClockFile clock;  // the daemon's with PolicydOptions::test_clock
  std::unique_ptr<Policyd> daemon;
};

// Reads one reply (up to the empty line) from fd within the timeout; "" if none came.
inline std::string read_reply(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  const auto until = std::chrono::steady_clock::now() + timeout;
  char buf[1024];
  while (out.find("\n\n") == std::string::npos && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Sends one policy request over a fresh connection; returns the reply ("" if closed without one).
inline std::string ask(int port, const std::string& request) {
  int fd = connect_loopback(port);
  if (fd < 0) return "connect failed";
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  while (out.find("\n\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

inline std::string request(const std::string& ip, const std::string& sender = "s@outside.test",
                           const std::string& rcpt = "alice@example.org",
                           const std::string& helo = "outside.test") {
  return "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=" + ip +
         "\nclient_name=unknown\nreverse_client_name=unknown\nhelo_name=" + helo + "\nsender=" + sender +
         "\nrecipient=" + rcpt + "\n\n";
}

}  // namespace postern::test
