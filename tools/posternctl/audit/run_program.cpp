// Implements run_program. Contract in run_program.h.
#include "tools/posternctl/audit/run_program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace postern::audit {
namespace {

std::string find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";
  path += ":/usr/sbin:/sbin";
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find(':', pos);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(pos, end - pos);
    pos = end + 1;
    if (dir.empty()) continue;
    std::string full = dir + "/" + name;
    if (access(full.c_str(), X_OK) == 0) return full;
  }
  return "";
}

}  // namespace

Result<ProgramOutput> run_program(const std::vector<std::string>& argv, Deadline deadline, size_t max_bytes) {
  if (argv.empty()) return Error::perm("no program");
  std::string prog = find_in_path(argv[0]);
  if (prog.empty()) return Error::perm(argv[0] + ": not found");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Error::temp(std::string("pipe: ") + strerror(errno));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Error::temp(std::string("pipe: ") + strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, prog.c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Error::perm(argv[0] + ": cannot run: " + strerror(rc));
  }
  ProgramOutput res;
  std::string* bufs[2] = {&res.out, &res.err};
  int fds[2] = {out_pipe[0], err_pipe[0]};
  bool open_[2] = {true, true};
  std::string failure;
  while ((open_[0] || open_[1]) && failure.empty()) {
    pollfd p[2];
    nfds_t n = 0;
    int which[2];
    for (int i = 0; i < 2; ++i) {
      if (open_[i]) {
        p[n] = {fds[i], POLLIN, 0};
        which[n++] = i;
      }
    }
    int left = deadline.remaining_ms();
    if (left <= 0) {
      failure = argv[0] + ": did not finish in time";
      break;
    }
    int r = poll(p, n, left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      failure = std::string("poll: ") + strerror(errno);
      break;
    }
    for (nfds_t k = 0; k < n; ++k) {
      if (!p[k].revents) continue;
      int i = which[k];
      char buf[65536];
      ssize_t got = read(fds[i], buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        open_[i] = false;
        continue;
      }
      bufs[i]->append(buf, static_cast<size_t>(got));
      if (bufs[i]->size() > max_bytes) failure = argv[0] + ": printed more than expected";
    }
  }
  close(fds[0]);
  close(fds[1]);
  if (!failure.empty()) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!failure.empty()) return Error::temp(failure);
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return res;
}

}  // namespace postern::audit
