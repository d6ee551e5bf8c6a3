// PolicyServer: accepts Postfix's policy connections and answers each request with the current
// PolicyService. One thread per connection (Postfix keeps one persistent connection per smtpd
// process, so there are at most a few hundred), so a slow or silent client only ever blocks its
// own thread; idle connections are closed after idle_timeout, and so are clients that stop reading
// their replies (a send blocked that long); at most max_connections at once, and a connection
// whose thread cannot be started is refused with a log line, never a crash.
// A malformed request closes its connection with one log line and no answer: Postfix then retries
// and applies its own default_action. The service can be swapped at any time (SIGHUP reload).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log/log.h"
#include "common/policy/service.h"

namespace postern {

class PolicyServer {
 public:
  PolicyServer(int listen_fd, std::shared_ptr<Logger> log, int max_connections, Seconds idle_timeout);
  ~PolicyServer();

  void set_service(std::shared_ptr<PolicyService> s) { std::atomic_store(&service_, std::move(s)); }
  void set_limits(int max_connections, Seconds idle_timeout);
  // Accepts connections until stop() (or a signal on wake_fd, when >= 0, becomes readable: the
  // caller's signalfd). Returns when asked to stop.
  void run(int wake_fd, const std::function<bool()>& on_wake);
  void stop();

 private:
  void serve(int fd);
  void wait_idle();  // until every connection thread has finished

  int listen_fd_;
  std::shared_ptr<Logger> log_;
  std::atomic<int> max_connections_;
  std::atomic<int64_t> idle_ms_;
  std::shared_ptr<PolicyService> service_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> active_{0};
  std::mutex mu_;
  std::vector<int> fds_;  // open connections, to shut them down on stop
  std::condition_variable done_cv_;
  int stop_pipe_[2] = {-1, -1};
};

}  // namespace postern
