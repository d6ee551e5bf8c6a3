// Implements SettledBuckets. Contract in settled_buckets.h.
#include "common/ratelimit/settled_buckets.h"

#include <algorithm>

namespace postern {

SettledBuckets::SettledBuckets(size_t max_counters)
    : per_shard_(max_counters == 0 ? 0 : std::max<size_t>(1, max_counters / kShards)) {}

SettledBuckets::Shard& SettledBuckets::shard_of(std::string_view id) { return shards_[Hash{}(id) % kShards]; }

size_t SettledBuckets::lookup(std::string_view id, int64_t from, int64_t to, int64_t now, int64_t* out,
                              int64_t& generation) {
  generation = kNoGeneration;
  if (per_shard_ == 0 || to < from) return 0;
  Shard& s = shard_of(id);
  MutexLock lock(s.mu);
  generation = s.generation;
  auto it = s.entries.find(id);
  if (it == s.entries.end()) return 0;
  Entry& e = it->second;
  // Stale when the clock went back since, or when it does not start at or before from.
  if (now < e.last_used || e.first > from || e.first + static_cast<int64_t>(e.n) <= from) {
    s.entries.erase(it);
    return 0;
  }
  e.last_used = now;
  const size_t skip = static_cast<size_t>(from - e.first);
  const size_t n = std::min<size_t>(e.n - skip, static_cast<size_t>(to - from + 1));
  std::copy_n(e.values.begin() + static_cast<std::ptrdiff_t>(skip), n, out);
  return n;
}

void SettledBuckets::remember(std::string_view id, int64_t from, const int64_t* values, size_t n, int64_t now,
                              int64_t g) {
  if (per_shard_ == 0 || n == 0 || n > kWindowBuckets + 1) return;
  Shard& s = shard_of(id);
  MutexLock lock(s.mu);
  if (g == kNoGeneration) return;
  if (s.generation != g) {
    s.entries.clear();
    s.generation = g;
  }
  auto it = s.entries.find(id);
  if (it == s.entries.end()) {
    if (s.entries.size() >= per_shard_) s.entries.clear();
    it = s.entries.emplace(std::string(id), Entry{}).first;
  }
  Entry& e = it->second;
  e.first = from;
  e.n = n;
  e.last_used = std::max(e.last_used, now);
  std::copy_n(values, n, e.values.begin());
}

size_t SettledBuckets::size() {
  size_t n = 0;
  for (Shard& s : shards_) {
    MutexLock lock(s.mu);
    n += s.entries.size();
  }
  return n;
}

}  // namespace postern
