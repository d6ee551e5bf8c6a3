// PolicydDaemon. Contract in daemon.h.
#include "policyd/daemon.h"

#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "common/daemon/reload_thread.h"
#include "common/dns/factory.h"
#include "common/dns/ldns_resolver.h"
#include "common/store/factory.h"
#include "common/store/memory_store.h"

namespace postern {

PolicydDaemon::~PolicydDaemon() {
  server_.reset();
  if (fd_ < 0) return;
  if (spec_ && spec_->unix_socket) unlink(spec_->path.c_str());
  close(fd_);
}

DaemonSettings PolicydDaemon::settings(const Config& c) const {
  return {"policyd", c.policyd.socket, c.policyd.user, c.policyd.group};
}

// The store, the resolver and the worker pool are built once, at start.
void PolicydDaemon::restart_only(const Config& running, const Config& next, RestartNotes& notes) const {
  notes.note(running.policyd.store_write_behind != next.policyd.store_write_behind,
             "policyd.store_write_behind");
  notes.note(running.policyd.workers != next.policyd.workers, "policyd.workers");
  notes.note(running.store != next.store, "store");
  notes.note(running.dns != next.dns, "dns");
}

// A connection each, and while every connection waits for its DNS lists, a socket per list query
// (and one for the SPF lookup of spf_domain_key).
uint64_t PolicydDaemon::fds_needed(const Config& config) const {
  const PolicydConfig& c = config.policyd;
  uint64_t per_request =
      std::min<uint64_t>(kMaxParallelQueries, c.dnsbl.ip_lists.size() + 3 * c.dnsbl.domain_lists.size()) +
      (c.greylist.spf_domain_key ? 1 : 0);
  return static_cast<uint64_t>(c.max_connections) * (1 + per_request) + kFdReserve;
}

void PolicydDaemon::fd_limit_low(const Config& c, const FdLimit& l, LogLine& line) const {
  line.kv("needed", static_cast<unsigned long long>(l.needed))
      .kv("max_connections", c.policyd.max_connections)
      .kv("outcome",
          "at the limit new connections wait (accept_failed) and DNS lists get on_local_failure; raise "
          "LimitNOFILE (hard limit) or lower max_connections");
}

// Also reads the allowlist files and list specs, without touching the real store.
std::vector<std::string> PolicydDaemon::check(const Config& c, const std::string& config_path) {
  MemoryStore scratch(clock_);
  auto r = make_resolver(c.dns, clock_);
  if (!r) return {config_path + ": dns: " + r.error().message};
  PolicyService s(c.policyd, scratch, **r, clock_, log_, nullptr, c.account_guard);
  auto problems = s.init();
  for (auto& p : problems) p = config_path + ": " + p;
  return problems;
}

StartStep PolicydDaemon::open(const Config& c) {
  // A Redis server that cannot be reached does not stop the start: the store reconnects by itself
  // and until then greylisting gets on_store_failure (one store_failure line, in serve()).
  auto opened = open_store(c.store, clock_);
  if (!opened) {
    LogLine(*log_, LogLevel::error, "startup_failed").kv("reason", "store: " + opened.error().message);
    return StartError{1, "store: " + opened.error().message};
  }
  store_ = std::move(opened->store);
  store_unreachable_ = opened->unreachable;
  state_ = store_.get();
  // LMDB only: what batching saves is the disk sync per update, and with Redis other hosts must
  // see an update at once.
  if (c.policyd.store_write_behind.count() > 0 && c.store.backend == StoreBackend::lmdb) {
    batched_ = std::make_unique<WriteBehindStore>(
        *store_, clock_, c.policyd.store_write_behind, [log = log_](const WriteBehindStore::Report& r) {
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
    state_ = batched_.get();
  }
  auto resolver = make_resolver(c.dns, clock_);
  if (!resolver) return StartError{kExitConfig, "dns: " + resolver.error().message};
  resolver_ = *resolver;
  alerts_ = std::make_shared<AlertQueue>(log_, clock_);
  return std::nullopt;
}

Built PolicydDaemon::build(const Config& c, const std::string& config_path) {
  auto s = std::make_shared<PolicyService>(c.policyd, *state_, *resolver_, clock_, log_, outage_,
                                           c.account_guard, alerts_);
  Built b;
  b.problems = s->init();
  for (auto& p : b.problems) p = config_path + ": " + p;
  // Before the server exists (the start) the service waits in service_; afterwards set_limits,
  // set_request_timeout and set_service are safe from the reload thread.
  b.commit = [this, s, limits = c.policyd] {
    if (!server_) {
      service_ = s;
      return;
    }
    server_->set_limits(limits.max_connections, limits.idle_timeout);
    server_->set_request_timeout(limits.request_timeout);
    server_->set_service(s);
  };
  return b;
}

StartStep PolicydDaemon::listen(const SocketSpec& spec, const Config&) {
  auto fd = listen_on(spec, 0660);
  if (!fd) return StartError{1, fd.error().message};
  spec_ = spec;
  fd_ = *fd;
  return std::nullopt;
}

StartStep PolicydDaemon::ready(const Config& c) {
  try {
    server_ = std::make_unique<PolicyServer>(fd_, log_, c.policyd.max_connections, c.policyd.idle_timeout,
                                             c.policyd.workers);
  } catch (const std::system_error& e) {
    return StartError{1, e.what()};
  }
  server_->set_request_timeout(c.policyd.request_timeout);
  server_->set_service(service_);
  return std::nullopt;
}

void PolicydDaemon::summary(Summary kind, LogLine& line) const {
  if (kind == Summary::started) line.kv("store", state_->describe()).kv("workers", server_->base_workers());
}

int PolicydDaemon::serve(const std::function<void()>& reload) {
  {
    // SIGHUP: read, validate and build on the reload thread; the accept loop only asks for it.
    ReloadThread reloads(reload);
    if (store_unreachable_) service_->store_failed(store_unreachable_->message);
    service_.reset();  // the server holds the service in force
    server_->run(signals_.fd(), [&] {
      auto ev = signals_.read();
      if (ev == SignalWatcher::Event::stop) return false;
      if (ev == SignalWatcher::Event::reload) reloads.request();
      return true;
    });
  }
  alerts_->stop();   // sends what is queued, within its drain time; logs what it could not
  batched_.reset();  // writes what is pending; logs what it could not (store_writes_lost)
  return 0;
}

}  // namespace postern
