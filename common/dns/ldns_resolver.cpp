// Implements LdnsResolver. Contract in ldns_resolver.h.
#include "common/dns/ldns_resolver.h"

#include <fcntl.h>
#include <ldns/ldns.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/core/blocking.h"
#include "common/dns/answer.h"

namespace postern {
namespace {

using steady = std::chrono::steady_clock;

struct Pending {
  std::string name;
  RrType type = RrType::A;
  size_t chase = 0;
  int attempt = 0;
  size_t first_server = 0;
  size_t server = 0;
  int fd = -1;
  bool tcp = false;
  bool connecting = false;
  std::vector<uint8_t> out;
  size_t sent = 0;
  std::vector<uint8_t> in;
  uint16_t id = 0;
  steady::time_point attempt_deadline;
  bool full_attempt = false;  // the attempt had its whole timeout (not cut short by the deadline)
  bool done = false;
  DnsResult result;
  DnsStatus last_status = DnsStatus::timeout;
  std::string last_detail = "no answer";
  bool last_local = false;  // the last attempt failed here: no socket could be made
};

void close_fd(Pending& p) {
  if (p.fd >= 0) ::close(p.fd);
  p.fd = -1;
  p.in.clear();
  p.sent = 0;
  p.connecting = false;
}

bool build_query(const std::string& name, RrType type, uint16_t id, std::vector<uint8_t>& out) {
  ldns_rdf* dname = nullptr;
  if (ldns_str2rdf_dname(&dname, name.empty() ? "." : name.c_str()) != LDNS_STATUS_OK || !dname) return false;
  ldns_pkt* pkt = ldns_pkt_query_new(dname, static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN, LDNS_RD);
  if (!pkt) return false;
  ldns_pkt_set_id(pkt, id);
  // AD=1 asks a validating resolver to say whether it validated the answer (RFC 6840 5.7), without
  // the signatures a DO bit would bring.
  ldns_pkt_set_ad(pkt, true);
  ldns_pkt_set_edns_udp_size(pkt, kEdnsUdpSize);
  uint8_t* wire = nullptr;
  size_t size = 0;
  bool ok = ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK;
  if (ok) out.assign(wire, wire + size);
  free(wire);
  ldns_pkt_free(pkt);
  return ok;
}

}  // namespace

LdnsResolver::LdnsResolver(std::vector<DnsServer> servers, LdnsResolverOptions options,
                           std::shared_ptr<Random> random)
    : servers_(std::move(servers)),
      options_(options),
      random_(std::move(random)),
      penalised_until_(std::make_unique<std::atomic<int64_t>[]>(servers_.size())) {
  if (!random_) random_ = std::make_shared<SystemRandom>();
  for (size_t i = 0; i < servers_.size(); ++i) penalised_until_[i].store(0, std::memory_order_relaxed);
}

size_t LdnsResolver::preferred_server() const {
  int64_t now = steady::now().time_since_epoch().count();
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (penalised_until_[i].load(std::memory_order_relaxed) <= now) return i;
  }
  return 0;
}

void LdnsResolver::penalise(size_t server) {
  if (servers_.size() < 2) return;
  auto until = steady::now() + kServerPenalty;
  penalised_until_[server].store(until.time_since_epoch().count(), std::memory_order_relaxed);
}

void LdnsResolver::forgive(size_t server) {
  if (penalised_until_[server].load(std::memory_order_relaxed) != 0) {
    penalised_until_[server].store(0, std::memory_order_relaxed);
  }
}

DnsResult LdnsResolver::query(std::string_view name, RrType type, Deadline deadline) {
  DnsQuery q{std::string(name), type};
  return query_all(std::span<const DnsQuery>(&q, 1), deadline).front();
}

// One batch of queries in flight: each query's attempts, the poll set and the shared deadline.
// Each step is a member so the state the steps share is named, not captured.
class LdnsResolver::Batch {
 public:
  Batch(LdnsResolver& resolver, std::span<const DnsQuery> queries, Deadline deadline)
      : r_(resolver), deadline_(deadline), ps_(queries.size()) {
    for (size_t i = 0; i < ps_.size(); ++i) {
      ps_[i].name = queries[i].name;
      ps_[i].type = queries[i].type;
      ps_[i].first_server = r_.preferred_server();
      next_attempt(ps_[i]);
    }
  }

  std::vector<DnsResult> run() {
    while (build_poll_set()) {
      int wait_ms = static_cast<int>(
          std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(wake_ - steady::now()).count()));
      int rc = ::poll(fds_.data(), fds_.size(), wait_ms);
      if (rc < 0 && errno != EINTR) break;
      for (size_t k = 0; rc > 0 && k < fds_.size(); ++k) {
        if (!fds_[k].revents) continue;
        Pending& p = ps_[owners_[k]];
        if (p.done || p.fd != fds_[k].fd) continue;
        if (p.tcp)
          on_tcp_ready(p);
        else
          on_udp_ready(p);
      }
    }
    std::vector<DnsResult> out;
    out.reserve(ps_.size());
    for (auto& p : ps_) {
      if (!p.done) fail(p, DnsStatus::timeout, "deadline passed");
      out.push_back(std::move(p.result));
    }
    return out;
  }

 private:
  static void finish(Pending& p, DnsResult r) {
    close_fd(p);
    r.local_failure = r.status == DnsStatus::error && p.last_local;
    if (r.canonical_name.empty()) r.canonical_name = normalise_dns_name(p.name);
    p.result = std::move(r);
    p.done = true;
  }

  static void fail(Pending& p, DnsStatus s, std::string detail) {
    DnsResult r;
    r.status = s;
    r.detail = std::move(detail);
    finish(p, std::move(r));
  }

  // Records why the current attempt failed, closes it and moves on to the next one.
  void retry(Pending& p, DnsStatus s, std::string detail) {
    p.last_status = s;
    p.last_detail = std::move(detail);
    close_fd(p);
    next_attempt(p);
  }

  // Opens a socket to the attempt's server and queues the query bytes (sent at once over UDP).
  bool open_attempt(Pending& p, bool tcp) {
    close_fd(p);
    p.tcp = tcp;
    p.id = static_cast<uint16_t>(r_.random_->next_u64());
    std::vector<uint8_t> wire;
    if (!build_query(p.name, p.type, p.id, wire)) {
      fail(p, DnsStatus::bad_name, "not a DNS name");
      return false;
    }
    if (tcp) {
      p.out = {static_cast<uint8_t>(wire.size() >> 8), static_cast<uint8_t>(wire.size() & 0xff)};
      p.out.insert(p.out.end(), wire.begin(), wire.end());
    } else {
      p.out = std::move(wire);
    }
    const DnsServer& server = r_.servers_[p.server];
    sockaddr_storage sa;
    socklen_t len = server.sockaddr(sa);
    p.fd = ::socket(sa.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p.fd < 0) {
      const int err = errno;
      p.last_status = DnsStatus::error;
      p.last_detail = std::string("socket: ") + std::strerror(err);
      p.last_local = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
      return false;
    }
    p.last_local = false;
    // connect() on UDP makes the kernel drop replies from any other address.
    if (::connect(p.fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 && errno != EINPROGRESS) {
      p.last_status = DnsStatus::error;
      p.last_detail = "connect " + server.str() + ": " + std::strerror(errno);
      close_fd(p);
      return false;
    }
    p.connecting = tcp;
    if (!tcp) {
      ssize_t n = ::send(p.fd, p.out.data(), p.out.size(), 0);
      if (n != static_cast<ssize_t>(p.out.size())) {
        p.last_status = DnsStatus::error;
        p.last_detail = "send to " + server.str() + " failed";
        close_fd(p);
        return false;
      }
    }
    auto full = steady::now() + r_.options_.attempt_timeout;
    p.full_attempt = full <= deadline_.at();
    p.attempt_deadline = std::min(full, deadline_.at());
    return true;
  }

  // Starts the next attempt on the next server, or ends the query with its last failure.
  void next_attempt(Pending& p) {
    while (!p.done) {
      if (r_.servers_.empty()) return fail(p, DnsStatus::error, "no DNS servers configured");
      if (p.attempt > r_.options_.retries) return fail(p, p.last_status, p.last_detail);
      // No new attempt once the overall deadline has passed: nothing could answer it in time.
      if (deadline_.expired()) {
        return p.attempt == 0 ? fail(p, DnsStatus::timeout, "deadline passed")
                              : fail(p, p.last_status, p.last_detail);
      }
      p.server = (p.first_server + static_cast<size_t>(p.attempt)) % r_.servers_.size();
      ++p.attempt;
      if (open_attempt(p, false)) return;
    }
  }

  void handle_reply(Pending& p, std::span<const uint8_t> bytes) {
    auto parsed = parse_dns_answer(bytes, p.name, p.type);
    if (!parsed || parsed->id != p.id) {
      // Not a reply to this question: over UDP keep waiting (it may be spoofed or stale).
      if (p.tcp) retry(p, DnsStatus::error, parsed ? "reply id mismatch" : parsed.error().message);
      return;
    }
    if (parsed->truncated) {
      if (r_.options_.tcp_fallback && !p.tcp) {
        if (!open_attempt(p, true)) next_attempt(p);
        return;
      }
      return retry(p, DnsStatus::error, "truncated answer");
    }
    DnsResult& res = parsed->result;
    if (res.status == DnsStatus::servfail || res.status == DnsStatus::error) {
      return retry(p, res.status, res.detail + " from " + r_.servers_[p.server].str());
    }
    const bool chase = r_.options_.cname_chase;
    if (!parsed->cname_target.empty() && chase && p.chase < kMaxCnameChain) {
      p.name = parsed->cname_target;
      ++p.chase;
      p.attempt = 0;
      close_fd(p);
      return next_attempt(p);
    }
    r_.forgive(p.server);
    if (!parsed->cname_target.empty() && chase) {
      return fail(p, DnsStatus::error, "CNAME chain longer than " + std::to_string(kMaxCnameChain));
    }
    finish(p, std::move(res));
  }

  // Ends attempts past their time, starts the next ones and gathers the sockets still waiting.
  // False when nothing is left to wait for.
  bool build_poll_set() {
    fds_.clear();
    owners_.clear();
    auto now = steady::now();
    wake_ = deadline_.at();
    for (size_t i = 0; i < ps_.size(); ++i) {
      Pending& p = ps_[i];
      if (p.done) continue;
      if (p.fd < 0) {
        next_attempt(p);
        if (p.done) continue;
      }
      if (now >= p.attempt_deadline) {
        if (p.full_attempt) r_.penalise(p.server);
        if (now >= deadline_.at()) {
          fail(p, DnsStatus::timeout, "deadline passed");
          continue;
        }
        retry(p, DnsStatus::timeout, "no answer from " + r_.servers_[p.server].str());
        if (p.done) continue;
      }
      short events = POLLIN;
      if (p.tcp && (p.connecting || p.sent < p.out.size())) events = POLLOUT;
      fds_.push_back({p.fd, events, 0});
      owners_.push_back(i);
      wake_ = std::min(wake_, p.attempt_deadline);
    }
    return !fds_.empty();
  }

  void on_udp_ready(Pending& p) {
    ssize_t n = ::recv(p.fd, buf_, sizeof buf_, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      // ICMP port unreachable surfaces as ECONNREFUSED.
      std::string detail = r_.servers_[p.server].str() + ": " + std::strerror(errno);
      r_.penalise(p.server);
      return retry(p, DnsStatus::error, std::move(detail));
    }
    handle_reply(p, std::span<const uint8_t>(buf_, static_cast<size_t>(n)));
  }

  void on_tcp_ready(Pending& p) {
    if (p.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        return retry(p, DnsStatus::error,
                     "TCP connect to " + r_.servers_[p.server].str() + ": " + std::strerror(err));
      }
      p.connecting = false;
    }
    if (p.sent < p.out.size()) {
      ssize_t n = ::send(p.fd, p.out.data() + p.sent, p.out.size() - p.sent, MSG_NOSIGNAL);
      if (n > 0)
        p.sent += static_cast<size_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        retry(p, DnsStatus::error, "TCP send failed");
      return;
    }
    ssize_t n = ::recv(p.fd, buf_, sizeof buf_, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) return retry(p, DnsStatus::error, "TCP connection closed by " + r_.servers_[p.server].str());
    p.in.insert(p.in.end(), buf_, buf_ + n);
    if (p.in.size() < 2) return;
    size_t want = (static_cast<size_t>(p.in[0]) << 8) | p.in[1];
    if (p.in.size() > want + 2 || want > kMaxTcpMessage) return retry(p, DnsStatus::error, "bad TCP framing");
    if (p.in.size() == want + 2) {
      std::vector<uint8_t> msg(p.in.begin() + 2, p.in.end());
      handle_reply(p, msg);
    }
  }

  LdnsResolver& r_;
  Deadline deadline_;
  std::vector<Pending> ps_;
  std::vector<pollfd> fds_;
  std::vector<size_t> owners_;  // fds_[k] belongs to ps_[owners_[k]]
  steady::time_point wake_;
  uint8_t buf_[65536];
};

std::vector<DnsResult> LdnsResolver::query_all(std::span<const DnsQuery> queries, Deadline deadline) {
  BlockingScope waits;  // for the servers' answers, up to the deadline
  if (queries.size() <= kMaxParallelQueries) return Batch(*this, queries, deadline).run();
  std::vector<DnsResult> out;
  out.reserve(queries.size());
  for (size_t i = 0; i < queries.size(); i += kMaxParallelQueries) {
    auto part =
        Batch(*this, queries.subspan(i, std::min(kMaxParallelQueries, queries.size() - i)), deadline).run();
    for (auto& r : part) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace postern
