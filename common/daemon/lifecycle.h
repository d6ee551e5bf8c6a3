// DaemonLifecycle: the one start-up and reload path of Postern's daemons (postern-policyd,
// postern-milter). A front-end says only what is its own through DaemonFrontEnd's small hooks
// (which section holds its socket and user, what it builds from a Config, how it opens its socket
// and serves, the fields of its summary lines); this file owns the order and the rules:
//   start: load the configuration (errors on stderr, exit 78) -> parse [<section>].socket (78) ->
//   the logger -> with -t, check() and "ok FILE" (78 on problems) -> raise the descriptor limit
//   (one fd_limit_low line when short) -> open() what lives as long as the process (store,
//   resolver) -> build() and commit the service (problems: exit 78) -> listen() (exit 1) -> drop
//   to [<section>].user/group (exit 1) -> ready() (exit 1) -> one "started" line -> serve() ->
//   one "stopped" line.
//   reload (SIGHUP, on the front-end's reload thread; never two at once): load, build; a file
//   that does not load or build is refused with one reload_refused line and the running service
//   stays; otherwise the new service is committed, the descriptor limit is checked again, and one
//   "reloaded" line names the file and, with restart_needed_for=, the settings only a restart
//   applies that differ from the values of the start (however many reloads came between).
// Summary lines, exactly:
//   started socket=SPEC <front-end fields> fd_limit=N privileges=WHAT
//   reloaded config=FILE <front-end fields> [restart_needed_for=KEY,KEY...]
//   reload_refused config=FILE errors=N first=FIRST-PROBLEM
//   stopped <front-end fields>
// Errors before the logger exists, and at start, go to stderr ("NAME: message" for an exit 1;
// problems in the configuration as they are, since they name the file). Trusts its front-end;
// the operating-system steps (privileges, descriptor limit, logger) are injectable for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.h"
#include "common/core/result.h"
#include "common/daemon/cmdline.h"
#include "common/daemon/fd_limit.h"
#include "common/daemon/socket_spec.h"
#include "common/log/log.h"

namespace postern {

// The settings of a daemon's own section that the core path reads: the socket it opens and the
// user and group it drops to (all three restart-only, named "<section>.socket" and so on).
struct DaemonSettings {
  std::string section;  // "policyd", "milter"
  std::string socket;
  std::string user;
  std::string group;
};

// Why a start step failed: printed on stderr as "NAME: message", then the exit status.
struct StartError {
  int exit_code = 1;
  std::string message;
};
using StartStep = std::optional<StartError>;

// What build() made of one configuration: problems (each names the file; at start they are
// printed and the exit is 78, at a reload the first is logged and nothing changes), or a commit
// that puts the built service in force and cannot fail.
struct Built {
  std::vector<std::string> problems;
  std::function<void()> commit;
};

// Collects the names of restart-only settings that differ, comma-separated, in the order noted.
class RestartNotes {
 public:
  void note(bool differs, std::string_view key);
  const std::string& str() const { return keys_; }

 private:
  std::string keys_;
};

enum class Summary { started, reloaded };

class DaemonFrontEnd {
 public:
  virtual ~DaemonFrontEnd() = default;
  virtual std::string name() const = 0;  // "postern-policyd": logger ident and stderr prefix
  virtual DaemonSettings settings(const Config& c) const = 0;
  // Restart-only settings besides the section's socket, user and group and [log] (the core notes
  // those): note each as notes.note(running.x != next.x, "key").
  virtual void restart_only(const Config& running, const Config& next, RestartNotes& notes) const {
    (void)running, (void)next, (void)notes;
  }
  // Descriptors the configuration can need at once; and the fd_limit_low line's fields after
  // limit= (what is needed, the outcome at the limit).
  // The logger made from [log] (stderr with -t), before any other hook but settings().
  virtual void use_logger(std::shared_ptr<Logger> log) = 0;
  virtual uint64_t fds_needed(const Config& c) const = 0;
  virtual void fd_limit_low(const Config& c, const FdLimit& l, LogLine& line) const = 0;
  // -t: builds what a start would, touching no shared state (no store, no socket). Problems as
  // they are printed (each names the file).
  virtual std::vector<std::string> check(const Config& c, const std::string& config_path) = 0;
  // Start only, before the first build: what lives as long as the process (store, resolver).
  virtual StartStep open(const Config& c) {
    (void)c;
    return std::nullopt;
  }
  // At start and at every reload: everything the configuration asks for, ready to be committed.
  virtual Built build(const Config& c, const std::string& config_path) = 0;
  // Opens the listening socket (still with the privileges of the start).
  virtual StartStep listen(const SocketSpec& spec, const Config& c) = 0;
  // After privileges are dropped, before "started" (threads may start here).
  virtual StartStep ready(const Config& c) {
    (void)c;
    return std::nullopt;
  }
  // The front-end's fields of the started and reloaded lines (see above for where they go).
  virtual void summary(Summary kind, LogLine& line) const = 0;
  // Serves until told to stop; `reload` runs one reload (call it from a thread that does not
  // serve, one call at a time). Returns the exit status.
  virtual int serve(const std::function<void()>& reload) = 0;
  virtual void stopped(LogLine& line) const { (void)line; }
};

// The operating-system steps, injectable so the core path is unit-tested without root.
struct DaemonSystem {
  std::function<Result<std::string>(const std::string& user, const std::string& group)> drop_privileges;
  std::function<FdLimit(uint64_t needed)> raise_fd_limit;
  std::function<std::shared_ptr<Logger>(const LogConfig&, const std::string& ident, bool force_stderr)>
      make_logger;
  std::ostream* out = nullptr;  // "ok FILE" after -t
  std::ostream* err = nullptr;  // start errors
  static DaemonSystem real();   // drop_privileges, raise_fd_limit, make_logger, std::cout, std::cerr
};

class DaemonLifecycle {
 public:
  DaemonLifecycle(DaemonFrontEnd& front_end, DaemonArgs args, DaemonSystem system = DaemonSystem::real());
  DaemonLifecycle(const DaemonLifecycle&) = delete;
  DaemonLifecycle& operator=(const DaemonLifecycle&) = delete;

  // The whole life (or the -t check); returns the exit status.
  int run();
  // One reload (what serve()'s `reload` runs). Only after run() has started the service.
  void reload();

  // The restart-only settings of `next` that differ from `running`, comma-separated ("" if none).
  static std::string restart_only_changes(const DaemonFrontEnd& front_end, const Config& running,
                                          const Config& next);

 private:
  int fail(const StartError& e) const;
  uint64_t check_fd_limit(const Config& c) const;
  void refuse(const std::vector<std::string>& problems) const;

  DaemonFrontEnd& fe_;
  DaemonArgs args_;
  DaemonSystem sys_;
  Config started_;  // the configuration of the start: what restart-only settings stay at
  std::shared_ptr<Logger> log_;
};

}  // namespace postern
