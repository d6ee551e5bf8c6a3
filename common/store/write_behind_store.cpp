// Implements WriteBehindStore. Contract in write_behind_store.h.
#include "common/store/write_behind_store.h"

#include <algorithm>
#include <vector>

#include "common/store/memory_store.h"
#include "common/store/record.h"

namespace postern {

WriteBehindStore::WriteBehindStore(Store& inner, const Clock& clock, std::chrono::milliseconds interval,
                                   Reporter report, size_t max_pending, size_t early_flush_at,
                                   size_t max_pending_bytes)
    : inner_(inner),
      clock_(clock),
      interval_(interval),
      report_(std::move(report)),
      max_pending_(std::max<size_t>(max_pending, 1)),
      early_flush_at_(early_flush_at > 0 ? early_flush_at : max_pending_ / 4),
      max_pending_bytes_(std::max<size_t>(max_pending_bytes, 1)) {
  thread_ = std::thread([this] { flusher(); });
}

WriteBehindStore::~WriteBehindStore() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  auto r = flush();
  if (!r && report_) {
    Report lost{Event::lost, r.error().message, 0, 0};
    {
      MutexLock lock(mu_);
      lost.keys = pending_.size();
      lost.bytes = bytes_;
    }
    report_(lost);
  }
}

std::string WriteBehindStore::describe() const {
  return inner_.describe() + " (writes batched every " + std::to_string(interval_.count()) + "ms)";
}

size_t WriteBehindStore::pending() const {
  MutexLock lock(mu_);
  return pending_.size() + flushing_.size();
}

size_t WriteBehindStore::pending_bytes() const {
  MutexLock lock(mu_);
  return bytes_;
}

const WriteBehindStore::Op* WriteBehindStore::find_locked(std::string_view key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return &it->second;
  if (auto it = flushing_.find(key); it != flushing_.end()) return &it->second;
  return nullptr;
}

bool WriteBehindStore::record_locked(std::string_view key, Op op) {
  const size_t size = entry_bytes(key, op);
  if (auto it = pending_.find(key); it != pending_.end()) {
    bytes_ = bytes_ - entry_bytes(key, it->second) + size;
    it->second = std::move(op);
    return true;
  }
  // A key being flushed must queue behind that flush, whatever the size, to keep its order.
  if ((pending_.size() >= max_pending_ || bytes_ + size > max_pending_bytes_) &&
      flushing_.find(key) == flushing_.end())
    return false;
  pending_.emplace(std::string(key), std::move(op));
  bytes_ += size;
  if (pending_.size() == early_flush_at_ + 1) wake_.notify_one();
  return true;
}

void WriteBehindStore::note_full() {
  Report full{Event::full, "", 0, 0};
  {
    MutexLock lock(mu_);
    if (full_reported_) return;
    full_reported_ = true;
    full.keys = pending_.size() + flushing_.size();
    full.bytes = bytes_;
  }
  if (report_) report_(full);
}

Result<std::optional<StoreEntry>> WriteBehindStore::get(std::string_view key) {
  if (auto c = check_store_key(key); !c) return c.error();
  {
    MutexLock lock(mu_);
    if (const Op* op = find_locked(key)) {
      if (op->remove || record_expired(op->expires_at, clock_.unix_seconds()))
        return std::optional<StoreEntry>();
      return std::optional<StoreEntry>(StoreEntry{std::string(key), op->value, op->expires_at});
    }
  }
  return inner_.get(key);
}

Result<std::vector<std::optional<StoreEntry>>> WriteBehindStore::get_many(
    const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (auto c = check_store_key(k); !c) return c.error();
  }
  std::vector<std::optional<StoreEntry>> out(keys.size());
  std::vector<std::string> missing;
  std::vector<size_t> where;
  {
    MutexLock lock(mu_);
    const int64_t now = clock_.unix_seconds();
    for (size_t i = 0; i < keys.size(); ++i) {
      if (const Op* op = find_locked(keys[i])) {
        if (!op->remove && !record_expired(op->expires_at, now))
          out[i] = StoreEntry{keys[i], op->value, op->expires_at};
      } else {
        missing.push_back(keys[i]);
        where.push_back(i);
      }
    }
  }
  if (missing.empty()) return out;
  auto inner = inner_.get_many(missing);
  if (!inner) return inner.error();
  for (size_t j = 0; j < where.size(); ++j) out[where[j]] = std::move((*inner)[j]);
  return out;
}

Result<void> WriteBehindStore::put(std::string_view key, std::string_view value, Seconds ttl) {
  if (auto c = check_store_key(key); !c) return c.error();
  if (auto c = check_store_value(value); !c) return c.error();
  Op op{std::string(value), ttl.count() > 0 ? clock_.unix_seconds() + ttl.count() : 0, false};
  {
    MutexLock lock(mu_);
    if (record_locked(key, std::move(op))) return {};
  }
  note_full();
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
  // Called holding mu_ (annotated: a lambda is analysed as a function of its own).
  auto from_memory = [&](const Op& op) REQUIRES(mu_) -> Result<int64_t> {
    auto n = next(op.remove ? nullptr : &op.value, op.expires_at);
    if (!n) return Error::perm("store key holds a non-integer value");
    int64_t result = std::stoll(n->value);
    (void)record_locked(key, std::move(*n));  // the key is in memory: always recorded
    return result;
  };
  {
    MutexLock lock(mu_);
    if (const Op* op = find_locked(key)) return from_memory(*op);
  }
  auto base = inner_.get(key);
  if (!base) return base.error();
  {
    MutexLock lock(mu_);
    if (const Op* op = find_locked(key)) return from_memory(*op);  // written meanwhile
    auto n = *base ? next(&(*base)->value, (*base)->expires_at) : next(nullptr, 0);
    if (!n) return Error::perm("store key holds a non-integer value");
    int64_t result = std::stoll(n->value);
    if (record_locked(key, std::move(*n))) return result;
  }
  note_full();
  return inner_.increment(key, delta, window);  // full: write through
}

Result<bool> WriteBehindStore::remove(std::string_view key) {
  auto existing = get(key);
  if (!existing) return existing.error();
  {
    MutexLock lock(mu_);
    if (record_locked(key, Op{std::string(), 0, true})) return existing->has_value();
  }
  note_full();
  return inner_.remove(key);
}

Result<void> WriteBehindStore::write_batch(const std::vector<StoreWrite>& writes, int64_t now) {
  for (const auto& w : writes) {
    if (auto c = check_store_key(w.key); !c) return c.error();
    if (auto c = check_store_value(w.value); !c) return c.error();
  }
  for (const auto& w : writes) {
    {
      MutexLock lock(mu_);
      if (record_locked(w.key, Op{w.value, w.expires_at, w.remove})) continue;
    }
    note_full();
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
  MutexLock one(flush_mu_);
  {
    MutexLock lock(mu_);
    if (pending_.empty()) return {};
    flushing_.swap(pending_);  // flushing_ is empty between flushes
  }
  // Only flush() changes flushing_ (under flush_mu_, which this holds); others read it under mu_.
  // Reading it here without mu_ keeps requests from waiting while a batch is built.
  Result<void> r;
  std::vector<StoreWrite> writes;
  auto it = flushing_.begin();
  while (it != flushing_.end()) {
    writes.clear();
    size_t bytes = 0;
    auto end = it;
    for (; end != flushing_.end() && writes.size() < batch_limit_; ++end) {
      const size_t size = entry_bytes(end->first, end->second);
      if (!writes.empty() && bytes + size > kMaxBatchBytes) break;
      writes.push_back(StoreWrite{end->first, end->second.value, end->second.expires_at, end->second.remove});
      bytes += size;
    }
    r = inner_.write_batch(writes, clock_.unix_seconds());
    if (r) {
      MutexLock lock(mu_);
      it = flushing_.erase(it, end);  // committed: reads go to the inner store now
      bytes_ -= bytes;
      // Grow again, but only after a run of successes: doubling after each one would make every
      // other batch fail while the store is still short of room.
      if (++batch_successes_ >= kGrowAfter && batch_limit_ <= SIZE_MAX / 2) {
        batch_limit_ *= 2;
        batch_successes_ = 0;
      }
      continue;
    }
    // Perhaps too large for the store (LMDB's map or the disk is full): the same writes again in
    // a batch half the size. A single write that fails means the store itself fails.
    batch_successes_ = 0;
    if (writes.size() == 1) break;
    batch_limit_ = writes.size() / 2;
  }
  {
    MutexLock lock(mu_);
    // What was not written waits for the next attempt; a newer write of the same key (in
    // pending_) wins over the one kept here.
    for (auto& [k, op] : flushing_) {
      const size_t size = entry_bytes(k, op);
      if (!pending_.try_emplace(k, std::move(op)).second) bytes_ -= size;
    }
    flushing_.clear();
    if (r && pending_.size() <= max_pending_ / 2 && bytes_ <= max_pending_bytes_ / 2) full_reported_ = false;
  }
  if (!r && !failing_) {
    failing_ = true;
    if (report_) report_(Report{Event::flush_failed, r.error().message, pending(), pending_bytes()});
  } else if (r && failing_) {
    failing_ = false;
    if (report_) report_(Report{Event::recovered, "", pending(), pending_bytes()});
  }
  return r;
}

void WriteBehindStore::flusher() {
  MutexLock lock(mu_);
  bool failed = false;
  while (!stopping_) {
    if (failed) {
      wake_.wait_for(lock, interval_);  // back off: do not spin on a store that keeps failing
    } else {
      const auto until = std::chrono::steady_clock::now() + interval_;
      while (!stopping_ && pending_.size() <= early_flush_at_) {
        if (wake_.wait_until(lock, until) == std::cv_status::timeout) break;
      }
    }
    if (stopping_) break;
    lock.unlock();
    failed = !flush();
    lock.lock();
  }
}

}  // namespace postern
