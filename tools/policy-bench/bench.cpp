// postern-policy-bench: drives a policy service (postern-policyd, postgrey, ...) over many
// persistent connections, as Postfix's smtpd processes do, and reports throughput and latency.
//   postern-policy-bench --port P | --unix PATH [--connections 32] [--requests 200000] [--new-percent 50]
//                        [--listed-percent 0] [--seed 1] [--first 0] [--client-pool 0] [--rate 0]
//                        [--threads 1] [--logins N [--state END-OF-MESSAGE|RCPT]]
// Each connection sends one request, waits for the reply, sends the next; --threads client threads
// (default 1) drive the connections with epoll, so the load client itself costs little CPU. A request is a
// new triplet (a client/sender/recipient never seen), a repeat of one of 1000 recurring triplets, or (with
// --listed-percent) a client in 192.0.2.0/24, which the benchmark's DNS lists list. New triplets come from a
// new client address each, or with --client-pool N from N addresses (a bounded population of sending MTAs,
// whose DNS list answers a resolver cache keeps). Requests are numbered from --first, so a run with
// --new-percent 100 and a distinct --first can prefill a store with that many entries that later runs never
// hit by accident. Without --rate the connections send as fast as answers come (throughput at saturation).
// With
// --rate R requests are offered at R per second in all (request i at start + i/R): latency is then
// counted from when a request was due, so a slow answer that delays the next ones counts against
// them too (no coordinated omission), which is the latency an MTA sees at that load.
// With --logins N every request is instead one message of SASL login user(n % N)@example.org (one
// recipient, 2 KB) at --state (default END-OF-MESSAGE; RCPT for services that count there), so
// request n is that login's (n / N + 1)-th message: a send-limit load whose right answers are
// known (with a limit of L messages, requests - L * N of them are over it).
// Prints one line: requests, seconds, requests/s, p50/p99/max latency in ms, errors, and how many
// answers were deferrals (DEFER_IF_PERMIT), rejections (REJECT or a 5xx code) and anything else.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
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
  std::string unix_path;  // instead of a loopback TCP port
  int connections = 32;
  long requests = 200000;
  int new_percent = 50;
  int listed_percent = 0;
  unsigned seed = 1;
  long first = 0;
  long client_pool = 0;
  long rate = 0;    // requests per second offered; 0 = as fast as answered
  int threads = 1;  // client threads, each driving its share of the connections with epoll
  long logins = 0;  // > 0: send-limit load (see the top of this file)
  std::string state = "END-OF-MESSAGE";
};

int connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return -1;
  std::memcpy(a.sun_path, path.data(), path.size());
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

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

struct Conn {
  int fd;
  std::chrono::steady_clock::time_point t0{};
  std::string reply;
};

// Request number n of the mix (see the top of this file).
std::string make_request(const Options& o, long n, std::mt19937& rng) {
  if (o.logins > 0) {
    std::string login = "user" + std::to_string(n % o.logins) + "@example.org";
    return "request=smtpd_access_policy\nprotocol_state=" + o.state +
           "\nprotocol_name=ESMTP\nclient_address=198.51.100.7\nclient_name=unknown\n"
           "reverse_client_name=unknown\nhelo_name=laptop\nsasl_method=PLAIN\nsasl_username=" +
           login + "\nsender=" + login + "\nrecipient=" + (o.state == "RCPT" ? "friend@example.net" : "") +
           "\nrecipient_count=" + (o.state == "RCPT" ? "0" : "1") +
           "\nqueue_id=\ninstance=" + std::to_string(n) + "\nsize=2048\n\n";
  }
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
  return "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=" + client +
         "\nclient_name=unknown\nreverse_client_name=unknown\nhelo_name=mail.example\nsender=" + sender +
         "\nrecipient=" + rcpt + "\nqueue_id=\ninstance=" + std::to_string(n) + "\nsize=0\n\n";
}

// Reads the command line into o; false on an unknown option.
bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    long v = std::atol(argv[i + 1]);
    if (k == "--unix")
      o.unix_path = argv[i + 1];
    else if (k == "--port")
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
    else if (k == "--rate")
      o.rate = v;
    else if (k == "--threads")
      o.threads = static_cast<int>(v);
    else if (k == "--logins")
      o.logins = v;
    else if (k == "--state")
      o.state = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return false;
    }
  }
  return true;
}

// What every client thread shares: the next request's number and the answer counts.
struct Totals {
  std::atomic<long> next{0}, errors{0}, deferred{0}, rejected{0}, other{0};
};

// One client thread: its connections, driven with epoll; latencies into lat.
class Driver {
 public:
  Driver(const Options& o, Totals& totals, std::chrono::steady_clock::time_point start, int t, int nthreads,
         std::vector<double>& lat)
      : o_(o), totals_(totals), start_(start), lat_(lat), rng_(o.seed * 7919u + static_cast<unsigned>(t)) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    for (int c = t; c < o.connections; c += nthreads) {
      int fd = o.unix_path.empty() ? connect_to(o.port) : connect_unix(o.unix_path);
      if (fd < 0) {
        ++totals_.errors;
        continue;
      }
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      conns_.push_back(Conn{fd, {}, {}});
    }
    for (size_t k = 0; k < conns_.size(); ++k) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = k;
      epoll_ctl(ep_, EPOLL_CTL_ADD, conns_[k].fd, &ev);
      idle_.push_back(k);
    }
  }

  ~Driver() {
    for (auto& c : conns_) close(c.fd);
    close(ep_);
  }

  void run() {
    std::vector<epoll_event> events(conns_.size() + 1);
    while (true) {
      long long wait_ns = send_due();
      if (busy_ == 0 && (out_of_requests_ || idle_.empty())) break;
      timespec ts{static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
      int n = epoll_pwait2(ep_, events.data(), static_cast<int>(events.size()), wait_ns >= 0 ? &ts : nullptr,
                           nullptr);
      if (n < 0 && errno == EINTR) continue;
      for (int e = 0; e < n; ++e) on_readable(events[static_cast<size_t>(e)].data.u64);
    }
  }

 private:
  std::chrono::steady_clock::time_point due_of(long i) const {
    return start_ +
           std::chrono::nanoseconds(static_cast<long long>(static_cast<double>(i) * (1e9 / o_.rate)));
  }

  // Sends on idle connections while requests are due (or at once without --rate). Returns how
  // long to wait for the next due request, or -1: until a reply comes.
  long long send_due() {
    while (!idle_.empty() && !out_of_requests_) {
      long i = totals_.next.load();
      if (i >= o_.requests) {
        out_of_requests_ = true;
        break;
      }
      auto now = std::chrono::steady_clock::now();
      if (o_.rate > 0 && due_of(i) > now)
        return std::chrono::duration_cast<std::chrono::nanoseconds>(due_of(i) - now).count();
      if (!totals_.next.compare_exchange_weak(i, i + 1)) continue;
      Conn& c = conns_[idle_.back()];
      idle_.pop_back();
      std::string req = make_request(o_, o_.first + i, rng_);
      c.t0 = o_.rate > 0 ? due_of(i) : now;
      c.reply.clear();
      if (send(c.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        ++totals_.errors;  // a short send on a fresh request is not expected on these sockets
        out_of_requests_ = true;
        break;
      }
      ++busy_;
    }
    return -1;
  }

  // Reads what connection k has; a complete reply is counted and the connection is idle again.
  void on_readable(size_t k) {
    Conn& c = conns_[k];
    ssize_t got = recv(c.fd, buf_, sizeof buf_, 0);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) {
      ++totals_.errors;
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      --busy_;
      return;
    }
    c.reply.append(buf_, static_cast<size_t>(got));
    if (c.reply.find("\n\n") == std::string::npos) return;
    lat_.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c.t0).count());
    if (c.reply.rfind("action=DEFER_IF_PERMIT", 0) == 0 || c.reply.rfind("action=defer_if_permit", 0) == 0)
      ++totals_.deferred;
    else if (c.reply.rfind("action=REJECT", 0) == 0 || c.reply.rfind("action=5", 0) == 0)
      ++totals_.rejected;
    else if (c.reply.rfind("action=", 0) == 0)
      ++totals_.other;
    else
      ++totals_.errors;
    --busy_;
    idle_.push_back(k);
  }

  const Options& o_;
  Totals& totals_;
  const std::chrono::steady_clock::time_point start_;
  std::vector<double>& lat_;
  std::mt19937 rng_;
  int ep_ = -1;
  std::vector<Conn> conns_;
  std::vector<size_t> idle_;
  size_t busy_ = 0;
  bool out_of_requests_ = false;
  char buf_[4096];
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) return 64;
  if ((o.port <= 0 && o.unix_path.empty()) || o.connections <= 0) {
    std::fprintf(stderr, "usage: postern-policy-bench --port P | --unix PATH [--connections N] ...\n");
    return 64;
  }
  Totals totals;
  const int nthreads = std::max(1, std::min(o.threads, o.connections));
  std::vector<std::vector<double>> latencies(static_cast<size_t>(nthreads));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < nthreads; ++t) {
    threads.emplace_back(
        [&, t] { Driver(o, totals, start, t, nthreads, latencies[static_cast<size_t>(t)]).run(); });
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
      totals.errors.load(), totals.deferred.load(), totals.rejected.load(), totals.other.load());
  return totals.errors.load() == 0 ? 0 : 1;
}
