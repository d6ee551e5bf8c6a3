// WriteBehindStore: a Store in front of another one that answers writes from memory and hands
// them to the inner store in batches (for LMDB: one transaction and one sync per batch) at most
// `interval` later. For state whose loss in a crash costs little, such as greylist triplets (a
// lost one means that sender is greylisted once more), this takes the disk sync off every
// request's path. Guarantees:
//   - Read your writes: get, increment and remove see every write made through this object,
//     pending or not. Writes of one key reach the inner store in the order they were made.
//   - What the inner store holds is always a state it committed (LMDB's crash safety is
//     unchanged); a crash or kill -9 loses at most the last `interval` of writes.
//   - Bounded: at most max_pending distinct keys and max_pending_bytes of keys and values (with a
//     per-entry overhead, kEntryOverhead) wait in memory; beyond either a write to a new key goes
//     to the inner store at once (write-through), so memory stays bounded and nothing is dropped:
//     the write succeeds or returns the inner store's error (the caller's store-failure outcome).
//     Reaching a bound is reported once (Event::full), and again only after a flush has brought
//     the pending writes under half of both bounds.
//   - Batches: a flush writes at most kMaxBatchBytes per write_batch, and when a batch fails it
//     is retried at once in halves, down to single writes, so a batch larger than what the inner
//     store can take (LMDB map full, disk full after a long outage) is written in pieces that fit
//     instead of failing whole for ever. kGrowAfter successes in a row double the size again.
//   - A failed flush keeps its unwritten writes for the next attempt and reports one
//     Event::flush_failed per failure streak and one Event::recovered when writing works again;
//     reads and writes keep working from memory meanwhile.
//   - scan and purge_expired flush first, then ask the inner store. The destructor flushes and
//     reports what it could not write (Event::lost, with the count).
// Other processes sharing the inner store (posternctl) see a write once it is flushed; an admin's
// change to a key written here in the same interval may be overwritten by the flush.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <unordered_map>

#include "common/core/mutex.h"
#include "common/store/store.h"

namespace postern {

class WriteBehindStore final : public Store {
 public:
  static constexpr size_t kDefaultMaxPending = 200000;
  static constexpr size_t kDefaultMaxPendingBytes = size_t{64} << 20;
  // Memory an entry costs besides its key and value (hash node, two string headers, the op).
  static constexpr size_t kEntryOverhead = 128;
  // The most one write_batch carries (keys, values and kEntryOverhead each), so a normal flush
  // after a busy interval is a few moderate transactions rather than one huge one.
  static constexpr size_t kMaxBatchBytes = size_t{8} << 20;
  // A failed batch is retried at half the size; after this many successes in a row the size
  // doubles again.
  static constexpr int kGrowAfter = 4;

  enum class Event {
    flush_failed,  // a flush failed (first of a streak); error set
    recovered,     // a flush succeeded after failures
    full,          // a bound was reached: new keys are written through (once until drained)
    lost,          // at destruction, writes that could not be written; keys = how many
  };
  struct Report {
    Event event;
    std::string error;  // the inner store's error (flush_failed, lost)
    size_t keys = 0;    // pending writes then
    size_t bytes = 0;   // their memory, as counted against max_pending_bytes
  };
  using Reporter = std::function<void(const Report&)>;

  // interval: how long a write may wait in memory. The flusher thread wakes at that period (a
  // real-time wait: this is the daemon's housekeeping) and as soon as more than early_flush_at
  // keys wait (default: a quarter of max_pending). report is called on the events above, never
  // with a lock held.
  WriteBehindStore(Store& inner, const Clock& clock, std::chrono::milliseconds interval, Reporter report = {},
                   size_t max_pending = kDefaultMaxPending, size_t early_flush_at = 0,
                   size_t max_pending_bytes = kDefaultMaxPendingBytes);
  ~WriteBehindStore() override;

  Result<std::optional<StoreEntry>> get(std::string_view key) override;
  Result<std::vector<std::optional<StoreEntry>>> get_many(const std::vector<std::string>& keys) override;
  Result<void> put(std::string_view key, std::string_view value, Seconds ttl) override;
  Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) override;
  Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) override;
  Result<bool> remove(std::string_view key) override;
  Result<void> write_batch(const std::vector<StoreWrite>& writes, int64_t now) override;
  Result<size_t> purge_expired() override;
  std::string describe() const override;

  // Hands every pending write to the inner store now, in batches (see above); ok when all were
  // written, else the error of the last batch tried (the unwritten ones stay pending).
  Result<void> flush();
  size_t pending() const;
  size_t pending_bytes() const;  // as counted against max_pending_bytes

 private:
  // Not noexcept on purpose: libstdc++ then keeps each key's hash in its node (as it does for
  // std::hash<std::string>), so a lookup compares stored hashes instead of hashing the bucket's
  // other keys again; a noexcept hasher counts as "fast" and loses that. Measured on the
  // send-limit load (24 lookups per message): hashing fell from 3.1% to 1.6% of the daemon's
  // profile samples.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Op {
    std::string value;
    int64_t expires_at = 0;
    bool remove = false;
  };
  // The newest write of key not yet committed by the inner store (pending, then being flushed),
  // or nullptr. Caller holds mu_.
  const Op* find_locked(std::string_view key) const REQUIRES(mu_);
  static size_t entry_bytes(std::string_view key, const Op& op) {
    return key.size() + op.value.size() + kEntryOverhead;
  }
  // Records a write; false when it must go to the inner store directly (full). Caller holds mu_.
  bool record_locked(std::string_view key, Op op) REQUIRES(mu_);
  // A write went through for want of room: reports Event::full once per episode.
  void note_full();
  void flusher();

  Store& inner_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  const Reporter report_;
  const size_t max_pending_;
  const size_t early_flush_at_;
  const size_t max_pending_bytes_;

  // flushing_ is changed only by flush(), holding flush_mu_ and mu_; others read it holding mu_,
  // and flush() reads it holding flush_mu_ alone (two locks the analysis cannot express, so it is
  // not annotated).
  mutable Mutex mu_;
  CondVar wake_;
  using OpMap = std::unordered_map<std::string, Op, StringHash, std::equal_to<>>;
  OpMap pending_ GUARDED_BY(mu_);
  OpMap flushing_;                    // handed to the inner store, not yet committed
  size_t bytes_ GUARDED_BY(mu_) = 0;  // entry_bytes of pending_ and flushing_
  bool full_reported_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  Mutex flush_mu_;  // one flush at a time
  bool failing_ GUARDED_BY(flush_mu_) = false;
  // Writes per batch: halved on failure, doubled after kGrowAfter successes in a row.
  size_t batch_limit_ GUARDED_BY(flush_mu_) = SIZE_MAX;
  int batch_successes_ GUARDED_BY(flush_mu_) = 0;  // successes in a row at batch_limit_
  std::thread thread_;
};

}  // namespace postern
