// Store: the state every front-end shares (greylist triplets, lockout counters, ...). Keys and
// values are opaque byte strings chosen by the core, never by remote peers directly. Expiry is
// judged against the injected Clock, so tests move time with a FakeClock; backends may also use
// native expiry to reclaim space. Limits: key <= kMaxKeySize bytes, value <= kMaxValueSize bytes.
// Every call is thread-safe and may be used from several processes at once (LMDB) or hosts (Redis).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/clock.h"
#include "common/core/result.h"

namespace postern {

struct StoreEntry {
  std::string key;
  std::string value;
  int64_t expires_at = 0;  // unix seconds; 0 = never
};

// One operation of a write_batch: set key to value until expires_at (unix seconds, 0 = never),
// or remove key.
struct StoreWrite {
  std::string key;
  std::string value;
  int64_t expires_at = 0;
  bool remove = false;
};

class Store {
 public:
  static constexpr size_t kMaxKeySize = 480;  // LMDB's default max key size is 511
  static constexpr size_t kMaxValueSize = 64 * 1024;

  virtual ~Store() = default;

  // The live entry for key, or nullopt when absent or expired.
  virtual Result<std::optional<StoreEntry>> get(std::string_view key) = 0;
  // The live entries for keys, in the same order (nullopt where absent or expired), as one read:
  // LMDB in one read transaction, Redis in one round trip, the write-behind store under one lock.
  // The default asks get() for each key.
  virtual Result<std::vector<std::optional<StoreEntry>>> get_many(const std::vector<std::string>& keys);
  // Sets key to value. ttl == 0 means the entry never expires.
  virtual Result<void> put(std::string_view key, std::string_view value, Seconds ttl) = 0;
  // Atomically adds delta to the integer counter at key and returns the new value. If the counter
  // is absent or expired it starts from 0 with expiry now + window; otherwise its expiry stays.
  // A key holding a non-integer value is a permanent error.
  virtual Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) = 0;
  // Live entries whose key starts with prefix, in key order, at most limit of them.
  virtual Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) = 0;
  // Removes key; true when something was removed.
  virtual Result<bool> remove(std::string_view key) = 0;
  // Applies the writes in order. LMDB does them in one transaction (all or none, one sync); the
  // default does them one by one with put/remove (expiry as a TTL from now, at least 1 s) and
  // stops at the first error.
  virtual Result<void> write_batch(const std::vector<StoreWrite>& writes, int64_t now);
  // Removes expired entries now; returns how many. Backends also purge in the background.
  virtual Result<size_t> purge_expired() = 0;
  // Short description for logs and `posternctl`, e.g. "lmdb:/var/lib/postern".
  virtual std::string describe() const = 0;
};

}  // namespace postern
