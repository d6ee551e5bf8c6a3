// PolicydDaemon: postern-policyd's hooks into the daemons' one start-up and reload path
// (common/daemon/lifecycle.h): [policyd] holds the socket, user and group; the store (with the
// LMDB write-behind batching) and the resolver are opened once at start; each configuration builds
// a PolicyService; PolicyServer serves, and a reload is read on a ReloadThread so the accept loop
// keeps serving. Restart-only besides the core's: policyd.store_write_behind, policyd.workers,
// [store], [dns]. A Redis store that cannot be reached at start is no reason to exit: one
// store_failure line, greylisting gets on_store_failure until the store reconnects
// (common/store/factory.h). The listening socket is closed (a unix socket's file removed) when the
// object is destroyed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/core/clock.h"
#include "common/daemon/lifecycle.h"
#include "common/daemon/signals.h"
#include "common/dns/resolver.h"
#include "common/mail/alert_queue.h"
#include "common/store/store.h"
#include "common/store/write_behind_store.h"
#include "policyd/server.h"

namespace postern {

class PolicydDaemon final : public DaemonFrontEnd {
 public:
  // signals: made in main() before any thread; clock: the one every store, resolver and service
  // of the process reads.
  PolicydDaemon(SignalWatcher& signals, const Clock& clock) : signals_(signals), clock_(clock) {}
  ~PolicydDaemon() override;

  std::string name() const override { return "postern-policyd"; }
  DaemonSettings settings(const Config& c) const override;
  void restart_only(const Config& running, const Config& next, RestartNotes& notes) const override;
  void use_logger(std::shared_ptr<Logger> log) override { log_ = std::move(log); }
  uint64_t fds_needed(const Config& c) const override;
  void fd_limit_low(const Config& c, const FdLimit& l, LogLine& line) const override;
  std::vector<std::string> check(const Config& c, const std::string& config_path) override;
  StartStep open(const Config& c) override;
  Built build(const Config& c, const std::string& config_path) override;
  StartStep listen(const SocketSpec& spec, const Config& c) override;
  StartStep ready(const Config& c) override;
  void summary(Summary kind, LogLine& line) const override;
  int serve(const std::function<void()>& reload) override;

 private:
  SignalWatcher& signals_;
  const Clock& clock_;
  std::shared_ptr<Logger> log_;
  std::unique_ptr<Store> store_;
  std::optional<Error> store_unreachable_;  // at start (Redis)
  // Greylist updates batched in memory (write_behind_store.h); flushed when serve() ends, before
  // "stopped" is logged.
  std::unique_ptr<WriteBehindStore> batched_;
  Store* state_ = nullptr;  // batched_ or store_
  std::shared_ptr<StoreOutage> outage_ = std::make_shared<StoreOutage>();
  // Alert mails off the request path, one queue for every service a reload builds; stopped (what
  // is queued sent, within its drain time) when serve() ends.
  std::shared_ptr<AlertQueue> alerts_;
  std::shared_ptr<Resolver> resolver_;
  std::shared_ptr<PolicyService> service_;  // the one built at start, until the server takes it
  std::optional<SocketSpec> spec_;
  int fd_ = -1;
  std::unique_ptr<PolicyServer> server_;
};

}  // namespace postern
