// postern-policy-bench: drives a policy service (postern-policyd, postgrey, ...) over many
// persistent connections, as Postfix's smtpd processes do, and reports throughput and latency.
//   postern-policy-bench --port P [--connections 32] [--requests 200000] [--new-percent 50]
//                        [--listed-percent 0] [--seed 1] [--first 0] [--client-pool 0]
// Each connection sends one request, waits for the reply, sends the next. A request is a new
// triplet (a client/sender/recipient never seen), a repeat of one of 1000 recurring triplets, or
// (with --listed-percent) a client in 192.0.2.0/24, which the benchmark's DNS lists list. New
// triplets come from a new client address each, or with --client-pool N from N addresses (a
// bounded population of sending MTAs, whose DNS list answers a resolver cache keeps).
// Requests are numbered from --first, so a run with --new-percent 100 and a distinct --first can
// prefill a store with that many entries that later runs never hit by accident.
// Prints one line: requests, seconds, requests/s, p50/p99/max latency in ms, errors, and how many
// answers were deferrals (DEFER_IF_PERMIT), rejections (REJECT or a 5xx code) and anything else.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  int port = 0;
  int connections = 32;
  long requests = 200000;
  int new_percent = 50;
  int listed_percent = 0;
  unsigned seed = 1;
  long first = 0;
  long client_pool = 0;
};

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    long v = std::atol(argv[i + 1]);
    if (k == "--port")
      o.port = static_cast<int>(v);
    else if (k == "--connections")
      o.connections = static_cast<int>(v);
    else if (k == "--requests")
      o.requests = v;
    else if (k == "--new-percent")
      o.new_percent = static_cast<int>(v);
    else if (k == "--listed-percent")
      o.listed_percent = static_cast<int>(v);
    else if (k == "--seed")
      o.seed = static_cast<unsigned>(v);
    else if (k == "--first")
      o.first = v;
    else if (k == "--client-pool")
      o.client_pool = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 64;
    }
  }
  if (o.port <= 0 || o.connections <= 0) {
    std::fprintf(stderr, "usage: postern-policy-bench --port P [--connections N] [--requests M] ...\n");
    return 64;
  }
  std::atomic<long> next{0}, errors{0}, deferred{0}, rejected{0}, other{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(o.connections));
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 rng(o.seed * 7919u + static_cast<unsigned>(c));
      int fd = connect_to(o.port);
      if (fd < 0) {
        ++errors;
        return;
      }
      auto& lat = latencies[static_cast<size_t>(c)];
      std::string req, reply;
      char buf[4096];
      while (true) {
        long i = next++;
        if (i >= o.requests) break;
        long n = o.first + i;
        int roll = static_cast<int>(rng() % 100);
        std::string client, sender, rcpt;
        if (roll < o.listed_percent) {
          client = "192.0.2." + std::to_string(n % 250 + 1);
          sender = "spam" + std::to_string(n) + "@spam.example";
          rcpt = "user" + std::to_string(n % 100) + "@example.org";
        } else if (roll < o.listed_percent + o.new_percent) {
          long a = o.client_pool > 0 ? n % o.client_pool : n;
          client = "10." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
                   std::to_string(a & 255);
          sender = "s" + std::to_string(n) + "@sender" + std::to_string(n % 977) + ".example";
          rcpt = "user" + std::to_string(n % 1000) + "@example.org";
        } else {
          long k = static_cast<long>(rng() % 1000);
          client = "172.16." + std::to_string(k / 250) + "." + std::to_string(k % 250 + 1);
          sender = "list" + std::to_string(k) + "@newsletter.example";
          rcpt = "user" + std::to_string(k % 100) + "@example.org";
        }
        req = "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=" +
              client +
              "\nclient_name=unknown\nreverse_client_name=unknown\nhelo_name=mail.example\nsender=" + sender +
              "\nrecipient=" + rcpt + "\nqueue_id=\ninstance=" + std::to_string(n) + "\nsize=0\n\n";
        auto t0 = std::chrono::steady_clock::now();
        if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
          ++errors;
          break;
        }
        reply.clear();
        while (reply.find("\n\n") == std::string::npos) {
          ssize_t got = recv(fd, buf, sizeof buf, 0);
          if (got <= 0) break;
          reply.append(buf, static_cast<size_t>(got));
        }
        if (reply.rfind("action=", 0) != 0) {
          ++errors;
          break;
        }
        if (reply.rfind("action=DEFER_IF_PERMIT", 0) == 0)
          ++deferred;
        else if (reply.rfind("action=REJECT", 0) == 0 || reply.rfind("action=5", 0) == 0)
          ++rejected;
        else
          ++other;
        lat.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      close(fd);
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  std::printf(
      "requests=%zu seconds=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%ld deferred=%ld "
      "rejected=%ld other=%ld\n",
      all.size(), secs, all.size() / secs, pct(0.50), pct(0.99), all.empty() ? 0.0 : all.back(),
      errors.load(), deferred.load(), rejected.load(), other.load());
  return errors.load() == 0 ? 0 : 1;
}
