// OwnershipProvider: the current OwnershipMap, reloaded when its sources change, without a restart.
// Sources: any number of login-map text files and optionally one Mail-in-a-Box SQLite database.
// current() re-checks the sources' (inode, size, mtime) at most once per check_interval, judged by
// the injected Clock, and rebuilds the map when any changed; reload() forces it (SIGHUP). A source
// that fails to load keeps the previous map in service and is logged once per failure, with the
// reason. Thread-safe; current() is cheap (an atomic shared_ptr copy) between checks.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/core/clock.h"
#include "common/core/mutex.h"
#include "common/core/result.h"
#include "common/log/log.h"
#include "common/sender/ownership.h"

namespace postern {

struct OwnershipSources {
  std::vector<std::string> map_files;
  std::string sqlite_path;  // empty = none
  OwnershipOptions options;
  Seconds check_interval{1};
};

class OwnershipProvider {
 public:
  OwnershipProvider(OwnershipSources sources, const Clock& clock, const Logger* log);

  // Loads every source now. An error here (a missing file, a parse error) is returned so a daemon
  // can refuse to start with a bad config; later failures keep the old map.
  Result<void> load();
  std::shared_ptr<const OwnershipMap> current();
  Result<void> reload();

 private:
  struct Stamp {
    unsigned long long ino = 0, size = 0;
    long long mtime_ns = 0;
    bool exists = false;
    bool operator==(const Stamp&) const = default;
  };
  std::vector<Stamp> stamps() const;
  Result<std::shared_ptr<const OwnershipMap>> build() const;

  OwnershipSources sources_;
  const Clock& clock_;
  const Logger* log_;
  Mutex mu_;                                 // serialises checks and reloads
  std::shared_ptr<const OwnershipMap> map_;  // std::atomic_load/store
  std::vector<Stamp> stamps_ GUARDED_BY(mu_);
  std::atomic<long long> next_check_ns_{0};
  std::string last_error_ GUARDED_BY(mu_);
};

}  // namespace postern
