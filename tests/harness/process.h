// Process: a child process for tests (a real server or one of our daemons). Output goes to files
// in a directory the test owns, so a failure can show it. The child is killed (SIGTERM, then
// SIGKILL) and reaped when the object dies, and it dies with the test process (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace postern::test {

class Process {
 public:
  // argv[0] is the program (searched in PATH). stdout/stderr go to log_prefix + ".out"/".err"
  // when log_prefix is not empty, else to /dev/null.
  Process(std::vector<std::string> argv, std::string log_prefix = "",
          std::map<std::string, std::string> extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Sends SIGTERM, waits up to grace, then SIGKILL; returns the exit status as from waitpid.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Waits for the process to exit by itself, up to timeout; nullopt if it is still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string output() const;  // contents of the .out and .err files

 private:
  pid_t pid_ = -1;
  std::string log_prefix_;
  std::optional<int> status_;
};

// Runs a command to completion (bounded by timeout, then killed) and returns exit code and
// combined stdout+stderr. stdin_data is written to its standard input.
struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string output;
};
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::map<std::string, std::string>& extra_env = {});

// How many times what occurs in text (a daemon's log lines, say).
size_t occurrences(const std::string& text, const std::string& what);

// CPU time a process has used so far (user + system, /proc/PID/stat), in clock ticks
// (sysconf(_SC_CLK_TCK) per second); -1 if it cannot be read.
long cpu_ticks(pid_t pid);

// The absolute path of a program in PATH or in the sbin directories, or "" if not installed.
std::string find_program(const std::string& name);

}  // namespace postern::test
