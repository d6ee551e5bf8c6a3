// postern-policyd: the Postfix policy service for greylisting and DNS list scoring.
//   postern-policyd [-c FILE] [-f] [-t]
// -c the configuration (default /etc/postern/postern.conf), -f foreground (log to stderr), -t check
// the configuration and exit. Exit 78 on configuration errors. SIGHUP re-reads the configuration
// on a thread of its own (common/daemon/reload_thread.h), so the accept loop keeps serving while a
// reload is read and validated; a bad one is refused and the old one kept. A reload that changes
// a setting read at start only says so (restart_needed_for=), comparing with the values in force
// (those of the start), however many reloads came between. SIGTERM stops. Binds the socket, then
// drops to [policyd].user/group.
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <system_error>

#include "common/config/config.h"
#include "common/daemon/cmdline.h"
#include "common/daemon/privileges.h"
#include "common/daemon/reload_thread.h"
#include "common/daemon/signals.h"
#include "common/daemon/socket_spec.h"
#include "common/dns/factory.h"
#include "common/log/factory.h"
#include "common/store/factory.h"
#include "common/store/memory_store.h"
#include "common/store/write_behind_store.h"
#include "policyd/server.h"

using namespace postern;

namespace {

// Settings a reload cannot apply to the running daemon: the socket is open, privileges are gone,
// the store, the resolver and the logger are built. `running` is the configuration the daemon
// started with: what stays in force for these, whatever later reloads said.
std::string restart_only_changes(const Config& running, const Config& next) {
  std::string changed;
  auto note = [&](bool differs, const char* key) {
    if (differs) changed += (changed.empty() ? "" : ",") + std::string(key);
  };
  note(running.policyd.socket != next.policyd.socket, "policyd.socket");
  note(running.policyd.user != next.policyd.user || running.policyd.group != next.policyd.group,
       "policyd.user");
  note(running.policyd.store_write_behind != next.policyd.store_write_behind, "policyd.store_write_behind");
  note(running.policyd.workers != next.policyd.workers, "policyd.workers");
  note(running.store != next.store, "store");
  note(running.dns != next.dns, "dns");
  note(running.log != next.log, "log");
  return changed;
}

}  // namespace

int main(int argc, char** argv) {
  DaemonArgs args;
  if (auto exit_code = parse_daemon_args(argc, argv, "postern-policyd", args)) return *exit_code;
  const std::string& config_path = args.config_path;
  const bool foreground = args.foreground, check_only = args.check_only;
  SignalWatcher signals;  // before any thread starts
  auto load = load_config(config_path);
  if (!load.ok()) {
    for (const auto& e : load.errors) std::cerr << e.str() << "\n";
    return kExitConfig;
  }
  auto spec = parse_socket_spec(load.config.policyd.socket);
  if (!spec) {
    std::cerr << config_path << ": policyd.socket: " << spec.error().message << "\n";
    return kExitConfig;
  }
  auto log = make_logger(load.config.log, "postern-policyd", foreground || check_only);
  SystemClock clock;
  if (check_only) {
    // Also read the allowlist files and list specs, without touching the real store.
    MemoryStore scratch(clock);
    auto r = make_resolver(load.config.dns, clock);
    if (!r) {
      std::cerr << config_path << ": dns: " << r.error().message << "\n";
      return kExitConfig;
    }
    PolicyService s(load.config.policyd, scratch, **r, clock, log);
    auto problems = s.init();
    for (const auto& p : problems) std::cerr << config_path << ": " << p << "\n";
    if (!problems.empty()) return kExitConfig;
    std::cout << "ok " << config_path << "\n";
    return 0;
  }
  auto store = make_store(load.config.store, clock);
  if (!store) {
    LogLine(*log, LogLevel::error, "startup_failed").kv("reason", "store: " + store.error().message);
    std::cerr << "postern-policyd: store: " << store.error().message << "\n";
    return 1;
  }
  // Greylist updates batched in memory (see write_behind_store.h); the object flushes when it is
  // destroyed at the end of main, after the server has stopped. LMDB only: what it saves is the
  // disk sync per update, and with Redis other hosts must see an update at once.
  std::unique_ptr<WriteBehindStore> batched;
  Store* state = store->get();
  if (load.config.policyd.store_write_behind.count() > 0 && load.config.store.backend == "lmdb") {
    batched = std::make_unique<WriteBehindStore>(
        **store, clock, load.config.policyd.store_write_behind, [log](const std::string& error) {
          if (error.empty()) {
            LogLine(*log, LogLevel::notice, "store_recovered").kv("what", "batched greylist writes");
          } else {
            LogLine(*log, LogLevel::error, "store_write_failed")
                .kv("error", error)
                .kv("outcome", "kept in memory and retried; answers continue");
          }
        });
    state = batched.get();
  }
  auto resolver = make_resolver(load.config.dns, clock);
  if (!resolver) {
    std::cerr << "postern-policyd: dns: " << resolver.error().message << "\n";
    return kExitConfig;
  }
  auto make_service = [&](const Config& c, std::vector<std::string>& problems) {
    auto s = std::make_shared<PolicyService>(c.policyd, *state, **resolver, clock, log);
    problems = s->init();
    return s;
  };
  std::vector<std::string> problems;
  auto service = make_service(load.config, problems);
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << config_path << ": " << p << "\n";
    return kExitConfig;
  }
  auto fd = listen_on(*spec, 0660);
  if (!fd) {
    std::cerr << "postern-policyd: " << fd.error().message << "\n";
    return 1;
  }
  auto dropped = drop_privileges(load.config.policyd.user, load.config.policyd.group);
  if (!dropped) {
    std::cerr << "postern-policyd: " << dropped.error().message << "\n";
    return 1;
  }
  std::unique_ptr<PolicyServer> owned_server;
  try {
    owned_server =
        std::make_unique<PolicyServer>(*fd, log, load.config.policyd.max_connections,
                                       load.config.policyd.idle_timeout, load.config.policyd.workers);
  } catch (const std::system_error& e) {
    std::cerr << "postern-policyd: " << e.what() << "\n";
    return 1;
  }
  PolicyServer& server = *owned_server;
  server.set_service(service);
  LogLine(*log, LogLevel::notice, "started")
      .kv("socket", spec->str())
      .kv("store", state->describe())
      .kv("workers", server.base_workers())
      .kv("privileges", *dropped);
  // SIGHUP: read, validate and build on the reload thread; the accept loop only asks for it.
  // set_limits and set_service are safe from any thread.
  ReloadThread reloads([&] {
    auto next = load_config(config_path);
    std::vector<std::string> issues;
    for (const auto& e : next.errors) issues.push_back(e.str());
    std::shared_ptr<PolicyService> s;
    if (issues.empty()) s = make_service(next.config, issues);
    if (!issues.empty()) {
      LogLine(*log, LogLevel::error, "reload_refused")
          .kv("errors", issues.size())
          .kv("first", issues.front());
      return;
    }
    server.set_limits(next.config.policyd.max_connections, next.config.policyd.idle_timeout);
    server.set_service(s);
    LogLine line(*log, LogLevel::notice, "reloaded");
    line.kv("config", config_path);
    std::string restart = restart_only_changes(load.config, next.config);
    if (!restart.empty()) line.kv("restart_needed_for", restart);
  });
  server.run(signals.fd(), [&] {
    auto ev = signals.read();
    if (ev == SignalWatcher::Event::stop) return false;
    if (ev == SignalWatcher::Event::reload) reloads.request();
    return true;
  });
  LogLine(*log, LogLevel::notice, "stopped");
  if (spec->unix_socket) unlink(spec->path.c_str());
  close(*fd);
  return 0;
}
