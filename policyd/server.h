// PolicyServer: accepts Postfix's policy connections and answers each request with the current
// PolicyService.
//
// Threads. Connections are not tied to threads: every socket is non-blocking and registered
// one-shot in one epoll set, and a small pool of worker threads ([policyd] workers, by default
// four per core) takes whichever connection has something to read, reads it, decides, and sends
// the reply. A connection is held by at most one worker at a time, so its requests are answered
// in order. Under load a worker goes from one ready connection to the next without sleeping, which
// is what makes the daemon fast: a thread per connection cost a wake-up and a context switch per
// request.
//
// Waiting. Deciding can wait: for a DNS answer, Redis, or an LMDB sync (the store and resolvers
// mark those waits with BlockingScope). When a worker starts to wait and no other worker is free,
// the pool wakes a parked spare or starts a thread, so a slow DNS list or store only ever holds up
// the connections whose requests wait for it, never the others. Once enough threads wait for work
// again, the surplus parks as spares, and a spare nobody needed for 5 s leaves. The pool is
// bounded by max_connections plus the base size, so in the worst case (every connection waiting at
// once) it is what a thread per connection would be.
//
// Out of descriptors (EMFILE/ENFILE in accept): one log line per streak and accepting pauses
// (50 ms, doubling up to 1 s) instead of spinning on the readable listening socket; new
// connections wait in the listen queue meanwhile. The streak ends, with a log line, at the first
// accept 2 s after its last failure.
//
// Limits. At most max_connections at once (more are refused with a log line); a connection silent
// for idle_timeout is closed, and so is one whose replies have waited that long for the client to
// read them. A request must arrive whole within request_timeout of its first byte, or its
// connection is closed with a log line (a client dribbling bytes is never silent for long). A
// malformed request closes its connection with one log line and no answer: Postfix then retries and
// applies its own default_action. The service can be swapped at any time (SIGHUP reload); a
// connection answers each request with the service current when the request is read.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <unordered_map>

#include "common/core/blocking.h"
#include "common/core/mutex.h"
#include "common/log/log.h"
#include "common/policy/service.h"

namespace postern {

class PolicyServer final : private BlockingHook {
 public:
  // workers: the pool's base size; 0 = four per core.
  PolicyServer(int listen_fd, std::shared_ptr<Logger> log, int max_connections, Seconds idle_timeout,
               int workers = 0);
  ~PolicyServer() override;

  void set_service(std::shared_ptr<PolicyService> s) { std::atomic_store(&service_, std::move(s)); }
  void set_limits(int max_connections, Seconds idle_timeout);
  // From a request's first byte to its end; until set, idle_timeout.
  void set_request_timeout(Seconds request_timeout);
  // Accepts connections until stop() (or a signal on wake_fd, when >= 0, becomes readable: the
  // caller's signalfd). Returns when asked to stop, after every worker has finished.
  void run(int wake_fd, const std::function<bool()>& on_wake);
  void stop();

  int workers() const { return workers_.load(); }  // threads in the pool now
  int base_workers() const { return base_workers_; }

 private:
  struct Conn;
  enum class Next { read, write, close };

  void worker();
  void spawn_worker();
  Next on_readable(Conn& c, std::vector<PolicyRequest>& requests);
  Next flush(Conn& c);
  void rearm(Conn& c, Next next);
  void finish(Conn& c);  // unregisters, closes and frees the connection
  void accept_one();
  void accept_failed(int err);  // out of descriptors: log once per streak, pause accepting
  // Shuts down connections idle (or unread) past idle_timeout, or too slow to send a request
  // (request_timeout).
  void close_idle();
  void wait_workers();
  bool park();                 // false: not woken (time to leave) or stopping
  bool retire();               // leaves the pool if it is above its base size
  void leave() REQUIRES(mu_);  // the calling worker's last step
  void will_block() override;
  void unblocked() override {}

  int listen_fd_;
  std::shared_ptr<Logger> log_;
  std::atomic<int> max_connections_;
  std::atomic<int64_t> idle_ms_;
  std::atomic<int64_t> request_ms_;
  std::shared_ptr<PolicyService> service_;
  int base_workers_;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;  // eventfd, level-triggered in the epoll set: wakes every worker on stop
  int stop_pipe_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::atomic<int> workers_{0};  // changed under mu_ (wait_workers waits on it)
  std::atomic<int> idle_{0};     // workers waiting in epoll_wait
  std::atomic<bool> spawn_failing_{false};
  // accept() failing for want of descriptors; only run()'s thread touches these. The streak's
  // failures (0: none), the current pause, and the steady-clock ms of the last failure and of the
  // end of the pause.
  uint64_t accept_failures_ = 0;
  int64_t accept_pause_ms_ = 0;
  int64_t accept_last_failure_ms_ = 0;
  int64_t accept_resume_ms_ = 0;

  Mutex park_mu_;  // spares: threads the pool grew by, parked until a wait needs them
  CondVar park_cv_;
  int parked_ GUARDED_BY(park_mu_) = 0;
  int wake_tokens_ GUARDED_BY(park_mu_) = 0;
  Mutex mu_;
  CondVar workers_cv_;
  std::unordered_map<int, std::unique_ptr<Conn>> conns_ GUARDED_BY(mu_);  // by fd
};

}  // namespace postern
