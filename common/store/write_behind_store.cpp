// Implements WriteBehindStore. Contract in write_behind_store.h.
#include "common/store/write_behind_store.h"

#include "common/store/memory_store.h"
#include "common/store/record.h"

namespace postern {

WriteBehindStore::WriteBehindStore(Store& inner, const Clock& clock, std::chrono::milliseconds interval,
                                   std::function<void(const std::string&)> on_flush_error, size_t max_pending,
                                   size_t early_flush_at)
    : inner_(inner),
      clock_(clock),
      interval_(interval),
      on_flush_error_(std::move(on_flush_error)),
      max_pending_(std::max<size_t>(max_pending, 1)),
      early_flush_at_(early_flush_at > 0 ? early_flush_at : max_pending_ / 4) {
  thread_ = std::thread([this] { flusher(); });
}

WriteBehindStore::~WriteBehindStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  (void)flush();
}

std::string WriteBehindStore::describe() const {
  return inner_.describe() + " (writes batched every " + std::to_string(interval_.count()) + "ms)";
}

size_t WriteBehindStore::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size() + flushing_.size();
}

const WriteBehindStore::Op* WriteBehindStore::find_locked(std::string_view key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return &it->second;
  if (auto it = flushing_.find(key); it != flushing_.end()) return &it->second;
  return nullptr;
}

bool WriteBehindStore::record_locked(std::string_view key, Op op) {
  if (auto it = pending_.find(key); it != pending_.end()) {
    it->second = std::move(op);
    return true;
  }
  // A key being flushed must queue behind that flush, whatever the size, to keep its order.
  if (pending_.size() >= max_pending_ && flushing_.find(key) == flushing_.end()) return false;
  pending_.emplace(std::string(key), std::move(op));
  if (pending_.size() == early_flush_at_ + 1) wake_.notify_one();
  return true;
}

Result<std::optional<StoreEntry>> WriteBehindStore::get(std::string_view key) {
  if (auto c = check_store_key(key); !c) return c.error();
  {
    std::lock_guard lock(mu_);
    if (const Op* op = find_locked(key)) {
      if (op->remove || record_expired(op->expires_at, clock_.unix_seconds()))
        return std::optional<StoreEntry>();
      return std::optional<StoreEntry>(StoreEntry{std::string(key), op->value, op->expires_at});
    }
  }
  return inner_.get(key);
}

Result<void> WriteBehindStore::put(std::string_view key, std::string_view value, Seconds ttl) {
  if (auto c = check_store_key(key); !c) return c.error();
  if (auto c = check_store_value(value); !c) return c.error();
  Op op{std::string(value), ttl.count() > 0 ? clock_.unix_seconds() + ttl.count() : 0, false};
  {
    std::lock_guard lock(mu_);
    if (record_locked(key, std::move(op))) return {};
  }
  return inner_.put(key, value, ttl);  // full: write through
}

Result<int64_t> WriteBehindStore::increment(std::string_view key, int64_t delta, Seconds window) {
  if (auto c = check_store_key(key); !c) return c.error();
  const int64_t now = clock_.unix_seconds();
  const int64_t fresh_expiry = window.count() > 0 ? now + window.count() : 0;
  // The new counter from a current (value, expiry), or nullopt when the value is not a counter.
  auto next = [&](const std::string* value, int64_t expires_at) -> std::optional<Op> {
    int64_t cur = 0, expires = fresh_expiry;
    if (value && !record_expired(expires_at, now)) {
      if (!parse_counter(*value, cur)) return std::nullopt;
      expires = expires_at;
    }
    return Op{std::to_string(cur + delta), expires, false};
  };
  auto from_memory = [&](const Op& op) -> Result<int64_t> {
    auto n = next(op.remove ? nullptr : &op.value, op.expires_at);
    if (!n) return Error::perm("store key holds a non-integer value");
    int64_t result = std::stoll(n->value);
    (void)record_locked(key, std::move(*n));  // the key is in memory: always recorded
    return result;
  };
  {
    std::lock_guard lock(mu_);
    if (const Op* op = find_locked(key)) return from_memory(*op);
  }
  auto base = inner_.get(key);
  if (!base) return base.error();
  {
    std::lock_guard lock(mu_);
    if (const Op* op = find_locked(key)) return from_memory(*op);  // written meanwhile
    auto n = *base ? next(&(*base)->value, (*base)->expires_at) : next(nullptr, 0);
    if (!n) return Error::perm("store key holds a non-integer value");
    int64_t result = std::stoll(n->value);
    if (record_locked(key, std::move(*n))) return result;
  }
  return inner_.increment(key, delta, window);  // full: write through
}

Result<bool> WriteBehindStore::remove(std::string_view key) {
  auto existing = get(key);
  if (!existing) return existing.error();
  {
    std::lock_guard lock(mu_);
    if (record_locked(key, Op{std::string(), 0, true})) return existing->has_value();
  }
  return inner_.remove(key);
}

Result<void> WriteBehindStore::write_batch(const std::vector<StoreWrite>& writes, int64_t now) {
  for (const auto& w : writes) {
    if (auto c = check_store_key(w.key); !c) return c.error();
    if (auto c = check_store_value(w.value); !c) return c.error();
  }
  for (const auto& w : writes) {
    {
      std::lock_guard lock(mu_);
      if (record_locked(w.key, Op{w.value, w.expires_at, w.remove})) continue;
    }
    if (auto r = inner_.write_batch({w}, now); !r) return r;
  }
  return {};
}

Result<std::vector<StoreEntry>> WriteBehindStore::scan(std::string_view prefix, size_t limit) {
  if (auto f = flush(); !f) return f.error();
  return inner_.scan(prefix, limit);
}

Result<size_t> WriteBehindStore::purge_expired() {
  if (auto f = flush(); !f) return f.error();
  return inner_.purge_expired();
}

Result<void> WriteBehindStore::flush() {
  std::lock_guard one(flush_mu_);
  {
    std::lock_guard lock(mu_);
    if (pending_.empty()) return {};
    flushing_.swap(pending_);  // flushing_ is empty between flushes
  }
  // Only flush() changes flushing_ (under flush_mu_, which this holds); others read it under mu_.
  // Reading it here without mu_ keeps requests from waiting while the batch is built.
  std::vector<StoreWrite> writes;
  writes.reserve(flushing_.size());
  for (const auto& [k, op] : flushing_) writes.push_back(StoreWrite{k, op.value, op.expires_at, op.remove});
  auto r = inner_.write_batch(writes, clock_.unix_seconds());
  {
    std::lock_guard lock(mu_);
    if (!r) {
      // Keep them for the next attempt; a newer write of the same key (in pending_) wins.
      for (auto& [k, op] : flushing_) pending_.try_emplace(k, std::move(op));
    }
    flushing_.clear();
  }
  if (!r && !failing_) {
    failing_ = true;
    if (on_flush_error_) on_flush_error_(r.error().message);
  } else if (r && failing_) {
    failing_ = false;
    if (on_flush_error_) on_flush_error_("");
  }
  return r;
}

void WriteBehindStore::flusher() {
  std::unique_lock lock(mu_);
  bool failed = false;
  while (!stopping_) {
    if (failed) {
      wake_.wait_for(lock, interval_);  // back off: do not spin on a store that keeps failing
    } else {
      wake_.wait_for(lock, interval_, [this] { return stopping_ || pending_.size() > early_flush_at_; });
    }
    if (stopping_) break;
    lock.unlock();
    failed = !flush();
    lock.lock();
  }
}

}  // namespace postern
