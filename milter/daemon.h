// MilterDaemon: postern-milter's hooks into the daemons' one start-up and reload path
// (common/daemon/lifecycle.h): [milter] holds the socket, user and group; each configuration
// builds an App snapshot (milter/app.h) that a commit publishes, with [dkim] key_cache applied;
// libmilter opens the socket (a unix socket gets mode 0660 and group [milter].group) and serves
// (smfi_main); a reload runs on the ReloadWatcher's thread (milter/reload.h), made before
// libmilter starts its threads. After privileges are dropped, files a reload would re-read but
// the daemon user cannot are named (unreadable_after_privilege_drop). Restart-only: only the
// core's ([milter] socket, user, group and [log]).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/daemon/lifecycle.h"
#include "milter/app.h"

namespace postern {

class MilterDaemon final : public DaemonFrontEnd {
 public:
  std::string name() const override { return "postern-milter"; }
  DaemonSettings settings(const Config& c) const override;
  void use_logger(std::shared_ptr<Logger> log) override { log_ = std::move(log); }
  uint64_t fds_needed(const Config& c) const override;
  void fd_limit_low(const Config& c, const FdLimit& l, LogLine& line) const override;
  std::vector<std::string> check(const Config& c, const std::string& config_path) override;
  Built build(const Config& c, const std::string& config_path) override;
  StartStep listen(const SocketSpec& spec, const Config& c) override;
  StartStep ready(const Config& c) override;
  void summary(Summary kind, LogLine& line) const override;
  int serve(const std::function<void()>& reload) override;
  void stopped(LogLine& line) const override;

 private:
  std::shared_ptr<Logger> log_;
  // The snapshot in force and whether the key cache is on; written by a commit, read by the
  // summary line right after it, on the same thread (the start's, then the reload thread's).
  std::shared_ptr<const App> app_;
  bool key_cache_on_ = false;
  int status_ = 0;  // smfi_main's
};

}  // namespace postern
