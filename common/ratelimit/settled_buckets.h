// SettledBuckets: one process's memory of the send-limit buckets (window.h) that no longer change,
// so that a check reads from the store only the buckets still being counted (the current one and
// those that ended less than kSettleSeconds ago) instead of every bucket of every window: for a
// login with limits of an hour and a day, 1 + 2 keys a message instead of 22.
//
// When a bucket may be remembered. A bucket is settled kSettleSeconds after it ends (window.h,
// last_settled_bucket): by then no process whose clock is within kSettleSeconds of ours still
// counts in it. Hosts sharing a Redis store must keep their clocks that close (NTP does, by far).
// After that a bucket's count changes only by
//   - a take-back of a request that raced for the last slot (it only lowers the count, so a
//     remembered value errs on the side of refusing, for at most one message);
//   - `posternctl ratelimit reset` or `account release` (RateLimiter::reset), which remove
//     counters and then bump the store's generation counter (kGenerationKey). Every check reads
//     the generation in the same batch as its buckets, first; values remembered under another
//     generation are never used, and a shard that is given values of another generation forgets
//     everything it held first. So a reset on any host of the store takes effect at the next
//     check everywhere;
//   - the clock stepping back: an entry last used at a later time than now is dropped, since
//     buckets counted while the clock was behind may have changed;
//   - the store losing data (a Redis flush without a reset): remembered counts stay until their
//     buckets leave the window, refusing rather than passing.
//
// Bounded: at most max_counters entries (one per login, window and quantity), in kShards shards
// under their own lock; a shard at its share of the bound is emptied before it takes a new entry,
// and the next checks of those counters read every bucket from the store again, as without the
// cache. max_counters = 0 turns the cache off. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/core/mutex.h"
#include "common/ratelimit/window.h"

namespace postern {

class SettledBuckets {
 public:
  static constexpr size_t kDefaultMaxCounters = 50000;  // some 25 MB at most (about 550 B each)
  static constexpr size_t kShards = 16;
  // The generation before any was read: matches none.
  static constexpr int64_t kNoGeneration = INT64_MIN;

  explicit SettledBuckets(size_t max_counters = kDefaultMaxCounters);

  // The remembered counts of counter `id` (counter_id(), window.h) for buckets from, from + 1,
  // ..., up to to, as far as they are remembered without a gap: copies them to out (room for
  // to - from + 1) and returns how many (0 when none). At most kWindowBuckets + 1 are ever
  // remembered per counter (a longer run is not remembered at all). generation is set to the generation
  // the values belong to; a caller may use them only if it read that same generation.
  size_t lookup(std::string_view id, int64_t from, int64_t to, int64_t now, int64_t* out,
                int64_t& generation);
  // Remembers the counts of buckets from .. from + n - 1 of counter id (every one settled at now),
  // read from the store together with generation g. A shard holding another generation forgets
  // all it held and takes g.
  void remember(std::string_view id, int64_t from, const int64_t* values, size_t n, int64_t now, int64_t g);

  size_t size();  // entries, for tests

 private:
  struct Entry {
    int64_t first = 0;  // the bucket of values[0]
    size_t n = 0;
    int64_t last_used = 0;  // the latest now it was looked up or written at
    std::array<int64_t, kWindowBuckets + 1> values{};
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    Mutex mu;
    int64_t generation GUARDED_BY(mu) = kNoGeneration;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries GUARDED_BY(mu);
  };

  Shard& shard_of(std::string_view id);

  size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace postern
