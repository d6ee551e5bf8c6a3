// MemoryStore: the Store interface over an ordered in-process map; same semantics as the real
// backends (expiry by the injected Clock). For unit tests and for running without persistence.
// Thread-safe (one mutex).
#pragma once

#include <map>

#include "common/core/mutex.h"
#include "common/store/store.h"

namespace postern {

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(const Clock& clock) : clock_(clock) {}

  Result<std::optional<StoreEntry>> get(std::string_view key) override;
  Result<void> put(std::string_view key, std::string_view value, Seconds ttl) override;
  Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) override;
  Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) override;
  Result<bool> remove(std::string_view key) override;
  Result<size_t> purge_expired() override;
  std::string describe() const override { return "memory"; }

  // Makes every call fail with a temporary error (tests of the configured store-failure outcome).
  void set_failing(bool failing) {
    MutexLock lock(mu_);
    failing_ = failing;
  }

 private:
  const Clock& clock_;
  Mutex mu_;
  std::map<std::string, StoreEntry, std::less<>> map_ GUARDED_BY(mu_);
  bool failing_ GUARDED_BY(mu_) = false;
};

// Shared argument checks of every backend.
Result<void> check_store_key(std::string_view key);
Result<void> check_store_value(std::string_view value);

}  // namespace postern
