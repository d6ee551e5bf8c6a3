// postern-testdns: TestDnsServer as a standalone process for the demo and the daemon integration
// tests. Arguments: --port N (0 = choose one), --zone FILE (repeatable),
// --fail NAME=servfail|timeout|refused (repeatable). Prints "listening 127.0.0.1:PORT" on stdout
// once it answers, then serves until SIGTERM or SIGINT. Trusts its command line (test tooling).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "tests/harness/dns_server.h"

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: postern-testdns [--port N] [--zone FILE]... [--fail NAME=servfail|timeout|refused]...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::vector<std::string> zones;
  std::vector<std::pair<std::string, postern::test::DnsBehavior>> fails;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string val = argv[++i];
    if (arg == "--port") {
      char* end = nullptr;
      long p = std::strtol(val.c_str(), &end, 10);
      if (val.empty() || *end != '\0' || p < 0 || p > 65535) return usage();
      port = static_cast<int>(p);
    } else if (arg == "--zone") {
      zones.push_back(val);
    } else if (arg == "--fail") {
      size_t eq = val.find('=');
      if (eq == std::string::npos) return usage();
      std::string kind = val.substr(eq + 1);
      postern::test::DnsBehavior b;
      if (kind == "servfail") {
        b = postern::test::DnsBehavior::servfail;
      } else if (kind == "timeout") {
        b = postern::test::DnsBehavior::drop;
      } else if (kind == "refused") {
        b = postern::test::DnsBehavior::refused;
      } else {
        return usage();
      }
      fails.emplace_back(val.substr(0, eq), b);
    } else {
      return usage();
    }
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the server thread starts, so it inherits it

  try {
    postern::test::TestDnsServer server(port);
    for (const auto& z : zones) {
      if (!server.load_zone(z)) {
        std::fprintf(stderr, "postern-testdns: cannot load zone file %s\n", z.c_str());
        return 1;
      }
    }
    for (const auto& [name, b] : fails) server.set_behavior(name, b);
    std::printf("listening %s\n", server.address().c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "postern-testdns: %s\n", e.what());
    return 1;
  }
  return 0;
}
