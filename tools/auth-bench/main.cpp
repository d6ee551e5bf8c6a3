// postern-auth-bench: Postern's Dovecot passdb against Dovecot's built-in passwd-file passdb, in
// the same run, on the same users file (the same SHA512-CRYPT hashes), through Dovecot's
// auth-client socket over concurrent connections. Also measures, through Dovecot, how long
// unknown users and wrong passwords take (they must be indistinguishable), and, in-process, a
// lockout refusal against one hash verification. Prints a Markdown report for
// docs/PERFORMANCE.md. Run as root on Debian 12 (it starts private Dovecot instances on loopback).
//   postern-auth-bench [--users N] [--logins N] [--connections N] [--samples N] [--rounds N]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include "common/auth/auth_config.h"
#include "common/auth/authenticator.h"
#include "common/auth/password_hash.h"
#include "common/core/mutex.h"
#include "common/store/memory_store.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/temp_dir.h"
#include "tools/auth-bench/auth_client.h"

namespace {

using Steady = std::chrono::steady_clock;
using namespace postern;

struct Options {
  int users = 200;
  int logins = 3000;
  int connections = 8;
  int samples = 300;
  int64_t rounds = 5000;
};

std::string rip(int a, int b) {
  return "10." + std::to_string(a % 250) + "." + std::to_string(b / 250 % 250) + "." +
         std::to_string(b % 250 + 1);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}
double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}
double stddev(const std::vector<double>& v) {
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.size() < 2 ? 0 : std::sqrt(s / static_cast<double>(v.size() - 1));
}

struct Run {
  double per_sec = 0, p50 = 0, p99 = 0;
  int ok = 0, fail = 0;
};

Run good_logins(const std::string& socket, const Options& o, int salt) {
  std::atomic<int> ok{0}, fail{0};
  Mutex error_mu;  // guards error
  std::string error;
  std::vector<std::vector<double>> lat(static_cast<size_t>(o.connections));
  auto start = Steady::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, c] {
      try {
        bench::AuthClient client(socket);
        for (int i = c; i < o.logins; i += o.connections) {
          int u = i % o.users;
          auto t0 = Steady::now();
          bool r = client.plain("user" + std::to_string(u) + "@bench.example", "pw-" + std::to_string(u),
                                rip(salt, i));
          lat[static_cast<size_t>(c)].push_back(
              std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
          (r ? ok : fail)++;
        }
      } catch (const std::exception& e) {
        MutexLock lock(error_mu);
        error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  double secs = std::chrono::duration<double>(Steady::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  return {static_cast<double>(o.logins) / secs, percentile(all, 0.5), percentile(all, 0.99), ok.load(),
          fail.load()};
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// What the Dovecot rounds measured: good logins per passdb, and the unknown-user against
// wrong-password latencies through ours.
struct DovecotRuns {
  Run builtin[2], ours[2];
  std::vector<double> unknown, wrong;
};

// What the in-process runs measured (the Authenticator without Dovecot in between).
struct CoreRuns {
  double refusal_us = 0, hash_us = 0;
  std::vector<double> unknown, wrong;
};

// Reads --users/--logins/--connections/--samples/--rounds; false on anything else.
bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (a == "--users")
      o.users = v;
    else if (a == "--logins")
      o.logins = v;
    else if (a == "--connections")
      o.connections = v;
    else if (a == "--samples")
      o.samples = v;
    else if (a == "--rounds")
      o.rounds = v;
    else
      return false;
  }
  return true;
}

// One Dovecot with this passdb: a warm-up, then two rounds of good logins into runs.
void good_login_rounds(const test::DovecotOptions& passdb, const Options& o, int salt, Run (&runs)[2],
                       const std::function<void(const std::string& socket)>& after = {}) {
  test::DovecotInstance d(passdb);
  std::string sock = (d.dir().path() / "run" / "auth-client").string();
  try {
    good_logins(sock, Options{o.users, o.connections * 4, o.connections, 0, o.rounds},
                200 + salt);  // warm-up
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + "\n" + d.log());
  }
  runs[0] = good_logins(sock, o, 1 + 2 * salt);
  runs[1] = good_logins(sock, o, 2 + 2 * salt);
  if (after) after(sock);
}

DovecotRuns dovecot_runs(const Options& o, const std::string& users_file, const std::string& conf) {
  DovecotRuns out;
  test::DovecotOptions builtin;
  builtin.passdb_conf =
      "passdb {\n  driver = passwd-file\n  args = scheme=SHA512-CRYPT " + users_file + "\n}\n";
  test::DovecotOptions ours;
  ours.passdb_conf = "passdb {\n  driver = postern\n  args = " + conf + "\n}\n";
  ours.auth_modules = {POSTERN_AUTH_MODULE};
  ours.extra_conf = "service auth {\n  vsz_limit = 4G\n}\n";
  good_login_rounds(builtin, o, 0, out.builtin);
  good_login_rounds(ours, o, 1, out.ours, [&](const std::string& sock) {
    // Unknown user against wrong password, interleaved, each from its own address and for its own
    // user, so neither Dovecot's penalty nor our lockout thresholds come into play.
    bench::AuthClient client(sock);
    for (int i = 0; i < o.samples; ++i) {
      int u = i % o.users;
      auto t0 = Steady::now();
      client.plain("nobody" + std::to_string(i) + "@bench.example", "pw-x", rip(100, i));
      out.unknown.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
      t0 = Steady::now();
      client.plain("user" + std::to_string(u) + "@bench.example", "wrong-" + std::to_string(i), rip(101, i));
      out.wrong.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    }
  });
  return out;
}

// In-process: a refusal while locked against one hash verification, then unknown user against
// wrong password through the Authenticator (no Dovecot batching in between), interleaved, lockout
// counting on but far from its thresholds.
Result<CoreRuns> core_runs(const Options& o, const std::string& users, const std::string& users_file) {
  CoreRuns out;
  FakeClock fake;
  MemoryStore store(fake);
  AuthConfig cfg;
  cfg.passwd_file = users_file;
  cfg.dummy_rounds = o.rounds;
  cfg.lockout.user_failures = 1;
  auto auth = Authenticator::create(cfg, make_passwd_file_source(users_file, nullptr), &store, fake, nullptr);
  auto ip = *IpAddress::parse("203.0.113.1");
  (*auth)->authenticate("user0@bench.example", "bad", ip);
  const int refusals = 20000, hashes = 200;
  auto t0 = Steady::now();
  for (int i = 0; i < refusals; ++i) {
    if ((*auth)->authenticate("user0@bench.example", "pw-0", ip).status != AuthStatus::refused)
      return Error::perm("expected a refusal");
  }
  out.refusal_us = std::chrono::duration<double, std::micro>(Steady::now() - t0).count() / refusals;
  auto stored =
      parse_stored_password(users.substr(users.find(':') + 1, users.find("::") - users.find(':') - 1));
  t0 = Steady::now();
  for (int i = 0; i < hashes; ++i) (void)verify_password(*stored, "pw-0");
  out.hash_us = std::chrono::duration<double, std::micro>(Steady::now() - t0).count() / hashes;

  AuthConfig tcfg = cfg;
  tcfg.lockout.user_failures = 1000000;
  tcfg.lockout.network_failures = 1000000;
  tcfg.lockout.distributed_failures = 1000000;
  MemoryStore tstore(fake);
  auto tauth =
      Authenticator::create(tcfg, make_passwd_file_source(users_file, nullptr), &tstore, fake, nullptr);
  for (int i = 0; i < o.samples; ++i) {
    auto a = *IpAddress::parse(rip(102, i));
    auto t1 = Steady::now();
    (*tauth)->authenticate("nobody" + std::to_string(i) + "@bench.example", "pw-x", a);
    out.unknown.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t1).count());
    t1 = Steady::now();
    (*tauth)->authenticate("user" + std::to_string(i % o.users) + "@bench.example", "wrong", a);
    out.wrong.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t1).count());
  }
  return out;
}

double welch_t(const std::vector<double>& a, const std::vector<double>& b) {
  double se = std::sqrt(stddev(a) * stddev(a) / a.size() + stddev(b) * stddev(b) / b.size());
  return se > 0 ? (mean(a) - mean(b)) / se : 0;
}

void print_report(const Options& o, const DovecotRuns& d, const CoreRuns& c) {
  double builtin_best = std::max(d.builtin[0].per_sec, d.builtin[1].per_sec),
         ours_best = std::max(d.ours[0].per_sec, d.ours[1].per_sec);
  std::cout << "## Dovecot passdb (postern-auth-bench)\n\n"
            << "Machine: " << cpu_model() << ", " << std::thread::hardware_concurrency() << " CPUs. "
            << o.users << " users, SHA512-CRYPT rounds=" << o.rounds << ", " << o.logins
            << " good PLAIN logins per round over " << o.connections
            << " auth-client connections, 2 rounds each.\n\n"
            << "| passdb | round | logins/s | p50 ms | p99 ms | ok | fail |\n|---|---|---|---|---|---|---|\n";
  auto row = [](const char* name, int round, const Run& r) {
    std::cout << "| " << name << " | " << round << " | " << static_cast<int>(r.per_sec) << " | " << r.p50
              << " | " << r.p99 << " | " << r.ok << " | " << r.fail << " |\n";
  };
  for (int r = 0; r < 2; ++r) row("passwd-file (Dovecot built-in)", r + 1, d.builtin[r]);
  for (int r = 0; r < 2; ++r) row("postern", r + 1, d.ours[r]);
  std::cout << "\nThroughput ratio (best round each): postern / passwd-file = " << ours_best / builtin_best
            << "\n\n"
            << "Unknown user vs wrong password through Dovecot (" << o.samples << " each, interleaved):\n\n"
            << "| case | mean ms | median ms | stddev ms |\n|---|---|---|---|\n"
            << "| unknown user | " << mean(d.unknown) << " | " << percentile(d.unknown, 0.5) << " | "
            << stddev(d.unknown) << " |\n"
            << "| wrong password | " << mean(d.wrong) << " | " << percentile(d.wrong, 0.5) << " | "
            << stddev(d.wrong) << " |\n\n";
  std::cout << "Welch t = " << welch_t(d.unknown, d.wrong)
            << " (|t| < 2: no detectable difference; Dovecot releases failures on a 500 ms timer)\n\n";
  std::cout << "In-process (Authenticator, no Dovecot timer in between): unknown user mean "
            << mean(c.unknown) << " ms (median " << percentile(c.unknown, 0.5) << "), wrong password mean "
            << mean(c.wrong) << " ms (median " << percentile(c.wrong, 0.5)
            << "), Welch t = " << welch_t(c.unknown, c.wrong) << "\n\n"
            << "In-process: refusal while locked " << c.refusal_us << " us, one SHA512-CRYPT verification "
            << c.hash_us << " us: refusal is " << c.hash_us / c.refusal_us << "x faster.\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) {
    std::cerr << "usage: postern-auth-bench [--users N] [--logins N] [--connections N] [--samples N] "
                 "[--rounds N]\n";
    return 64;
  }
  try {
    test::TempDir dir("postern-auth-bench");
    chmod(dir.path().c_str(), 0755);
    std::string users;
    for (int u = 0; u < o.users; ++u) {
      users += "user" + std::to_string(u) + "@bench.example:{SHA512-CRYPT}" +
               *make_sha512_crypt("pw-" + std::to_string(u), o.rounds) + "::::::\n";
    }
    auto users_file = dir.write("users", users).string();
    chmod(users_file.c_str(), 0644);
    auto state = dir.path() / "state";
    std::filesystem::create_directories(state);
    (void)!chown(state.c_str(), 0, 0);
    chmod(state.c_str(), 0777);
    auto conf = dir.write("postern.conf",
                          "[log]\ndestination = \"stderr\"\nlevel = \"warning\"\n[store]\nlmdb_path = \"" +
                              state.string() + "\"\n[auth]\npasswd_file = \"" + users_file +
                              "\"\ndummy_rounds = " + std::to_string(o.rounds) + "\n");
    DovecotRuns d = dovecot_runs(o, users_file, conf.string());
    auto c = core_runs(o, users, users_file);
    if (!c) {
      std::cerr << c.error().message << "\n";
      return 1;
    }
    print_report(o, d, *c);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "postern-auth-bench: " << e.what() << "\n";
    return 1;
  }
}
