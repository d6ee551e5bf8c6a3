// Implements PolicyServer. Contract in server.h.
#include "policyd/server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace postern {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr size_t kReadChunk = 16384;
// The default pool: four threads per core. The daemon shares its cores with Postfix's smtpd
// processes (and, in the benchmark, with the load client); the scheduler shares CPU time per
// thread, and a thread per core measured 25% slower with a p99 twice as high
// (docs/PERFORMANCE.md). More than four per core only added context switches.
constexpr int kWorkersPerCore = 4;
// A worker beyond the pool's base size that has waited this long for work leaves, and so does
// a parked spare that nobody needed for this long.
constexpr int kWorkerWaitMs = 2000;
constexpr auto kSpareKeep = std::chrono::seconds(5);
// accept() failing for want of a descriptor (EMFILE, ENFILE) or kernel memory: the pending
// connection stays in the listen queue, so the listening socket stays readable and retrying at
// once would spin. Accepting pauses for this long, doubling while it keeps failing, up to the max.
constexpr int64_t kAcceptPauseMinMs = 50;
constexpr int64_t kAcceptPauseMaxMs = 1000;
// A streak of such failures ends with the first accept this long after its last failure: at the
// limit, connections closing now and then let a few accepts through between failures, and those
// must not start a new streak (and a new log line) each.
constexpr int64_t kAcceptQuietMs = 2000;

}  // namespace

struct PolicyServer::Conn {
  explicit Conn(int f) : fd(f), last_progress_ms(now_ms()) {}
  const int fd;
  PolicyRequestParser parser;  // only the worker holding the connection touches these three
  std::string out;             // replies not yet sent
  size_t out_off = 0;
  std::atomic<int64_t> last_progress_ms;     // read by close_idle()
  std::atomic<int64_t> request_start_ms{0};  // first byte of the request being received; 0: none
  std::atomic<size_t> request_bytes{0};      // bytes read since then (for the log line)
  std::atomic<bool> busy{false};             // a worker holds it (never idle then)
  std::atomic<bool> send_blocked{false};     // waiting for the client to read its replies
  bool shut = false;                         // close_idle() shut it down; under mu_
};

PolicyServer::PolicyServer(int listen_fd, std::shared_ptr<Logger> log, int max_connections,
                           Seconds idle_timeout, int workers)
    : listen_fd_(listen_fd),
      log_(std::move(log)),
      max_connections_(max_connections),
      idle_ms_(idle_timeout.count() * 1000),
      request_ms_(idle_ms_.load()),
      base_workers_(workers > 0 ? workers
                                : kWorkersPerCore *
                                      std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
  if (pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: stays ready, so every worker sees it
  ev.data.ptr = nullptr;
  if (epoll_fd_ < 0 || stop_fd_ < 0 || stop_pipe_[0] < 0 ||
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &ev) != 0) {
    int err = errno;
    for (int f : {stop_pipe_[0], stop_pipe_[1], stop_fd_, epoll_fd_}) {
      if (f >= 0) close(f);
    }
    throw std::system_error(err, std::generic_category(), "policy server: cannot set up epoll");
  }
  for (int i = 0; i < base_workers_; ++i) spawn_worker();  // they wait for connections
}

PolicyServer::~PolicyServer() {
  stop();
  wait_workers();
  for (auto& [fd, c] : conns_) close(fd);
  conns_.clear();
  for (int fd : {stop_pipe_[0], stop_pipe_[1], stop_fd_, epoll_fd_}) {
    if (fd >= 0) close(fd);
  }
}

void PolicyServer::set_limits(int max_connections, Seconds idle_timeout) {
  max_connections_ = max_connections;
  idle_ms_ = idle_timeout.count() * 1000;
}

void PolicyServer::set_request_timeout(Seconds request_timeout) {
  request_ms_ = request_timeout.count() * 1000;
}

void PolicyServer::stop() {
  if (stopping_.exchange(true)) return;
  uint64_t one = 1;
  (void)!write(stop_fd_, &one, sizeof one);
  {
    MutexLock lock(park_mu_);  // a spare about to park sees stopping_ or gets the notify
  }
  park_cv_.notify_all();
  if (stop_pipe_[1] >= 0) (void)!write(stop_pipe_[1], "x", 1);
  MutexLock lock(mu_);
  for (auto& [fd, c] : conns_) shutdown(fd, SHUT_RDWR);
}

void PolicyServer::run(int wake_fd, const std::function<bool()>& on_wake) {
  while (!stopping_) {
    // Idle and slow connections are looked for a few times per idle_timeout or request_timeout,
    // whichever is shorter (at most once a second).
    int period =
        static_cast<int>(std::clamp<int64_t>(std::min(idle_ms_.load(), request_ms_.load()) / 4, 10, 1000));
    // While accepting is paused (out of descriptors) the listening socket is left out (poll
    // ignores a negative fd) and the pause bounds the wait.
    const int64_t paused_ms = accept_resume_ms_ - now_ms();
    if (paused_ms > 0) period = static_cast<int>(std::min<int64_t>(period, paused_ms));
    pollfd p[3] = {
        {paused_ms > 0 ? -1 : listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = poll(p, wake_fd >= 0 ? 3 : 2, period);
    if (n < 0 && errno != EINTR) break;
    if (wake_fd >= 0 && (p[2].revents & POLLIN)) {
      if (!on_wake()) stop();
    }
    if (stopping_) break;
    if (p[0].revents & POLLIN) accept_one();
    close_idle();
  }
  stop();
  wait_workers();
  MutexLock lock(mu_);  // no worker is left to close them
  for (auto& [fd, c] : conns_) close(fd);
  conns_.clear();
}

void PolicyServer::accept_one() {
  int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) accept_failed(err);
    return;  // anything else (the client gave up, EAGAIN): the next one
  }
  accept_pause_ms_ = 0;
  if (accept_failures_ > 0 && now_ms() - accept_last_failure_ms_ >= kAcceptQuietMs) {
    LogLine(*log_, LogLevel::notice, "accept_recovered").kv("failed_attempts", accept_failures_);
    accept_failures_ = 0;
  }
  MutexLock lock(mu_);
  if (conns_.size() >= static_cast<size_t>(max_connections_.load())) {
    lock.unlock();
    LogLine(*log_, LogLevel::warning, "connection_refused")
        .kv("reason", "max_connections reached")
        .kv("max_connections", max_connections_.load());
    close(fd);
    return;
  }
  auto conn = std::make_unique<Conn>(fd);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.ptr = conn.get();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = errno;
    lock.unlock();
    LogLine(*log_, LogLevel::error, "connection_refused")
        .kv("reason", std::string("epoll_ctl: ") + std::generic_category().message(err));
    close(fd);
    return;
  }
  conns_.emplace(fd, std::move(conn));
}

// Out of descriptors: one log line per streak, and a pause before the next try (see
// kAcceptPauseMinMs). Connections closing free descriptors; until then new ones wait in the listen
// queue (Postfix's smtpd_policy_service_timeout bounds their wait).
void PolicyServer::accept_failed(int err) {
  if (accept_failures_++ == 0) {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    size_t open = 0;
    {
      MutexLock lock(mu_);
      open = conns_.size();
    }
    LogLine(*log_, LogLevel::error, "accept_failed")
        .kv("error", std::strerror(err))
        .kv("fd_limit", static_cast<unsigned long long>(r.rlim_cur))
        .kv("connections", static_cast<unsigned long long>(open))
        .kv("outcome", "new connections wait until descriptors free up; retried at most every 1s");
  }
  accept_last_failure_ms_ = now_ms();
  accept_pause_ms_ = std::clamp(accept_pause_ms_ * 2, kAcceptPauseMinMs, kAcceptPauseMaxMs);
  accept_resume_ms_ = accept_last_failure_ms_ + accept_pause_ms_;
}

void PolicyServer::close_idle() {
  const int64_t idle = idle_ms_.load();
  const int64_t request = request_ms_.load();
  const int64_t now = now_ms();
  MutexLock lock(mu_);
  for (auto& [fd, c] : conns_) {
    if (c->shut || c->busy.load()) continue;
    const int64_t started = c->request_start_ms.load();
    const bool too_slow = started != 0 && now - started >= request;
    if (!too_slow && now - c->last_progress_ms.load() < idle) continue;
    c->shut = true;
    if (too_slow) {
      // Bytes keep coming, too slowly to finish a request (slowloris): silence never lasts long
      // enough for the idle timeout.
      LogLine(*log_, LogLevel::warning, "connection_closed")
          .kv("reason", "request timeout")
          .kv("request_timeout_ms", request)
          .kv("request_bytes_so_far", c->request_bytes.load());
    } else if (c->send_blocked.load()) {
      LogLine(*log_, LogLevel::warning, "connection_closed").kv("reason", "client does not read its replies");
    } else {
      LogLine(*log_, LogLevel::info, "connection_closed").kv("reason", "idle timeout");
    }
    // Its worker-to-be sees the hang-up, fails to read or send, and closes it.
    shutdown(fd, SHUT_RDWR);
  }
}

void PolicyServer::spawn_worker() {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    if (workers_.load() >= base_workers_ + max_connections_.load()) return;
    ++workers_;
  }
  try {
    std::thread([this] { worker(); }).detach();
    spawn_failing_ = false;
  } catch (const std::system_error& e) {  // out of threads (RLIMIT_NPROC, memory)
    {
      MutexLock lock(mu_);
      --workers_;
      workers_cv_.notify_all();
    }
    if (!spawn_failing_.exchange(true)) {
      LogLine(*log_, LogLevel::error, "worker_not_started")
          .kv("reason", e.what())
          .kv("outcome", "connections wait for a busy worker");
    }
  }
}

// Called by a worker about to wait (DNS, Redis, a sync): the other connections must not wait with
// it, so a free worker must exist.
void PolicyServer::will_block() {
  if (idle_.load() > 0) return;
  {
    MutexLock lock(park_mu_);
    if (parked_ > wake_tokens_) {
      ++wake_tokens_;
      park_cv_.notify_one();
      return;
    }
  }
  spawn_worker();
}

bool PolicyServer::park() {
  MutexLock lock(park_mu_);
  ++parked_;
  const auto until = std::chrono::steady_clock::now() + kSpareKeep;
  bool woken = true;
  while (wake_tokens_ == 0 && !stopping_.load()) {
    if (park_cv_.wait_until(lock, until) == std::cv_status::timeout) {
      woken = wake_tokens_ > 0 || stopping_.load();
      break;
    }
  }
  --parked_;
  if (!woken || stopping_) return false;
  --wake_tokens_;
  return true;
}

bool PolicyServer::retire() {
  MutexLock lock(mu_);
  if (workers_.load() <= base_workers_) return false;
  leave();
  return true;
}

void PolicyServer::leave() {
  set_thread_blocking_hook(nullptr);
  --workers_;
  workers_cv_.notify_all();
}

void PolicyServer::worker() {
  set_thread_blocking_hook(this);
  std::vector<PolicyRequest> requests;
  while (!stopping_) {
    // Threads the pool grew by while others waited for DNS or the store: once enough threads
    // wait for work, the surplus parks (and leaves after kSpareKeep unless a wait wakes it). A
    // few busy threads taking request after request is what keeps the daemon fast under load;
    // many taking turns would cost a wake-up each.
    if (workers_.load() > base_workers_ && idle_.load() >= base_workers_) {
      if (park()) continue;
      if (stopping_) break;
      if (retire()) return;
      continue;
    }
    epoll_event ev{};
    ++idle_;
    int n = epoll_wait(epoll_fd_, &ev, 1, kWorkerWaitMs);
    --idle_;
    if (stopping_) break;
    if (n == 1 && ev.data.ptr != nullptr) {
      Conn& c = *static_cast<Conn*>(ev.data.ptr);
      c.busy = true;
      Next next = c.send_blocked ? flush(c) : on_readable(c, requests);
      c.last_progress_ms = now_ms();
      c.busy = false;
      if (next == Next::close)
        finish(c);
      else
        rearm(c, next);
    }
    // Beyond the base size, a thread that has had nothing to do for a while leaves. epoll wakes
    // the thread that waited last first, so under light load the surplus is what waits.
    if (n == 0 && retire()) return;
  }
  MutexLock lock(mu_);
  leave();
}

PolicyServer::Next PolicyServer::on_readable(Conn& c, std::vector<PolicyRequest>& requests) {
  char buf[kReadChunk];
  ssize_t got = recv(c.fd, buf, sizeof buf, 0);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Next::read;
  if (got <= 0) return Next::close;  // the client closed the connection (Postfix does when idle)
  requests.clear();
  auto r = c.parser.feed(std::string_view(buf, static_cast<size_t>(got)), requests);
  // request_timeout runs from the first byte of a request to its end.
  if (!requests.empty() || !c.parser.in_request()) {
    c.request_start_ms = 0;
    c.request_bytes = 0;
  }
  if (c.parser.in_request()) {
    if (c.request_start_ms.load() == 0) c.request_start_ms = now_ms();
    c.request_bytes += static_cast<size_t>(got);
  }
  // Answer what was complete before any error, in order.
  if (!requests.empty()) {
    auto service = std::atomic_load(&service_);
    for (const auto& req : requests) {
      c.out += "action=";
      c.out += service->decide(req);
      c.out += "\n\n";
    }
  }
  if (!r) {
    LogLine(*log_, LogLevel::warning, "bad_request").kv("error", r.error().message).kv("outcome", "closed");
    flush(c);  // what fits now; the connection is closed either way
    return Next::close;
  }
  return flush(c);
}

PolicyServer::Next PolicyServer::flush(Conn& c) {
  while (c.out_off < c.out.size()) {
    ssize_t w = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The client is not reading: stop reading its requests until it has taken these.
      c.send_blocked = true;
      return Next::write;
    }
    if (w <= 0) return Next::close;
    c.out_off += static_cast<size_t>(w);
  }
  c.out.clear();
  c.out_off = 0;
  c.send_blocked = false;
  return Next::read;
}

// Once the connection is re-armed another worker may take it (and even close and free it) before
// epoll_ctl returns here, so nothing touches c afterwards unless re-arming failed. (The kernel
// orders this call before that worker's epoll_wait; ThreadSanitizer models EPOLL_CTL_ADD as that
// hand-over but not EPOLL_CTL_MOD, so a TSan run reports this line unless suppressed with
// "race:postern::PolicyServer::rearm". It found nothing else in the concurrency tests and under load.)
void PolicyServer::rearm(Conn& c, Next next) {
  epoll_event ev{};
  ev.events = (next == Next::write ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
  ev.data.ptr = &c;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) finish(c);
}

void PolicyServer::finish(Conn& c) {
  std::unique_ptr<Conn> owned;
  {
    MutexLock lock(mu_);
    auto it = conns_.find(c.fd);
    if (it == conns_.end()) return;
    owned = std::move(it->second);
    conns_.erase(it);
  }
  close(owned->fd);  // also leaves the epoll set
}

void PolicyServer::wait_workers() {
  MutexLock lock(mu_);
  while (workers_.load() != 0) workers_cv_.wait(lock);
}

}  // namespace postern
