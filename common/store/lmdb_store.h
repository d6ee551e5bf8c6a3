// LmdbStore: the embedded default backend, one LMDB environment in a directory (data.mdb and
// lock.mdb, mode 0660, directory created 0770). Several processes (policyd workers, Dovecot auth
// processes, posternctl) may use it at once: LMDB serialises writers with its lock file and
// readers never block. Crash safety: copy-on-write pages with MDB_NOMETASYNC, so a process killed
// mid-write (kill -9) loses at most its uncommitted transaction and never corrupts the file; a
// power loss can lose the last committed transaction but not integrity. One LmdbStore per process
// per directory (LMDB forbids opening one environment twice in a process); the object itself is
// thread-safe. A full map grows (doubling) up to max_map_size, then writes fail with a clear
// error naming [store].lmdb_max_map_size_mb. open() checks the data file before and after
// mapping it (lmdb_verify.h) and refuses a damaged one (truncated, damaged pages) with an error
// naming the file and the recovery (posternctl store reset), instead of a SIGBUS or SIGSEGV. Expired entries
// are purged by a background thread every purge_interval and in bounded batches.
#pragma once

#include <lmdb.h>

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "common/core/mutex.h"
#include "common/store/store.h"
#include "common/store/store_config.h"

namespace postern {

class LmdbStore final : public Store {
 public:
  // Opens (creating if needed) the store. background_purge starts the purge thread.
  static Result<std::unique_ptr<LmdbStore>> open(const StoreConfig& config, const Clock& clock,
                                                 bool background_purge = true);
  ~LmdbStore() override;

  Result<std::optional<StoreEntry>> get(std::string_view key) override;
  Result<std::vector<std::optional<StoreEntry>>> get_many(const std::vector<std::string>& keys) override;
  Result<void> put(std::string_view key, std::string_view value, Seconds ttl) override;
  Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) override;
  Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) override;
  Result<bool> remove(std::string_view key) override;
  Result<void> write_batch(const std::vector<StoreWrite>& writes, int64_t now) override;
  Result<size_t> purge_expired() override;
  std::string describe() const override { return "lmdb:" + path_; }

  size_t map_size() const;

 private:
  LmdbStore(const Clock& clock, std::string path, size_t max_map_bytes);
  // Runs fn inside a transaction; handles MDB_MAP_RESIZED (another process grew the map) and
  // MDB_MAP_FULL (grow and retry). fn returns an LMDB status code.
  struct PendingWrite {
    const std::function<int(MDB_txn*)>* fn;
    Result<void> result;
    bool done;
  };
  static constexpr size_t kMaxBatch = 512;
  template <class Fn>
  Result<void> write_txn(Fn&& fn);
  Result<void> grouped_write(const std::function<int(MDB_txn*)>& fn);
  void commit_batch(const std::vector<PendingWrite*>& batch);
  Result<void> write_single(const std::function<int(MDB_txn*)>& fn);
  template <class Fn>
  Result<void> read_txn(Fn&& fn);
  Result<void> grow();
  void purge_loop(Seconds interval);

  const Clock& clock_;
  std::string path_;
  size_t max_map_bytes_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  // Shared by every transaction of this process, exclusive while the map is resized (LMDB
  // requires that no transaction of the process is active then).
  mutable SharedMutex resize_mu_;
  Mutex batch_mu_;  // also guards PendingWrite::done
  CondVar batch_cv_;
  std::vector<PendingWrite*> queue_ GUARDED_BY(batch_mu_);
  bool leader_ GUARDED_BY(batch_mu_) = false;
  Mutex stop_mu_;
  CondVar stop_cv_;
  bool stopping_ GUARDED_BY(stop_mu_) = false;
  std::thread purger_;
};

}  // namespace postern
