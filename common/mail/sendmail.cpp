// Implements send_with_sendmail. Contract in sendmail.h.
#include "common/mail/sendmail.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/core/blocking.h"

extern char** environ;

namespace postern {

Result<void> send_with_sendmail(const std::string& sendmail, const std::string& from, const std::string& to,
                                const std::string& message, std::chrono::milliseconds timeout) {
  BlockingScope waits;
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) return Error::temp(std::string("sendmail: pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    posix_spawn_file_actions_adddup2(&fa, devnull, 2);
  }
  std::vector<std::string> args = {sendmail, "-i", "-f", from, "--", to};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, sendmail.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  if (devnull >= 0) close(devnull);
  if (rc != 0) {
    close(in[1]);
    return Error::temp("sendmail: cannot run " + sendmail + ": " + std::strerror(rc));
  }
  const auto until = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(0, d.count()));
  };
  // Write without blocking past the deadline.
  int flags = fcntl(in[1], F_GETFL);
  fcntl(in[1], F_SETFL, flags | O_NONBLOCK);
  size_t off = 0;
  std::string failure;
  while (off < message.size()) {
    ssize_t n = write(in[1], message.data() + off, message.size() - off);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{in[1], POLLOUT, 0};
      if (left_ms() > 0 && poll(&p, 1, left_ms()) >= 0) continue;
      failure = "timed out taking the message";
    } else {
      failure = std::string("write: ") + std::strerror(errno);  // EPIPE: it exited early
    }
    break;
  }
  close(in[1]);
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR)
      return Error::temp(std::string("sendmail: waitpid: ") + std::strerror(errno));
    if (left_ms() == 0) {
      kill(pid, SIGKILL);
      (void)waitpid(pid, &status, 0);
      return Error::temp("sendmail: " + sendmail + " did not finish within " +
                         std::to_string(timeout.count()) + " ms (killed)");
    }
    // The child has no descriptor to wait on: check again shortly (alerts are rare).
    poll(nullptr, 0, std::min(left_ms(), 20));
  }
  if (!failure.empty()) return Error::temp("sendmail: " + failure);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error::temp("sendmail: " + sendmail + " " +
                       (WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                                          : "killed by signal " + std::to_string(WTERMSIG(status))));
  }
  return {};
}

}  // namespace postern
