// Implements Process and run_command. Contract in process.h.
#include "tests/harness/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/harness/installed.h"

namespace postern::test {
namespace {

std::vector<char*> to_cargv(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void apply_env(const std::map<std::string, std::string>& env) {
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  std::string path = getenv("PATH") ? getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/lib/postfix/sbin";
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    std::string p = dir + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

Process::Process(std::vector<std::string> argv, std::string log_prefix,
                 std::map<std::string, std::string> extra_env)
    : log_prefix_(std::move(log_prefix)) {
  std::string prog = find_program(installed_or_built(argv.at(0)));
  if (prog.empty()) throw std::runtime_error("program not found: " + argv[0]);
  argv[0] = prog;
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    if (!log_prefix_.empty()) {
      int out = open((log_prefix_ + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open((log_prefix_ + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
    } else {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    apply_env(extra_env);
    auto cargv = to_cargv(argv);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0 && !status_) stop(std::chrono::seconds(5));
}

bool Process::running() {
  if (status_) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (running()) kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (!running()) return status_.value_or(0);
  kill(pid_, SIGTERM);
  if (!wait(grace)) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
    status_ = st;
  }
  return *status_;
}

std::string Process::output() const {
  if (log_prefix_.empty()) return "";
  return slurp(log_prefix_ + ".out") + slurp(log_prefix_ + ".err");
}

CommandResult run_command(const std::vector<std::string>& argv_in, const std::string& stdin_data,
                          std::chrono::milliseconds timeout,
                          const std::map<std::string, std::string>& extra_env) {
  CommandResult res;
  std::vector<std::string> argv = argv_in;
  std::string prog = find_program(installed_or_built(argv.at(0)));
  if (prog.empty()) {
    res.output = "program not found: " + argv[0];
    return res;
  }
  argv[0] = prog;
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(out_pipe[1], 2);
    apply_env(extra_env);
    auto cargv = to_cargv(argv);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  signal(SIGPIPE, SIG_IGN);
  size_t written = 0;
  if (stdin_data.empty()) {
    close(in_pipe[1]);
    in_pipe[1] = -1;
  } else {
    fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  }
  auto end = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buf[65536];
  while (true) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
    int n = in_pipe[1] >= 0 ? 2 : 1;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    int r = poll(fds, n, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (n == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in_pipe[1], stdin_data.data() + written, stdin_data.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 || written == stdin_data.size()) {
        close(in_pipe[1]);
        in_pipe[1] = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t got = read(out_pipe[0], buf, sizeof buf);
      if (got <= 0) break;
      res.output.append(buf, static_cast<size_t>(got));
    }
  }
  if (in_pipe[1] >= 0) close(in_pipe[1]);
  close(out_pipe[0]);
  int st = 0;
  if (timed_out) kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  if (!timed_out && WIFEXITED(st)) res.exit_code = WEXITSTATUS(st);
  if (timed_out) res.output += "\n[timed out]";
  return res;
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // pid (comm) state ppid ...: comm may hold spaces, so fields are counted after the last ')'.
  size_t paren = all.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream rest(all.substr(paren + 1));
  std::string field;
  long utime = -1, stime = -1;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime < 0 || stime < 0 ? -1 : utime + stime;
}

}  // namespace postern::test
