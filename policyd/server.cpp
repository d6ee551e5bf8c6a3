// Implements PolicyServer. Contract in server.h.
#include "policyd/server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <system_error>

namespace postern {

PolicyServer::PolicyServer(int listen_fd, std::shared_ptr<Logger> log, int max_connections,
                           Seconds idle_timeout)
    : listen_fd_(listen_fd),
      log_(std::move(log)),
      max_connections_(max_connections),
      idle_ms_(idle_timeout.count() * 1000) {
  if (pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
}

PolicyServer::~PolicyServer() {
  stop();
  wait_idle();
  if (stop_pipe_[0] >= 0) close(stop_pipe_[0]);
  if (stop_pipe_[1] >= 0) close(stop_pipe_[1]);
}

void PolicyServer::set_limits(int max_connections, Seconds idle_timeout) {
  max_connections_ = max_connections;
  idle_ms_ = idle_timeout.count() * 1000;
}

void PolicyServer::stop() {
  if (stopping_.exchange(true)) return;
  if (stop_pipe_[1] >= 0) (void)!write(stop_pipe_[1], "x", 1);
  std::lock_guard lock(mu_);
  for (int fd : fds_) shutdown(fd, SHUT_RDWR);
}

void PolicyServer::run(int wake_fd, const std::function<bool()>& on_wake) {
  while (!stopping_) {
    pollfd p[3] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = poll(p, wake_fd >= 0 ? 3 : 2, 1000);
    if (n < 0 && errno != EINTR) break;
    if (wake_fd >= 0 && (p[2].revents & POLLIN)) {
      if (!on_wake()) stop();
    }
    if (stopping_) break;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (active_.load() >= max_connections_.load()) {
      LogLine(*log_, LogLevel::warning, "connection_refused")
          .kv("reason", "max_connections reached")
          .kv("max_connections", max_connections_.load());
      close(fd);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      ++active_;
      fds_.push_back(fd);
    }
    auto finish = [this](int done_fd) {
      std::lock_guard l(mu_);
      fds_.erase(std::remove(fds_.begin(), fds_.end(), done_fd), fds_.end());
      close(done_fd);
      --active_;
      done_cv_.notify_all();
    };
    // Detached: the thread signals its end through active_ and done_cv_, which wait_idle() uses.
    try {
      std::thread([this, fd, finish] {
        serve(fd);
        finish(fd);
      }).detach();
    } catch (const std::system_error& e) {  // out of threads (RLIMIT_NPROC, memory): refuse this one
      LogLine(*log_, LogLevel::error, "connection_refused")
          .kv("reason", std::string("no thread: ") + e.what());
      finish(fd);
    }
  }
  stop();
  wait_idle();
}

void PolicyServer::wait_idle() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [this] { return active_.load() == 0; });
}

void PolicyServer::serve(int fd) {
  PolicyRequestParser parser;
  std::vector<PolicyRequest> requests;
  char buf[8192];
  // The idle timeout is the socket's receive timeout (one syscall per read instead of a poll and
  // a read); it is set again when a reload changes it. stop() shuts the socket down, which ends
  // a waiting recv. A client that stops reading our replies must not hold its thread for ever
  // either: sends give up after the same timeout.
  int64_t idle_set = -1;
  while (!stopping_) {
    if (int64_t idle = idle_ms_.load(); idle != idle_set) {
      timeval tv{static_cast<time_t>(idle / 1000), static_cast<suseconds_t>(idle % 1000 * 1000)};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      idle_set = idle;
    }
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      LogLine(*log_, LogLevel::info, "connection_closed").kv("reason", "idle timeout");
      return;
    }
    if (got <= 0) return;  // the client closed the connection (Postfix does when idle)
    requests.clear();
    auto r = parser.feed(std::string_view(buf, static_cast<size_t>(got)), requests);
    // Answer what was complete before any error, in order.
    for (const auto& req : requests) {
      auto service = std::atomic_load(&service_);
      std::string reply = "action=" + service->decide(req) + "\n\n";
      size_t off = 0;
      while (off < reply.size()) {
        ssize_t w = send(fd, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          LogLine(*log_, LogLevel::warning, "connection_closed")
              .kv("reason", "client does not read its replies");
          return;
        }
        if (w <= 0) return;
        off += static_cast<size_t>(w);
      }
    }
    if (!r) {
      LogLine(*log_, LogLevel::warning, "bad_request").kv("error", r.error().message).kv("outcome", "closed");
      return;
    }
  }
}

}  // namespace postern
