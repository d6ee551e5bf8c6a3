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

}  // namespace

int main(int argc, char** argv) {
  Options o;
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
    else {
      std::cerr << "usage: postern-auth-bench [--users N] [--logins N] [--connections N] [--samples N] "
                   "[--rounds N]\n";
      return 64;
    }
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

    test::DovecotOptions builtin;
    builtin.passdb_conf =
        "passdb {\n  driver = passwd-file\n  args = scheme=SHA512-CRYPT " + users_file + "\n}\n";
    test::DovecotOptions ours;
    ours.passdb_conf = "passdb {\n  driver = postern\n  args = " + conf.string() + "\n}\n";
    ours.auth_modules = {POSTERN_AUTH_MODULE};
    ours.extra_conf = "service auth {\n  vsz_limit = 4G\n}\n";

    Run b[2], p[2];
    {
      test::DovecotInstance d(builtin);
      std::string sock = (d.dir().path() / "run" / "auth-client").string();
      try {
        good_logins(sock, Options{o.users, o.connections * 4, o.connections, 0, o.rounds}, 200);  // warm-up
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string(e.what()) + "\n" + d.log());
      }
      b[0] = good_logins(sock, o, 1);
      b[1] = good_logins(sock, o, 2);
    }
    std::vector<double> unknown, wrong;
    {
      test::DovecotInstance d(ours);
      std::string sock = (d.dir().path() / "run" / "auth-client").string();
      try {
        good_logins(sock, Options{o.users, o.connections * 4, o.connections, 0, o.rounds}, 201);  // warm-up
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string(e.what()) + "\n" + d.log());
      }
      p[0] = good_logins(sock, o, 3);
      p[1] = good_logins(sock, o, 4);
      // Unknown user against wrong password, interleaved, each from its own address and for its own
      // user, so neither Dovecot's penalty nor our lockout thresholds come into play.
      bench::AuthClient client(sock);
      for (int i = 0; i < o.samples; ++i) {
        int u = i % o.users;
        auto t0 = Steady::now();
        client.plain("nobody" + std::to_string(i) + "@bench.example", "pw-x", rip(100, i));
        unknown.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        t0 = Steady::now();
        client.plain("user" + std::to_string(u) + "@bench.example", "wrong-" + std::to_string(i),
                     rip(101, i));
        wrong.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
      }
    }

    // In-process: a refusal while locked against one hash verification.
    FakeClock fake;
    MemoryStore store(fake);
    AuthConfig cfg;
    cfg.passwd_file = users_file;
    cfg.dummy_rounds = o.rounds;
    cfg.lockout.user_failures = 1;
    auto auth =
        Authenticator::create(cfg, make_passwd_file_source(users_file, nullptr), &store, fake, nullptr);
    auto ip = *IpAddress::parse("203.0.113.1");
    (*auth)->authenticate("user0@bench.example", "bad", ip);
    const int refusals = 20000, hashes = 200;
    auto t0 = Steady::now();
    for (int i = 0; i < refusals; ++i) {
      if ((*auth)->authenticate("user0@bench.example", "pw-0", ip).status != AuthStatus::refused) {
        std::cerr << "expected a refusal\n";
        return 1;
      }
    }
    double refusal_us = std::chrono::duration<double, std::micro>(Steady::now() - t0).count() / refusals;
    auto stored =
        parse_stored_password(users.substr(users.find(':') + 1, users.find("::") - users.find(':') - 1));
    t0 = Steady::now();
    for (int i = 0; i < hashes; ++i) (void)verify_password(*stored, "pw-0");
    double hash_us = std::chrono::duration<double, std::micro>(Steady::now() - t0).count() / hashes;

    // In-process: unknown user against wrong password through the Authenticator (no Dovecot
    // batching in between), interleaved, lockout counting on but far from its thresholds.
    AuthConfig tcfg = cfg;
    tcfg.lockout.user_failures = 1000000;
    tcfg.lockout.network_failures = 1000000;
    tcfg.lockout.distributed_failures = 1000000;
    MemoryStore tstore(fake);
    auto tauth =
        Authenticator::create(tcfg, make_passwd_file_source(users_file, nullptr), &tstore, fake, nullptr);
    std::vector<double> core_unknown, core_wrong;
    for (int i = 0; i < o.samples; ++i) {
      auto a = *IpAddress::parse(rip(102, i));
      auto t1 = Steady::now();
      (*tauth)->authenticate("nobody" + std::to_string(i) + "@bench.example", "pw-x", a);
      core_unknown.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t1).count());
      t1 = Steady::now();
      (*tauth)->authenticate("user" + std::to_string(i % o.users) + "@bench.example", "wrong", a);
      core_wrong.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t1).count());
    }

    double builtin_best = std::max(b[0].per_sec, b[1].per_sec),
           ours_best = std::max(p[0].per_sec, p[1].per_sec);
    std::cout
        << "## Dovecot passdb (postern-auth-bench)\n\n"
        << "Machine: " << cpu_model() << ", " << std::thread::hardware_concurrency() << " CPUs. " << o.users
        << " users, SHA512-CRYPT rounds=" << o.rounds << ", " << o.logins
        << " good PLAIN logins per round over " << o.connections
        << " auth-client connections, 2 rounds each.\n\n"
        << "| passdb | round | logins/s | p50 ms | p99 ms | ok | fail |\n|---|---|---|---|---|---|---|\n";
    for (int r = 0; r < 2; ++r)
      std::cout << "| passwd-file (Dovecot built-in) | " << r + 1 << " | " << static_cast<int>(b[r].per_sec)
                << " | " << b[r].p50 << " | " << b[r].p99 << " | " << b[r].ok << " | " << b[r].fail << " |\n";
    for (int r = 0; r < 2; ++r)
      std::cout << "| postern | " << r + 1 << " | " << static_cast<int>(p[r].per_sec) << " | " << p[r].p50
                << " | " << p[r].p99 << " | " << p[r].ok << " | " << p[r].fail << " |\n";
    std::cout << "\nThroughput ratio (best round each): postern / passwd-file = " << ours_best / builtin_best
              << "\n\n"
              << "Unknown user vs wrong password through Dovecot (" << o.samples << " each, interleaved):\n\n"
              << "| case | mean ms | median ms | stddev ms |\n|---|---|---|---|\n"
              << "| unknown user | " << mean(unknown) << " | " << percentile(unknown, 0.5) << " | "
              << stddev(unknown) << " |\n"
              << "| wrong password | " << mean(wrong) << " | " << percentile(wrong, 0.5) << " | "
              << stddev(wrong) << " |\n\n";
    double se = std::sqrt(stddev(unknown) * stddev(unknown) / unknown.size() +
                          stddev(wrong) * stddev(wrong) / wrong.size());
    std::cout << "Welch t = " << (se > 0 ? (mean(unknown) - mean(wrong)) / se : 0)
              << " (|t| < 2: no detectable difference; Dovecot releases failures on a 500 ms timer)\n\n";
    double cse = std::sqrt(stddev(core_unknown) * stddev(core_unknown) / core_unknown.size() +
                           stddev(core_wrong) * stddev(core_wrong) / core_wrong.size());
    std::cout << "In-process (Authenticator, no Dovecot timer in between): unknown user mean "
              << mean(core_unknown) << " ms (median " << percentile(core_unknown, 0.5)
              << "), wrong password mean " << mean(core_wrong) << " ms (median "
              << percentile(core_wrong, 0.5)
              << "), Welch t = " << (cse > 0 ? (mean(core_unknown) - mean(core_wrong)) / cse : 0) << "\n\n"
              << "In-process: refusal while locked " << refusal_us << " us, one SHA512-CRYPT verification "
              << hash_us << " us: refusal is " << hash_us / refusal_us << "x faster.\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "postern-auth-bench: " << e.what() << "\n";
    return 1;
  }
}
