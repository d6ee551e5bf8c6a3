// WriteBehindStore: a Store in front of another one that answers writes from memory and hands
// them to the inner store in batches, one write_batch (for LMDB: one transaction, one sync) at most
// `interval` later. For state whose loss in a crash costs little, such as greylist triplets (a
// lost one means that sender is greylisted once more), this takes the disk sync off every
// request's path. Guarantees:
//   - Read your writes: get, increment and remove see every write made through this object,
//     pending or not. Writes of one key reach the inner store in the order they were made.
//   - What the inner store holds is always a state it committed (LMDB's crash safety is
//     unchanged); a crash or kill -9 loses at most the last `interval` of writes.
//   - Bounded: at most max_pending distinct keys wait; beyond that a write to a new key goes to
//     the inner store at once (write-through), so memory stays bounded and nothing is dropped.
//   - A failed flush keeps its writes for the next attempt and logs one line per failure streak
//     (through on_flush_error); reads and writes keep working from memory meanwhile.
//   - scan and purge_expired flush first, then ask the inner store. The destructor flushes.
// Other processes sharing the inner store (posternctl) see a write once it is flushed; an admin's
// change to a key written here in the same interval may be overwritten by the flush.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/store/store.h"

namespace postern {

class WriteBehindStore final : public Store {
 public:
  static constexpr size_t kDefaultMaxPending = 200000;
  // interval: how long a write may wait in memory. The flusher thread wakes at that period (a
  // real-time wait: this is the daemon's housekeeping) and as soon as more than early_flush_at
  // keys wait (default: a quarter of max_pending). on_flush_error(message) is called once when
  // flushes start failing and once (with "") when they succeed again.
  WriteBehindStore(Store& inner, const Clock& clock, std::chrono::milliseconds interval,
                   std::function<void(const std::string&)> on_flush_error = {},
                   size_t max_pending = kDefaultMaxPending, size_t early_flush_at = 0);
  ~WriteBehindStore() override;

  Result<std::optional<StoreEntry>> get(std::string_view key) override;
  Result<void> put(std::string_view key, std::string_view value, Seconds ttl) override;
  Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) override;
  Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) override;
  Result<bool> remove(std::string_view key) override;
  Result<void> write_batch(const std::vector<StoreWrite>& writes, int64_t now) override;
  Result<size_t> purge_expired() override;
  std::string describe() const override;

  // Hands every pending write to the inner store now; the result of that write_batch.
  Result<void> flush();
  size_t pending() const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct Op {
    std::string value;
    int64_t expires_at = 0;
    bool remove = false;
  };
  // The newest write of key not yet committed by the inner store (pending, then being flushed),
  // or nullptr. Caller holds mu_.
  const Op* find_locked(std::string_view key) const;
  // Records a write; false when it must go to the inner store directly (full). Caller holds mu_.
  bool record_locked(std::string_view key, Op op);
  void flusher();

  Store& inner_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  const std::function<void(const std::string&)> on_flush_error_;
  const size_t max_pending_;
  const size_t early_flush_at_;

  // Guards pending_ and stopping_. flushing_ is changed only by flush(), holding flush_mu_ and mu_;
  // others read it holding mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  using OpMap = std::unordered_map<std::string, Op, StringHash, std::equal_to<>>;
  OpMap pending_;
  OpMap flushing_;  // handed to the inner store, not yet committed
  bool stopping_ = false;
  std::mutex flush_mu_;  // one flush at a time; guards failing_
  bool failing_ = false;
  std::thread thread_;
};

}  // namespace postern
