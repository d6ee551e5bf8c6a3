// Implements run_sendmail. Contract in sendmail.h.
#include "tools/posternctl/dmarc_report/sendmail.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace postern {

Result<void> run_sendmail(const std::string& program, const std::string& from, const std::string& to,
                          std::string_view message) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Error::temp(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return Error::temp(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> args = {program, "-i", "-f", from, "--", to};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return Error::temp(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execve(program.c_str(), argv.data(), envp);
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  // Write the message and read what the program says, together, so neither side blocks.
  std::string said;
  size_t done = 0;
  bool writing = true;
  ::signal(SIGPIPE, SIG_IGN);
  for (;;) {
    pollfd p[2] = {{out[0], POLLIN, 0}, {writing ? in[1] : -1, POLLOUT, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (writing && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(in[1], message.data() + done, message.size() - done);
      if (w > 0) done += static_cast<size_t>(w);
      if (w < 0 || done == message.size()) {
        ::close(in[1]);
        writing = false;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      ssize_t n = ::read(out[0], buf, sizeof(buf));
      if (n <= 0) break;
      if (said.size() < kMaxSendmailOutput)
        said.append(buf, std::min<size_t>(static_cast<size_t>(n), kMaxSendmailOutput - said.size()));
    }
  }
  if (writing) ::close(in[1]);
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  for (char& c : said) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && done == message.size()) return ok();
  std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) why += " (cannot run " + program + ")";
  return Error::temp(program + ": " + why + (said.empty() ? "" : ": " + said));
}

}  // namespace postern
