// Implements MemoryStore. Contract in memory_store.h.
#include "common/store/memory_store.h"

#include "common/store/record.h"

namespace postern {

Result<void> check_store_key(std::string_view key) {
  if (key.empty()) return Error::perm("empty store key");
  if (key.size() > Store::kMaxKeySize) {
    return Error::perm("store key longer than " + std::to_string(Store::kMaxKeySize) + " bytes");
  }
  return {};
}

Result<void> check_store_value(std::string_view value) {
  if (value.size() > Store::kMaxValueSize) {
    return Error::perm("store value larger than " + std::to_string(Store::kMaxValueSize) + " bytes");
  }
  return {};
}

#define POSTERN_CHECK(expr)     \
  do {                          \
    auto _r = (expr);           \
    if (!_r) return _r.error(); \
  } while (0)

Result<std::optional<StoreEntry>> MemoryStore::get(std::string_view key) {
  POSTERN_CHECK(check_store_key(key));
  MutexLock lock(mu_);
  if (failing_) return Error::temp("memory store: simulated failure");
  auto it = map_.find(key);
  if (it == map_.end() || record_expired(it->second.expires_at, clock_.unix_seconds())) {
    return std::optional<StoreEntry>();
  }
  return std::optional<StoreEntry>(it->second);
}

Result<void> MemoryStore::put(std::string_view key, std::string_view value, Seconds ttl) {
  POSTERN_CHECK(check_store_key(key));
  POSTERN_CHECK(check_store_value(value));
  MutexLock lock(mu_);
  if (failing_) return Error::temp("memory store: simulated failure");
  int64_t expires = ttl.count() > 0 ? clock_.unix_seconds() + ttl.count() : 0;
  map_[std::string(key)] = StoreEntry{std::string(key), std::string(value), expires};
  return {};
}

Result<int64_t> MemoryStore::increment(std::string_view key, int64_t delta, Seconds window) {
  POSTERN_CHECK(check_store_key(key));
  MutexLock lock(mu_);
  if (failing_) return Error::temp("memory store: simulated failure");
  int64_t now = clock_.unix_seconds();
  auto it = map_.find(key);
  if (it == map_.end() || record_expired(it->second.expires_at, now)) {
    int64_t expires = window.count() > 0 ? now + window.count() : 0;
    map_[std::string(key)] = StoreEntry{std::string(key), std::to_string(delta), expires};
    return delta;
  }
  int64_t cur = 0;
  if (!parse_counter(it->second.value, cur)) return Error::perm("store key holds a non-integer value");
  cur += delta;
  it->second.value = std::to_string(cur);
  return cur;
}

Result<std::vector<StoreEntry>> MemoryStore::scan(std::string_view prefix, size_t limit) {
  MutexLock lock(mu_);
  if (failing_) return Error::temp("memory store: simulated failure");
  std::vector<StoreEntry> out;
  int64_t now = clock_.unix_seconds();
  for (auto it = map_.lower_bound(prefix); it != map_.end() && out.size() < limit; ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!record_expired(it->second.expires_at, now)) out.push_back(it->second);
  }
  return out;
}

Result<bool> MemoryStore::remove(std::string_view key) {
  POSTERN_CHECK(check_store_key(key));
  MutexLock lock(mu_);
  if (failing_) return Error::temp("memory store: simulated failure");
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  bool live = !record_expired(it->second.expires_at, clock_.unix_seconds());
  map_.erase(it);
  return live;
}

Result<size_t> MemoryStore::purge_expired() {
  MutexLock lock(mu_);
  if (failing_) return Error::temp("memory store: simulated failure");
  size_t n = 0;
  int64_t now = clock_.unix_seconds();
  for (auto it = map_.begin(); it != map_.end();) {
    if (record_expired(it->second.expires_at, now)) {
      it = map_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

}  // namespace postern
