// postern-policyd: the Postfix policy service for greylisting and DNS list scoring.
//   postern-policyd [-c FILE] [-f] [-t]
// -c the configuration (default /etc/postern/postern.conf), -f stay in the foreground (it never
// forks; logs go where [log] says), -t check the configuration and exit. Exit 78 on configuration
// errors. SIGHUP re-reads the configuration on a thread of its own (common/daemon/reload_thread.h),
// so the accept loop keeps serving while a reload is read and validated; a bad one is refused and
// the old one kept. A reload that changes a setting read at start only says so
// (restart_needed_for=), comparing with the values in force (those of the start), however many
// reloads came between. SIGTERM stops. Binds the socket, then drops to [policyd].user/group. A
// Redis store that cannot be reached at start is no reason to exit: one store_failure line,
// greylisting gets on_store_failure until the store reconnects (common/store/factory.h). Raises
// its descriptor soft limit to the hard one at start (fd_limit.h) and logs fd_limit_low when that
// is below what max_connections and the DNS lists need.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <system_error>

#include "common/config/config.h"
#include "common/daemon/cmdline.h"
#include "common/daemon/daemon_clock.h"
#include "common/daemon/fd_limit.h"
#include "common/daemon/privileges.h"
#include "common/daemon/reload_thread.h"
#include "common/daemon/signals.h"
#include "common/daemon/socket_spec.h"
#include "common/dns/factory.h"
#include "common/dns/ldns_resolver.h"
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

// Descriptors the configuration can need at once: a connection each, and while every connection
// waits for its DNS lists, a socket per list query (and one for the SPF lookup of
// spf_domain_key).
uint64_t fds_needed(const PolicydConfig& c) {
  uint64_t per_request =
      std::min<uint64_t>(kMaxParallelQueries, c.dnsbl.ip_lists.size() + 3 * c.dnsbl.domain_lists.size()) +
      (c.greylist.spf_domain_key ? 1 : 0);
  return static_cast<uint64_t>(c.max_connections) * (1 + per_request) + kFdReserve;
}

// Raises the soft descriptor limit to the hard one; logs what the configuration needs beyond it.
uint64_t fit_fd_limit(const PolicydConfig& c, const Logger& log) {
  FdLimit l = raise_fd_limit(fds_needed(c));
  if (!l.enough()) {
    LogLine(log, LogLevel::warning, "fd_limit_low")
        .kv("limit", static_cast<unsigned long long>(l.now))
        .kv("needed", static_cast<unsigned long long>(l.needed))
        .kv("max_connections", c.max_connections)
        .kv("outcome",
            "at the limit new connections wait (accept_failed) and DNS lists get on_local_failure; raise "
            "LimitNOFILE (hard limit) or lower max_connections");
  }
  return l.now;
}

}  // namespace

int main(int argc, char** argv) {
  DaemonArgs args;
  if (auto exit_code = parse_daemon_args(argc, argv, "postern-policyd", args)) return *exit_code;
  const std::string& config_path = args.config_path;
  const bool check_only = args.check_only;
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
  auto log = make_logger(load.config.log, "postern-policyd", check_only);
  DaemonClock clock;  // the system clock (a test build's tests may step it: daemon_clock.h)
  if (check_only) {
    // Also read the allowlist files and list specs, without touching the real store.
    MemoryStore scratch(clock);
    auto r = make_resolver(load.config.dns, clock);
    if (!r) {
      std::cerr << config_path << ": dns: " << r.error().message << "\n";
      return kExitConfig;
    }
    PolicyService s(load.config.policyd, scratch, **r, clock, log, nullptr, load.config.account_guard);
    auto problems = s.init();
    for (const auto& p : problems) std::cerr << config_path << ": " << p << "\n";
    if (!problems.empty()) return kExitConfig;
    std::cout << "ok " << config_path << "\n";
    return 0;
  }
  const uint64_t fd_limit = fit_fd_limit(load.config.policyd, *log);
  // A Redis server that cannot be reached does not stop the start: the store reconnects by itself
  // and until then greylisting gets on_store_failure (one store_failure line, below).
  auto opened = open_store(load.config.store, clock);
  if (!opened) {
    LogLine(*log, LogLevel::error, "startup_failed").kv("reason", "store: " + opened.error().message);
    std::cerr << "postern-policyd: store: " << opened.error().message << "\n";
    return 1;
  }
  std::unique_ptr<Store> store = std::move(opened->store);
  auto outage = std::make_shared<StoreOutage>();
  auto alerts =
      std::make_shared<AlertQueue>(log, clock);  // alert mails, off the request path; drained at exit
  // Greylist updates batched in memory (see write_behind_store.h); the object flushes when it is
  // destroyed once the server has stopped, before "stopped" is logged. LMDB only: what it saves
  // is the disk sync per update, and with Redis other hosts must see an update at once.
  std::unique_ptr<WriteBehindStore> batched;
  Store* state = store.get();
  if (load.config.policyd.store_write_behind.count() > 0 && load.config.store.backend == StoreBackend::lmdb) {
    batched = std::make_unique<WriteBehindStore>(
        *store, clock, load.config.policyd.store_write_behind, [log](const WriteBehindStore::Report& r) {
          switch (r.event) {
            case WriteBehindStore::Event::flush_failed:
              LogLine(*log, LogLevel::error, "store_write_failed")
                  .kv("error", r.error)
                  .kv("pending", r.keys)
                  .kv("outcome", "kept in memory and retried in smaller batches; answers continue");
              break;
            case WriteBehindStore::Event::recovered:
              LogLine(*log, LogLevel::notice, "store_recovered").kv("what", "batched greylist writes");
              break;
            case WriteBehindStore::Event::full:
              LogLine(*log, LogLevel::error, "store_write_behind_full")
                  .kv("pending", r.keys)
                  .kv("pending_bytes", r.bytes)
                  .kv("outcome", "new keys written directly; on_store_failure when that fails");
              break;
            case WriteBehindStore::Event::lost:
              LogLine(*log, LogLevel::error, "store_writes_lost")
                  .kv("count", r.keys)
                  .kv("error", r.error)
                  .kv("what", "greylist updates not written at stop (those senders are greylisted again)");
              break;
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
    auto s = std::make_shared<PolicyService>(c.policyd, *state, **resolver, clock, log, outage,
                                             c.account_guard, alerts);
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
  server.set_request_timeout(load.config.policyd.request_timeout);
  server.set_service(service);
  LogLine(*log, LogLevel::notice, "started")
      .kv("socket", spec->str())
      .kv("store", state->describe())
      .kv("workers", server.base_workers())
      .kv("fd_limit", static_cast<unsigned long long>(fd_limit))
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
    server.set_request_timeout(next.config.policyd.request_timeout);
    (void)fit_fd_limit(next.config.policyd, *log);
    server.set_service(s);
    LogLine line(*log, LogLevel::notice, "reloaded");
    line.kv("config", config_path);
    std::string restart = restart_only_changes(load.config, next.config);
    if (!restart.empty()) line.kv("restart_needed_for", restart);
  });
  if (opened->unreachable) service->store_failed(opened->unreachable->message);
  server.run(signals.fd(), [&] {
    auto ev = signals.read();
    if (ev == SignalWatcher::Event::stop) return false;
    if (ev == SignalWatcher::Event::reload) reloads.request();
    return true;
  });
  batched.reset();  // writes what is pending; logs what it could not (store_writes_lost)
  LogLine(*log, LogLevel::notice, "stopped");
  if (spec->unix_socket) unlink(spec->path.c_str());
  close(*fd);
  return 0;
}
