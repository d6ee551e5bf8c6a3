// DaemonLifecycle. Contract in lifecycle.h.
#include "common/daemon/lifecycle.h"

#include <iostream>

#include "common/daemon/privileges.h"
#include "common/log/factory.h"

namespace postern {

void RestartNotes::note(bool differs, std::string_view key) {
  if (!differs) return;
  if (!keys_.empty()) keys_ += ',';
  keys_ += key;
}

DaemonSystem DaemonSystem::real() {
  DaemonSystem s;
  s.drop_privileges = [](const std::string& user, const std::string& group) {
    return postern::drop_privileges(user, group);
  };
  s.raise_fd_limit = [](uint64_t needed) { return postern::raise_fd_limit(needed); };
  s.make_logger = [](const LogConfig& c, const std::string& ident, bool force_stderr) {
    return postern::make_logger(c, ident, force_stderr);
  };
  s.out = &std::cout;
  s.err = &std::cerr;
  return s;
}

DaemonLifecycle::DaemonLifecycle(DaemonFrontEnd& front_end, DaemonArgs args, DaemonSystem system)
    : fe_(front_end), args_(std::move(args)), sys_(std::move(system)) {}

std::string DaemonLifecycle::restart_only_changes(const DaemonFrontEnd& fe, const Config& running,
                                                  const Config& next) {
  // The socket is open, privileges are gone and the logger is built: these stay as they were at
  // the start. Compared with the start (not the last reload), so a change is named at every
  // reload until a restart, and a return to the running value is no change.
  const DaemonSettings a = fe.settings(running), b = fe.settings(next);
  RestartNotes notes;
  notes.note(a.socket != b.socket, a.section + ".socket");
  notes.note(a.user != b.user, a.section + ".user");
  notes.note(a.group != b.group, a.section + ".group");
  fe.restart_only(running, next, notes);
  notes.note(running.log != next.log, "log");
  return notes.str();
}

int DaemonLifecycle::fail(const StartError& e) const {
  *sys_.err << fe_.name() << ": " << e.message << "\n";
  return e.exit_code;
}

uint64_t DaemonLifecycle::check_fd_limit(const Config& c) const {
  const FdLimit l = sys_.raise_fd_limit(fe_.fds_needed(c));
  if (!l.enough()) {
    LogLine line(*log_, LogLevel::warning, "fd_limit_low");
    line.kv("limit", static_cast<unsigned long long>(l.now));
    fe_.fd_limit_low(c, l, line);
  }
  return l.now;
}

int DaemonLifecycle::run() {
  const std::string& path = args_.config_path;
  auto load = load_config(path);
  if (!load.ok()) {
    for (const auto& e : load.errors) *sys_.err << e.str() << "\n";
    return kExitConfig;
  }
  started_ = std::move(load.config);
  const DaemonSettings settings = fe_.settings(started_);
  auto spec = parse_socket_spec(settings.socket);
  if (!spec) {
    *sys_.err << path << ": " << settings.section << ".socket: " << spec.error().message << "\n";
    return kExitConfig;
  }
  log_ = sys_.make_logger(started_.log, fe_.name(), args_.check_only);
  fe_.use_logger(log_);
  if (args_.check_only) {
    auto problems = fe_.check(started_, path);
    for (const auto& p : problems) *sys_.err << p << "\n";
    if (!problems.empty()) return kExitConfig;
    *sys_.out << "ok " << path << "\n";
    return 0;
  }
  const uint64_t fd_limit = check_fd_limit(started_);
  if (auto e = fe_.open(started_)) return fail(*e);
  Built built = fe_.build(started_, path);
  if (!built.problems.empty()) {
    for (const auto& p : built.problems) *sys_.err << p << "\n";
    return kExitConfig;
  }
  built.commit();
  if (auto e = fe_.listen(*spec, started_)) return fail(*e);
  auto dropped = sys_.drop_privileges(settings.user, settings.group);
  if (!dropped) return fail({1, dropped.error().message});
  if (auto e = fe_.ready(started_)) return fail(*e);
  {
    LogLine line(*log_, LogLevel::notice, "started");
    line.kv("socket", spec->str());
    fe_.summary(Summary::started, line);
    line.kv("fd_limit", static_cast<unsigned long long>(fd_limit)).kv("privileges", *dropped);
  }
  const int status = fe_.serve([this] { reload(); });
  LogLine line(*log_, LogLevel::notice, "stopped");
  fe_.stopped(line);
  return status;
}

void DaemonLifecycle::refuse(const std::vector<std::string>& problems) const {
  LogLine(*log_, LogLevel::error, "reload_refused")
      .kv("config", args_.config_path)
      .kv("errors", problems.size())
      .kv("first", problems.front());
}

void DaemonLifecycle::reload() {
  auto next = load_config(args_.config_path);
  if (!next.ok()) {
    std::vector<std::string> problems;
    for (const auto& e : next.errors) problems.push_back(e.str());
    return refuse(problems);
  }
  Built built = fe_.build(next.config, args_.config_path);
  if (!built.problems.empty()) return refuse(built.problems);
  const std::string restart = restart_only_changes(fe_, started_, next.config);
  built.commit();
  (void)check_fd_limit(next.config);
  LogLine line(*log_, LogLevel::notice, "reloaded");
  line.kv("config", args_.config_path);
  fe_.summary(Summary::reloaded, line);
  if (!restart.empty()) line.kv("restart_needed_for", restart);
}

}  // namespace postern
