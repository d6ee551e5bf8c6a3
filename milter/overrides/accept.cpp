// postern-milter's accept() (overrides.h lists every function the milter overrides): libmilter's listener
// thread treats accept() failing with EMFILE or ENFILE (out of file descriptors), ENOBUFS or ENOMEM as
// harmless and retries at once, and the listening socket stays readable while a connection waits in its
// queue, so at the descriptor limit the thread spins at full CPU without a log line (libmilter 8.17's
// listener.c). This accept() takes precedence over libc's. It accepts as accept4(fd, addr, len, 0) does; when
// that fails for want of descriptors or memory it logs one line per streak (accept_failed, with the limit)
// and sleeps before returning the error, 50 ms doubling up to 1 s, so the listener retries at most once a
// second instead of spinning; the first success at least 2 s after the streak's last failure logs
// accept_recovered (successes in between, as descriptors free up now and then at the limit, do not
// start a new streak). Connections wait in the listen queue meanwhile (Postfix's milter timeouts
// bound their wait). Only libmilter's listener thread calls accept() in this executable.
// Every accepted TCP connection also gets TCP_NODELAY: libmilter writes each reply as its own small
// packet, and without it the second of two replies (an added header, then the verdict) waits for
// the MTA's delayed ACK of the first, about 40 ms on Linux (Nagle's algorithm meeting delayed ACKs).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/core/mutex.h"
#include "milter/overrides/overrides.h"

namespace {

constexpr std::chrono::milliseconds kPauseMin{50};
constexpr std::chrono::milliseconds kPauseMax{1000};
// A streak of failures ends with the first success this long after its last failure: at the
// limit, connections closing now and then let a few accepts through between failures, and those
// must not start a new streak (and a new log line) each.
constexpr std::chrono::seconds kQuiet{2};

// The process's accept() state: one listener thread uses it, the mutex only guards against a
// second caller.
struct AcceptState {
  postern::Mutex mu;
  std::shared_ptr<postern::Logger> log GUARDED_BY(mu);
  unsigned long long failures GUARDED_BY(mu) = 0;  // in the current streak; 0: none
  std::chrono::milliseconds pause GUARDED_BY(mu){0};
  std::chrono::steady_clock::time_point last_failure GUARDED_BY(mu);
};

AcceptState& state() {
  static AcceptState s;
  return s;
}

// libmilter writes each reply as its own small packet; without TCP_NODELAY the second of two
// replies waits for the MTA's delayed ACK of the first (about 40 ms on Linux) whenever the milter
// adds a header. Unix sockets are left alone (the option does not apply to them).
void set_nodelay_on_tcp(int fd) {
  sockaddr_storage local{};
  socklen_t n = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &n) != 0) return;
  if (local.ss_family != AF_INET && local.ss_family != AF_INET6) return;
  int on = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

}  // namespace

namespace postern {

void set_accept_log(std::shared_ptr<Logger> log) {
  AcceptState& s = state();
  MutexLock lock(s.mu);
  s.log = std::move(log);
}

}  // namespace postern

extern "C" int accept(int fd, sockaddr* addr, socklen_t* len) {
  int r = accept4(fd, addr, len, 0);
  const int err = errno;
  AcceptState& s = state();
  if (r >= 0) {
    set_nodelay_on_tcp(r);
    postern::MutexLock lock(s.mu);
    s.pause = std::chrono::milliseconds(0);
    if (s.failures > 0 && std::chrono::steady_clock::now() - s.last_failure >= kQuiet) {
      if (s.log)
        postern::LogLine(*s.log, postern::LogLevel::notice, "accept_recovered")
            .kv("failed_attempts", s.failures);
      s.failures = 0;
    }
    return r;
  }
  if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
    errno = err;
    return r;
  }
  std::chrono::milliseconds pause;
  {
    postern::MutexLock lock(s.mu);
    if (s.failures++ == 0 && s.log) {
      rlimit l{};
      getrlimit(RLIMIT_NOFILE, &l);
      postern::LogLine(*s.log, postern::LogLevel::error, "accept_failed")
          .kv("error", std::strerror(err))
          .kv("fd_limit", static_cast<unsigned long long>(l.rlim_cur))
          .kv("outcome", "new connections wait until descriptors free up; retried at most every 1s");
    }
    s.last_failure = std::chrono::steady_clock::now();
    s.pause = std::clamp(s.pause * 2, kPauseMin, kPauseMax);
    pause = s.pause;
  }
  std::this_thread::sleep_for(pause);  // libmilter retries as soon as this returns
  errno = err;
  return r;
}
